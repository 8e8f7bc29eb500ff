//! Everything that can be wrong with finding, reading or validating the
//! project file, each error with where it is and what to do about it.
//!
//! The hint for a missing project file is built from what is in the
//! directory when it is shown ([`Found`]): it suggests only the files that
//! are there, never a `requirements.txt` or a `python` the project lacks.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::PENV_TOML;
use crate::diagnostics::{Location, display_path};
use crate::text_file::TextFileError;

/// Everything that can be wrong with finding or reading the project file.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// `-C DIR` names no directory.
    #[error("`{}` is not a directory", display_path(dir))]
    NoSuchDirectory {
        /// The directory given.
        dir: PathBuf,
    },
    /// No project file in the directory or above it.
    #[error(
        "no `penv.toml` found in `{}` or any parent directory",
        display_path(dir)
    )]
    NotFound {
        /// Where the search started.
        dir: PathBuf,
        /// A file nearby that suggests what the user meant.
        nearby: Option<PathBuf>,
    },
    /// The file could not be read: missing, unreadable, not a regular
    /// file, too large, not UTF-8.
    #[error(transparent)]
    Read(#[from] TextFileError),
    /// The file is not valid TOML, or a key or value is wrong.
    #[error("{}: {message}", location.position())]
    Invalid {
        /// Where.
        location: Location,
        /// What was expected.
        message: String,
        /// What to do.
        hint: Option<String>,
    },
    /// `--script FILE` names a script without a `# /// script` block.
    #[error("`{}` has no `# /// script` block", display_path(path))]
    NoScriptBlock {
        /// The script.
        path: PathBuf,
        /// The 1-based line of a `# /// script` that is never closed.
        unclosed: Option<usize>,
    },
    /// Something is wrong that has no single place in the file.
    #[error("`{}`: {message}", display_path(path))]
    InvalidFile {
        /// The file.
        path: PathBuf,
        /// What was expected.
        message: String,
    },
    /// `PENV_INSTALLER` names no installer.
    #[error("`PENV_INSTALLER={value}` is not an installer")]
    BadInstallerVar {
        /// The value as set.
        value: String,
    },
}

impl ProjectError {
    /// Where in the file the problem is.
    pub(crate) fn location(&self) -> Option<&Location> {
        match self {
            Self::Read(e) => e.location(),
            Self::Invalid { location, .. } => Some(location),
            _ => None,
        }
    }

    /// What to do about it.
    pub(crate) fn hint(&self) -> Option<String> {
        match self {
            // Only a `penv.toml` that is not a file is passed over by the search.
            Self::NotFound {
                nearby: Some(path), ..
            } if path.file_name().is_some_and(|n| n == PENV_TOML) => Some(format!(
                "`{}` is not a file (a directory, or a symlink to nothing); make it the project file",
                display_path(path)
            )),
            Self::NotFound {
                nearby: Some(path), ..
            } if path
                .file_name()
                .is_some_and(|n| n.eq_ignore_ascii_case(PENV_TOML)) =>
            {
                Some(format!(
                    "found `{}`: the file must be named `penv.toml` (lowercase)",
                    display_path(path)
                ))
            }
            Self::NotFound { dir, .. } => Some(format!(
                "`penv init` writes a `penv.toml` from what is here; or {}",
                Found::in_dir(dir).hint()
            )),
            Self::NoSuchDirectory { .. } => {
                Some("give `-C` an existing directory: the project's, or one inside it".to_owned())
            }
            Self::Read(e) => Some(e.hint()),
            Self::Invalid { hint, .. } => hint.clone(),
            Self::InvalidFile { .. } => None,
            Self::BadInstallerVar { .. } => {
                Some("set `PENV_INSTALLER` to `pip` or `uv`, or unset it to use `[venv] installer`".to_owned())
            }
            Self::NoScriptBlock { unclosed: Some(line), .. } => Some(format!(
                "line {line} opens one, but no `# ///` line closes it after an unbroken run of `#` lines"
            )),
            Self::NoScriptBlock { .. } => Some(
                "add one at the top (PEP 723):\n\n    # /// script\n    # dependencies = [\"rich\"]\n    # ///\n\n  or run it without `--script`, in the project's env".to_owned(),
            ),
        }
    }
}

/// What is in a directory without a project file, for the hint: the files
/// a `penv.toml` would name or take its values from.
#[derive(Debug, Default, PartialEq, Eq)]
struct Found {
    /// `requirements*.txt` and `requirements/*.txt`, relative, sorted
    /// (`requirements.txt` first).
    requirement_files: Vec<String>,
    /// A `.python-version` is there (penv reads it when `python` is unset).
    python_version_file: bool,
    /// A `pyproject.toml` is there (it could hold `[tool.penv]`).
    pyproject: bool,
}

impl Found {
    fn in_dir(dir: &Path) -> Self {
        let names = |dir: &Path| -> Vec<String> {
            std::fs::read_dir(dir)
                .map(|entries| {
                    entries
                        .flatten()
                        .filter(|e| e.path().is_file())
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default()
        };
        let top = names(dir);
        let is_txt = |n: &str| Path::new(n).extension().is_some_and(|e| e == "txt");
        let is_reqs = |n: &str| n.starts_with("requirements") && is_txt(n);
        let mut requirement_files: Vec<String> =
            top.iter().filter(|n| is_reqs(n)).cloned().collect();
        requirement_files.extend(
            names(&dir.join("requirements"))
                .into_iter()
                .filter(|n| is_txt(n))
                .map(|n| format!("requirements/{n}")),
        );
        requirement_files.sort_by_key(|n| (n != "requirements.txt", n.clone()));
        Self {
            requirement_files,
            python_version_file: top.iter().any(|n| n == ".python-version"),
            pyproject: top.iter().any(|n| n == super::PYPROJECT_TOML),
        }
    }

    /// "create a `penv.toml` …" with the lines that fit what is there.
    fn hint(&self) -> String {
        let mut seen: Vec<String> = self
            .requirement_files
            .iter()
            .map(|f| format!("`{f}`"))
            .collect();
        if self.python_version_file {
            seen.push("`.python-version`".to_owned());
        }
        if self.pyproject {
            seen.push(format!("`{}`", super::PYPROJECT_TOML));
        }
        let mut out = if seen.is_empty() {
            "create a `penv.toml` in the project's root (or pass `-C DIR`), e.g.\n\n".to_owned()
        } else {
            let them = if seen.len() == 1 { "it" } else { "them" };
            format!(
                "found {}; create a `penv.toml` beside {them}, e.g.\n\n",
                seen.join(", ")
            )
        };
        if self.requirement_files.is_empty() {
            out.push_str(
                "    requirements = []   # the packages the env needs, e.g. \"rich>=13\"\n",
            );
        } else {
            let quoted: Vec<String> = self
                .requirement_files
                .iter()
                .map(|f| format!("{f:?}"))
                .collect();
            let _ = writeln!(out, "    requirement-files = [{}]", quoted.join(", "));
        }
        out.push('\n');
        out.push_str(if self.python_version_file {
            "  (the Python comes from `.python-version`)"
        } else {
            "  (without `python = \"…\"`, penv takes the newest Python it finds)"
        });
        if self.pyproject {
            let _ = write!(
                out,
                "\n  or add a `[tool.penv]` table to `{}`",
                super::PYPROJECT_TOML
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found_in(files: &[&str]) -> (tempfile::TempDir, Found) {
        let tmp = tempfile::tempdir().unwrap();
        for f in files {
            let path = tmp.path().join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        let found = Found::in_dir(tmp.path());
        (tmp, found)
    }

    #[test]
    fn the_hint_names_only_what_is_there() {
        let (_tmp, found) = found_in(&[]);
        let hint = found.hint();
        assert!(
            hint.starts_with("create a `penv.toml` in the project's root"),
            "{hint}"
        );
        assert!(
            !hint.contains("requirements.txt") && !hint.contains("3.12"),
            "{hint}"
        );
        assert!(!hint.contains("tool.penv"), "{hint}");

        let (_tmp, found) = found_in(&[".python-version", "pyproject.toml"]);
        let hint = found.hint();
        assert!(
            hint.starts_with("found `.python-version`, `pyproject.toml`;"),
            "{hint}"
        );
        assert!(hint.contains("comes from `.python-version`"), "{hint}");
        assert!(
            !hint.contains("requirements.txt") && !hint.contains("3.12"),
            "{hint}"
        );
        assert!(hint.contains("[tool.penv]"), "{hint}");

        let (_tmp, found) = found_in(&[
            "requirements-dev.txt",
            "requirements.txt",
            "requirements/docs.txt",
            "requirements.in",
        ]);
        assert_eq!(
            found.requirement_files,
            [
                "requirements.txt",
                "requirements-dev.txt",
                "requirements/docs.txt"
            ]
        );
        let hint = found.hint();
        assert!(
            hint.contains(r#"requirement-files = ["requirements.txt", "requirements-dev.txt", "requirements/docs.txt"]"#),
            "{hint}"
        );
        assert!(hint.contains("newest Python it finds"), "{hint}");
    }
}
