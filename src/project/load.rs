//! Reading and validating a project file, with errors that point into it.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{Config, FileKind, PENV_TOML, PYPROJECT_TOML, Project, RequiresPython};
use crate::diagnostics::{Location, did_you_mean, display_path, excerpt};
use crate::python::request::Request;
use crate::text_file::{self, TextFileError};

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
    #[error("no `penv.toml` found in `{}`{}", display_path(dir), if *explicit { "" } else { " or any parent directory" })]
    NotFound {
        /// Where the search started.
        dir: PathBuf,
        /// Whether only `dir` was searched (`-C`).
        explicit: bool,
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
    /// Something is wrong that has no single place in the file.
    #[error("`{}`: {message}", display_path(path))]
    InvalidFile {
        /// The file.
        path: PathBuf,
        /// What was expected.
        message: String,
    },
}

impl ProjectError {
    /// Where in the file the problem is.
    pub fn location(&self) -> Option<&Location> {
        match self {
            Self::Read(e) => e.location(),
            Self::Invalid { location, .. } => Some(location),
            _ => None,
        }
    }

    /// What to do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            // Only a `penv.toml` that is not a file is passed over by the search.
            Self::NotFound { nearby: Some(path), .. }
                if path.file_name().is_some_and(|n| n == PENV_TOML) =>
            {
                Some(format!(
                    "`{}` is not a file (a directory, or a symlink to nothing); make it the project file",
                    display_path(path)
                ))
            }
            Self::NotFound { nearby: Some(path), .. }
                if path.file_name().is_some_and(|n| n.eq_ignore_ascii_case(PENV_TOML)) =>
            {
                Some(format!("found `{}`: the file must be named `penv.toml` (lowercase)", display_path(path)))
            }
            Self::NotFound { nearby: Some(path), .. } => Some(format!(
                "found `{}`; create a `penv.toml` beside it, e.g.\n\n    python = \"3.12\"\n    requirement-files = [\"requirements.txt\"]\n\n  or add a `[tool.penv]` table to `pyproject.toml`",
                display_path(path)
            )),
            Self::NotFound { .. } => Some(
                "create a `penv.toml` in the project's root (e.g. `python = \"3.12\"`), or pass `-C DIR`".to_owned(),
            ),
            Self::NoSuchDirectory { .. } => Some(
                "give `-C` an existing directory: the project's, or one inside it".to_owned(),
            ),
            Self::Read(e) => Some(e.hint()),
            Self::Invalid { hint, .. } => hint.clone(),
            Self::InvalidFile { .. } => None,
        }
    }
}

pub(super) fn not_found(dir: &Path, explicit: bool) -> ProjectError {
    let mut nearby = None;
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_lowercase();
            if name == PENV_TOML {
                nearby = Some(entry.path());
                break;
            }
            if name == "requirements.txt" || name == PYPROJECT_TOML || name == ".python-version" {
                nearby.get_or_insert(entry.path());
            }
        }
    }
    ProjectError::NotFound {
        dir: dir.to_owned(),
        explicit,
        nearby,
    }
}

/// Loads a `penv.toml`, or the `[tool.penv]` table of a `pyproject.toml` that must have one.
/// A `penv.toml` also takes `requires-python` from the `pyproject.toml`
/// beside it, as uv does: the project's own word on which Pythons it runs on.
pub(super) fn load(path: &Path, kind: FileKind) -> Result<Project, ProjectError> {
    let source = read_text(path)?;
    let mut project = from_source(path, source, kind)?;
    let sibling = project.root.join(PYPROJECT_TOML);
    if kind == FileKind::PenvToml && super::is_to_be_read(&sibling) {
        let source = read_text(&sibling)?;
        let doc = parse_toml(&sibling, &source)?;
        let meta: PyprojectMeta = deserialize(&sibling, &source, &doc)?;
        project.requires_python = requires_python(&sibling, &source, &doc, meta.project);
    }
    Ok(project)
}

/// `requires-python` with its location, when `project` has one.
fn requires_python(
    path: &Path,
    source: &str,
    doc: &toml_edit::Document<String>,
    project: Option<PyprojectProject>,
) -> Option<RequiresPython> {
    let value = project?.requires_python?;
    let span = doc
        .get("project")
        .and_then(|p| p.get("requires-python"))
        .and_then(toml_edit::Item::span);
    Some(RequiresPython {
        value,
        file: path.to_owned(),
        location: span.map(|s| Location::from_span(path, source, s)),
    })
}

/// Parses and validates project-file text read from `path`.
pub(super) fn from_source(
    path: &Path,
    source: String,
    kind: FileKind,
) -> Result<Project, ProjectError> {
    let doc = parse_toml(path, &source)?;
    let (config, requires_python, prefix) = match kind {
        FileKind::PenvToml => (deserialize::<Config>(path, &source, &doc)?, None, &[][..]),
        FileKind::Pyproject => {
            let py: Pyproject = deserialize(path, &source, &doc)?;
            let config = py
                .tool
                .and_then(|t| t.penv)
                .ok_or_else(|| ProjectError::InvalidFile {
                    path: path.to_owned(),
                    message: "there is no `[tool.penv]` table".to_owned(),
                })?;
            (
                config,
                requires_python(path, &source, &doc, py.project),
                &["tool", "penv"][..],
            )
        }
    };
    let root = path
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_owned);
    let project = Project {
        root,
        file: path.to_owned(),
        kind,
        config,
        requires_python,
        source,
        doc,
        prefix,
    };
    validate(&project)?;
    Ok(project)
}

/// Loads a `pyproject.toml` as a project only if it has a `[tool.penv]` table.
pub(super) fn load_pyproject_if_penv(path: &Path) -> Result<Option<Project>, ProjectError> {
    let doc = parse_toml(path, &read_text(path)?)?;
    let has_penv = doc
        .get("tool")
        .and_then(|t| t.as_table_like())
        .is_some_and(|t| t.contains_key("penv"));
    if has_penv {
        load(path, FileKind::Pyproject).map(Some)
    } else {
        Ok(None)
    }
}

fn read_text(path: &Path) -> Result<String, ProjectError> {
    Ok(text_file::read(path, text_file::PROJECT_FILE)?)
}

fn parse_toml(path: &Path, source: &str) -> Result<toml_edit::Document<String>, ProjectError> {
    toml_edit::Document::parse(source.to_owned()).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        let message = e.message().trim_end();
        let hint = if message.contains("duplicate key") {
            "a key or table may appear only once in a file; merge the two"
        } else if message.contains("recurse") {
            "arrays and tables are nested far too deep; a project file needs two levels"
        } else {
            "see https://toml.io for the syntax; strings need quotes: `python = \"3.12\"`"
        };
        ProjectError::Invalid {
            location: Location::from_span(path, source, span),
            message: format!("invalid TOML: {message}"),
            hint: Some(hint.to_owned()),
        }
    })
}

fn deserialize<T: for<'de> Deserialize<'de>>(
    path: &Path,
    source: &str,
    doc: &toml_edit::Document<String>,
) -> Result<T, ProjectError> {
    toml_edit::de::from_document(doc.clone()).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        let (message, hint) = explain_serde_message(e.message());
        ProjectError::Invalid {
            location: Location::from_span(path, source, span),
            message,
            hint,
        }
    })
}

/// Turns serde's wording into penv's: "unknown key" with a suggestion, and
/// TOML's names for types.
fn explain_serde_message(raw: &str) -> (String, Option<String>) {
    let raw = raw.trim_end();
    if let Some(rest) = raw.strip_prefix("unknown field `")
        && let Some((key, expected)) = rest.split_once('`')
    {
        let expected: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        let hint = match did_you_mean(key, expected.iter().copied()) {
            Some(best) => format!("did you mean `{best}`?"),
            None => format!(
                "the keys here are {}",
                expected
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        return (format!("unknown key `{key}`"), Some(hint));
    }
    let message = raw
        .replace("a sequence", "an array")
        .replace("sequence", "array")
        .replace("a boolean", "a boolean (`true` or `false`)")
        .replace("struct Config", "a table")
        .replace("struct VenvConfig", "a table")
        .replace("struct PipConfig", "a table")
        .replace("a map", "a table")
        .replace("expected usize", "expected a whole number (0 or more)");
    let hint = if message.contains("expected an array") {
        Some("write a list of strings: `[\"a\", \"b\"]`")
    } else if message.contains("expected a string") {
        Some("write a string, in double quotes: `\"3.12\"`")
    } else if message.contains("expected a boolean") {
        Some("write `true` or `false`, without quotes")
    } else if message.contains("expected a table") {
        Some("write a table: a `[name]` header with `key = value` lines under it")
    } else if message.contains("expected a whole number") {
        Some("write a number without quotes or a decimal point, e.g. `3`")
    } else {
        None
    };
    (message, hint.map(str::to_owned))
}

#[derive(Deserialize)]
#[serde(expecting = "a TOML document")]
struct Pyproject {
    #[serde(default)]
    project: Option<PyprojectProject>,
    #[serde(default)]
    tool: Option<PyprojectTool>,
}

/// What penv reads of a `pyproject.toml` beside a `penv.toml`.
#[derive(Deserialize)]
#[serde(expecting = "a TOML document")]
struct PyprojectMeta {
    #[serde(default)]
    project: Option<PyprojectProject>,
}

#[derive(Deserialize)]
#[serde(expecting = "a table (`[project]`)")]
struct PyprojectProject {
    #[serde(default, rename = "requires-python")]
    requires_python: Option<String>,
}

#[derive(Deserialize)]
#[serde(expecting = "a table (`[tool]`)")]
struct PyprojectTool {
    #[serde(default)]
    penv: Option<Config>,
}

/// A pip option refused in `[pip] args`: it makes pip install, or write
/// files, outside the env, whatever the value.
struct ForbiddenPipOption {
    /// Its long name; pip also accepts any abbreviation of it.
    name: &'static str,
    /// What it would make pip do, after "would make pip".
    effect: &'static str,
}

const INSTALL_OUTSIDE: &str = "install outside the env";
const LOG_OUTSIDE: &str = "append its log to a file outside the env";
const SRC_OUTSIDE: &str = "check out editable projects outside the env";

/// pip's options (`pip install` and the general ones, pip 22 to 25) that
/// install or write outside the env. `--cache-dir` is not among them: pip
/// keeps only its own cache there. Options pip has dropped are not either:
/// their abbreviations now stand for other options.
const FORBIDDEN_PIP_OPTIONS: &[ForbiddenPipOption] = &[
    ForbiddenPipOption {
        name: "--target",
        effect: INSTALL_OUTSIDE,
    },
    ForbiddenPipOption {
        name: "--prefix",
        effect: INSTALL_OUTSIDE,
    },
    ForbiddenPipOption {
        name: "--root",
        effect: INSTALL_OUTSIDE,
    },
    ForbiddenPipOption {
        name: "--user",
        effect: INSTALL_OUTSIDE,
    },
    ForbiddenPipOption {
        name: "--python",
        effect: INSTALL_OUTSIDE,
    },
    // Until pip 23.1: options for `setup.py install` (`--prefix`, `--root`,
    // `--install-lib`…). The pips bundled with Python 3.7 to 3.10 have it.
    ForbiddenPipOption {
        name: "--install-option",
        effect: INSTALL_OUTSIDE,
    },
    ForbiddenPipOption {
        name: "--report",
        effect: "write its installation report to a file outside the env",
    },
    ForbiddenPipOption {
        name: "--log",
        effect: LOG_OUTSIDE,
    },
    ForbiddenPipOption {
        name: "--log-file",
        effect: LOG_OUTSIDE,
    },
    ForbiddenPipOption {
        name: "--local-log",
        effect: LOG_OUTSIDE,
    },
    ForbiddenPipOption {
        name: "--src",
        effect: SRC_OUTSIDE,
    },
    ForbiddenPipOption {
        name: "--source",
        effect: SRC_OUTSIDE,
    },
    ForbiddenPipOption {
        name: "--source-dir",
        effect: SRC_OUTSIDE,
    },
    ForbiddenPipOption {
        name: "--source-directory",
        effect: SRC_OUTSIDE,
    },
];

/// pip's `install` short options that take a value: in a cluster such as
/// `-Ur`, what follows one of these is its value, not more options.
const PIP_SHORT_WITH_VALUE: &str = "rceifC";

/// The forbidden option `arg` spells, if any, and what it would do, in each
/// form pip's option parser (optparse) accepts: `--target=DIR`, an
/// abbreviation (`--tar`, `--rep`), `-tDIR`, and `-t` inside a cluster of
/// short options (`-Ut`). An abbreviation pip would find ambiguous is
/// refused too: which options are there to make it ambiguous depends on the
/// pip version, and pip refuses it anyway.
fn forbidden_pip_flag(arg: &str) -> Option<(&'static str, &'static str)> {
    if let Some(long) = arg.strip_prefix("--") {
        let name = long.split('=').next().unwrap_or(long);
        // `--pre` is an option of its own (pre-releases), not `--prefix` cut
        // short; an exact name is never an abbreviation (`--log` is `--log`,
        // not `--log-file`).
        if name.is_empty() || name == "pre" {
            return None;
        }
        let matching = || {
            FORBIDDEN_PIP_OPTIONS
                .iter()
                .filter(move |f| f.name[2..].starts_with(name))
        };
        let option = matching()
            .find(|f| f.name[2..] == *name)
            .or_else(|| matching().next())?;
        return Some((option.name, option.effect));
    }
    let cluster = arg.strip_prefix('-')?;
    for c in cluster.chars() {
        if c == 't' {
            return Some(("-t", INSTALL_OUTSIDE));
        }
        if PIP_SHORT_WITH_VALUE.contains(c) {
            break;
        }
    }
    None
}

/// Checks what serde cannot: requirement syntax, group names, paths.
fn validate(project: &Project) -> Result<(), ProjectError> {
    let config = &project.config;
    let invalid = |keys: &[&str], message: String, hint: Option<String>| match project.locate(keys)
    {
        Some(location) => ProjectError::Invalid {
            location,
            message,
            hint,
        },
        None => ProjectError::InvalidFile {
            path: project.file.clone(),
            message,
        },
    };
    if let Some(python) = &config.python
        && let Err(e) = Request::parse(python)
    {
        return Err(invalid(
            &["python"],
            e.to_string(),
            Some(Request::HINT.to_owned()),
        ));
    }
    if config.venv.path.starts_with('~') {
        return Err(invalid(
            &["venv", "path"],
            format!(
                "`{}`: `~` is not expanded in `[venv] path` (it would make a directory named `~`)",
                config.venv.path
            ),
            Some("write the path in full, e.g. `/home/me/.venvs/app`, or relative to the project file".to_owned()),
        ));
    }
    check_requirements(&config.requirements, &["requirements"], &invalid)?;
    for (group, reqs) in &config.groups {
        if !is_valid_group_name(group) {
            return Err(invalid(
                &["groups", group],
                format!("invalid group name `{group}`"),
                Some("group names are letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit".to_owned()),
            ));
        }
        check_requirements(reqs, &["groups", group], &invalid)?;
    }
    for (i, group) in config.default_groups.iter().flatten().enumerate() {
        if !config.groups.contains_key(group) {
            let hint = match did_you_mean(group, config.groups.keys().map(String::as_str)) {
                Some(best) => format!("did you mean `{best}`?"),
                None if config.groups.is_empty() => "define it in a `[groups]` table".to_owned(),
                None => format!(
                    "the groups are {}",
                    config
                        .groups
                        .keys()
                        .map(|g| format!("`{g}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            return Err(invalid(
                &["default-groups", &i.to_string()],
                format!("`default-groups` names `{group}`, which is not in `[groups]`"),
                Some(hint),
            ));
        }
    }
    for (i, file) in config.requirement_files.iter().enumerate() {
        if file.trim().is_empty() {
            return Err(invalid(
                &["requirement-files", &i.to_string()],
                "empty file name".to_owned(),
                Some(
                    "remove the empty entry, or name a file (relative to the project file)"
                        .to_owned(),
                ),
            ));
        }
    }
    if config.venv.path.trim().is_empty() {
        return Err(invalid(
            &["venv", "path"],
            "`path` is empty".to_owned(),
            Some("leave it out for the default `.venv`".to_owned()),
        ));
    }
    for (i, arg) in config.pip.args.iter().enumerate() {
        if let Some((flag, effect)) = forbidden_pip_flag(arg) {
            return Err(invalid(
                &["pip", "args", &i.to_string()],
                if arg.split('=').next() == Some(flag) {
                    format!("`{flag}` would make pip {effect}")
                } else {
                    format!("`{arg}` is pip's `{flag}`, which would make pip {effect}")
                },
                Some(
                    "penv runs pip to install into the project's env and write nothing elsewhere; remove it"
                        .to_owned(),
                ),
            ));
        }
    }
    for (i, link) in config.pip.find_links.iter().enumerate() {
        if link.trim().is_empty() {
            return Err(invalid(
                &["pip", "find-links", &i.to_string()],
                "empty path".to_owned(),
                Some("remove the empty entry, or name a directory (relative to the project file) or a URL".to_owned()),
            ));
        }
    }
    Ok(())
}

fn check_requirements(
    reqs: &[String],
    keys: &[&str],
    invalid: &impl Fn(&[&str], String, Option<String>) -> ProjectError,
) -> Result<(), ProjectError> {
    for (i, req) in reqs.iter().enumerate() {
        if let Err(message) = crate::spec::normalize_requirement(req) {
            let mut path: Vec<&str> = keys.to_vec();
            let index = i.to_string();
            path.push(&index);
            let hint = if req.trim_start().starts_with('-') {
                "pip options belong in a requirements file (`requirement-files`) or in `[pip] args`"
            } else {
                "write a PEP 508 requirement, e.g. `requests>=2.32` or `rich[jupyter]==13.*`"
            };
            return Err(invalid(
                &path,
                format!("invalid requirement `{}`: {message}", excerpt(req)),
                Some(hint.to_owned()),
            ));
        }
    }
    Ok(())
}

fn is_valid_group_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_pip_flags_in_every_spelling() {
        for (arg, flag) in [
            ("--target", "--target"),
            ("--target=/x", "--target"),
            ("--tar=/x", "--target"),
            ("-t", "-t"),
            ("-t/x", "-t"),
            ("-Ut", "-t"),
            ("-qqt/x", "-t"),
            ("--user", "--user"),
            ("--pref=/usr", "--prefix"),
            ("--root", "--root"),
            ("--python=/usr/bin/python3", "--python"),
            ("--install-option=--prefix=/x", "--install-option"),
            ("--install-opt", "--install-option"),
            ("--report", "--report"),
            ("--report=/tmp/r.json", "--report"),
            ("--rep", "--report"),
            ("--log", "--log"),
            ("--log=/home/me/.bashrc", "--log"),
            ("--log-file", "--log-file"),
            ("--log-f=/x", "--log-file"),
            ("--local-log=/x", "--local-log"),
            ("--loc", "--local-log"),
            ("--src", "--src"),
            ("--src=/x", "--src"),
            ("--source", "--source"),
            ("--source-dir=/x", "--source-dir"),
            ("--source-directory", "--source-directory"),
            ("--sou", "--source"),
            // Ambiguous to pip (which refuses them too), refused here.
            ("--lo", "--log"),
            ("--re", "--report"),
        ] {
            assert_eq!(forbidden_pip_flag(arg).map(|(f, _)| f), Some(flag), "{arg}");
        }
        for arg in [
            "--pre",
            "--upgrade",
            "-U",
            "--no-deps",
            "-r",
            "-rtarget.txt",
            "-ctests.txt",
            "--root-user-action=ignore",
            "--python-version=3.12",
            "--requirement=r.txt",
            "--require-hashes",
            "--cache-dir=/tmp/pip-cache",
            "--no-cache-dir",
            "--exists-action=w",
            "--",
            "/tmp/x",
        ] {
            assert_eq!(forbidden_pip_flag(arg), None, "{arg}");
        }
    }

    #[test]
    fn each_refusal_says_what_pip_would_write_outside_the_env() {
        let effect = |arg| forbidden_pip_flag(arg).unwrap().1;
        assert_eq!(effect("--prefix=/x"), "install outside the env");
        assert_eq!(
            effect("--report=r.json"),
            "write its installation report to a file outside the env"
        );
        assert_eq!(
            effect("--log-file=/x"),
            "append its log to a file outside the env"
        );
        assert_eq!(
            effect("--src=/x"),
            "check out editable projects outside the env"
        );
    }
}
