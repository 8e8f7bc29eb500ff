//! Whose directory is it? penv replaces or deletes only what it owns.
//!
//! An env path is acceptable when it does not exist, is an empty directory,
//! or holds penv's state file or build marker. `.`, `/`, the project root,
//! any parent of it, `$HOME`, a symlink, a venv penv did not make (unless
//! `--force`) and any other data are refused.

use std::path::{Path, PathBuf};

use crate::diagnostics::display_path;
use crate::state::STATE_FILE;

/// The marker written into an env while penv builds it; removed after the state.
pub const BUILD_MARKER: &str = "penv-building";

/// The files that identify an env, removed last when it is deleted.
pub const MARKERS: &[&str] = &["pyvenv.cfg", BUILD_MARKER, STATE_FILE];

/// Why penv will not use a path as its env.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The path is the project root, a parent of it, `/` or `$HOME`.
    #[error("refusing to use `{}` as the env: it is {what}", display_path(path))]
    Protected {
        /// The path.
        path: PathBuf,
        /// What it is ("the project root", …).
        what: &'static str,
    },
    /// The path is a symlink.
    #[error("refusing to use `{}` as the env: it is a symlink (to `{}`)", display_path(path), target.display())]
    Symlink {
        /// The path.
        path: PathBuf,
        /// Where it points.
        target: PathBuf,
    },
    /// A path penv cannot record (its state and intent files are JSON).
    #[error("refusing to build the env at `{}`: its path is not valid UTF-8", path.display())]
    NotUtf8 {
        /// The path.
        path: PathBuf,
    },
    /// A venv made by something else.
    #[error(
        "`{}` is a virtual environment that penv did not create",
        display_path(path)
    )]
    ForeignVenv {
        /// The path.
        path: PathBuf,
    },
    /// A file, or a directory with other data.
    #[error(
        "refusing to replace `{}`: it {what}, not an env penv created",
        display_path(path)
    )]
    OtherData {
        /// The path.
        path: PathBuf,
        /// What is there.
        what: String,
    },
}

impl Refusal {
    /// What to do.
    pub fn hint(&self) -> String {
        match self {
            Self::Protected { .. } => {
                "set `[venv] path` to a directory of its own, e.g. `.venv`".to_owned()
            }
            Self::NotUtf8 { .. } => {
                "move the project to a path that is valid UTF-8, or set `[venv] path` to one"
                    .to_owned()
            }
            Self::Symlink { .. } => {
                "point `[venv] path` at a real directory, or remove the symlink".to_owned()
            }
            Self::ForeignVenv { path } => format!(
                "run `penv sync --force` to replace it (its packages are lost), or remove `{}` yourself",
                display_path(path)
            ),
            Self::OtherData { path, .. } => format!(
                "move `{}` away, or set `[venv] path` to another directory",
                display_path(path)
            ),
        }
    }
}

/// What is at an env path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occupant {
    /// Nothing.
    Nothing,
    /// An empty directory.
    Empty,
    /// An env penv built or was building (state file or build marker).
    Penv,
    /// A venv someone else made (`pyvenv.cfg`, no penv state).
    ForeignVenv,
}

/// Checks that `env` may be used as the project's env, and says what is there.
pub fn check_env_path(
    env: &Path,
    project_root: &Path,
    home: Option<&Path>,
    force: bool,
) -> Result<Occupant, Refusal> {
    let protected = |what| Refusal::Protected {
        path: env.to_owned(),
        what,
    };
    if env.parent().is_none() {
        return Err(protected("the file-system root"));
    }
    if env == project_root {
        return Err(protected("the project root"));
    }
    if project_root.starts_with(env) {
        return Err(protected("a parent of the project root"));
    }
    if home.is_some_and(|h| h == env) {
        return Err(protected("your home directory"));
    }
    if env.to_str().is_none() {
        return Err(Refusal::NotUtf8 {
            path: env.to_owned(),
        });
    }
    let Ok(meta) = std::fs::symlink_metadata(env) else {
        return Ok(Occupant::Nothing);
    };
    if meta.file_type().is_symlink() {
        let target = std::fs::read_link(env).unwrap_or_default();
        return Err(Refusal::Symlink {
            path: env.to_owned(),
            target,
        });
    }
    if !meta.is_dir() {
        return Err(Refusal::OtherData {
            path: env.to_owned(),
            what: "is a file".to_owned(),
        });
    }
    if env.join(STATE_FILE).is_file() || env.join(BUILD_MARKER).is_file() {
        return Ok(Occupant::Penv);
    }
    let mut entries = std::fs::read_dir(env).map_err(|_| Refusal::OtherData {
        path: env.to_owned(),
        what: "cannot be listed".to_owned(),
    })?;
    if entries.next().is_none() {
        return Ok(Occupant::Empty);
    }
    if env.join("pyvenv.cfg").is_file() {
        // `--force` may replace a venv, never data that merely sits beside a
        // `pyvenv.cfg`: the directory must look like a venv and hold nothing else.
        if let Some(what) = not_a_venv(env) {
            return Err(Refusal::OtherData {
                path: env.to_owned(),
                what,
            });
        }
        return if force {
            Ok(Occupant::ForeignVenv)
        } else {
            Err(Refusal::ForeignVenv {
                path: env.to_owned(),
            })
        };
    }
    Err(Refusal::OtherData {
        path: env.to_owned(),
        what: "holds other data".to_owned(),
    })
}

/// What a venv made by CPython's `venv`, virtualenv, uv or pip (data files in
/// `share/`, `etc/`, `man/`) has at its top. Not `src/`: pip puts editable
/// checkouts there, which may hold the user's uncommitted work.
const VENV_ENTRIES: &[&str] = &[
    "bin",
    "Scripts",
    "include",
    "Include",
    "lib",
    "Lib",
    "lib64",
    "pyvenv.cfg",
    "share",
    "etc",
    "man",
    ".gitignore",
    "CACHEDIR.TAG",
    ".lock",
    "pip-selfcheck.json",
    ".Python",
];

/// Why `dir`, which holds a `pyvenv.cfg`, is not only a venv: no
/// `bin/python*`, or other entries at its top (a few named).
fn not_a_venv(dir: &Path) -> Option<String> {
    let has_python = ["bin", "Scripts"].iter().any(|b| {
        std::fs::read_dir(dir.join(b)).is_ok_and(|mut entries| {
            entries.any(|e| e.is_ok_and(|e| e.file_name().to_string_lossy().starts_with("python")))
        })
    });
    if !has_python {
        return Some("holds a `pyvenv.cfg` but no `bin/python`".to_owned());
    }
    let mut other: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !VENV_ENTRIES.contains(&n.as_str()))
        .map(|n| format!("`{n}`"))
        .collect();
    other.sort();
    let more = other.len().saturating_sub(5);
    other.truncate(5);
    if more > 0 {
        other.push(format!("{more} more"));
    }
    (!other.is_empty()).then(|| format!("is a venv that also holds {}", other.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_it_does_not_own() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("proj");
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::write(root.join("src/main.py"), "").unwrap();
        let check = |p: &Path, force| check_env_path(p, &root, Some(tmp.path()), force);
        assert!(matches!(
            check(&root, false),
            Err(Refusal::Protected { .. })
        ));
        assert!(matches!(
            check(tmp.path(), false),
            Err(Refusal::Protected { .. })
        ));
        assert!(matches!(
            check(Path::new("/"), false),
            Err(Refusal::Protected { .. })
        ));
        assert!(matches!(
            check(&root.join("src"), false),
            Err(Refusal::OtherData { .. })
        ));
        assert!(matches!(
            check(&root.join("src/main.py"), false),
            Err(Refusal::OtherData { .. })
        ));
        assert_eq!(check(&root.join(".venv"), false), Ok(Occupant::Nothing));

        let foreign = root.join("foreign");
        std::fs::create_dir(&foreign).unwrap();
        assert_eq!(check(&foreign, false), Ok(Occupant::Empty));
        std::fs::write(foreign.join("pyvenv.cfg"), "home = /usr/bin\n").unwrap();
        // A pyvenv.cfg alone does not make a venv: not even --force replaces it.
        assert!(matches!(
            check(&foreign, true),
            Err(Refusal::OtherData { .. })
        ));
        std::fs::create_dir_all(foreign.join("bin")).unwrap();
        std::os::unix::fs::symlink("/usr/bin/python3", foreign.join("bin/python")).unwrap();
        assert!(matches!(
            check(&foreign, false),
            Err(Refusal::ForeignVenv { .. })
        ));
        // A venv holding the user's files is other data too.
        std::fs::write(foreign.join("notes.txt"), "precious").unwrap();
        let refused = check(&foreign, true);
        assert!(
            matches!(&refused, Err(Refusal::OtherData { what, .. }) if what.contains("`notes.txt`")),
            "{refused:?}"
        );
        std::fs::remove_file(foreign.join("notes.txt")).unwrap();
        assert_eq!(check(&foreign, true), Ok(Occupant::ForeignVenv));
        std::fs::write(foreign.join(STATE_FILE), "{}").unwrap();
        assert_eq!(check(&foreign, false), Ok(Occupant::Penv));

        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&foreign, root.join("link")).unwrap();
            assert!(matches!(
                check(&root.join("link"), false),
                Err(Refusal::Symlink { .. })
            ));
        }
    }
}
