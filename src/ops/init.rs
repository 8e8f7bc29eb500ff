//! `penv init`: a project file from what the directory holds —
//! `.python-version`, `requirements*.txt` and `requirements/*.txt`,
//! `pyproject.toml` — or a commented template when it holds none; and
//! the env kept out of git.
//!
//! Invariant: nothing is overwritten. `penv.toml` is created only if
//! nothing is at its path (atomically: a temporary file linked into
//! place); a `pyproject.toml` is appended to only when it has no
//! `[tool.penv]`, and every byte it had stays; `.gitignore` only gains a line.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::Error;
use crate::project::{PENV_TOML, PYPROJECT_TOML, Project};
use crate::python::request::Request;
use crate::{fs, text_file};

mod found;

use found::Found;

/// What `penv init` did, for the command to print.
#[derive(Debug)]
pub(crate) struct Outcome {
    /// What was found, one line each.
    pub(crate) found: Vec<String>,
    /// The file written and the text it got (or, for a `pyproject.toml`,
    /// the text appended); `None` when nothing was needed.
    pub(crate) wrote: Option<(PathBuf, String)>,
    /// What else to know, one line each.
    pub(crate) notes: Vec<String>,
    /// `.gitignore`: what was done about the env.
    pub(crate) git: Git,
}

/// The env and git.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Git {
    /// Not in a git work tree, or no git.
    NotARepo,
    /// git ignores `.venv` already.
    AlreadyIgnored,
    /// `/.venv/` was added to this `.gitignore`.
    Added(PathBuf),
}

/// The env's path, as `penv init` leaves it (the default of `[venv] path`).
const ENV: &str = ".venv";

/// Initialises the project in `dir`.
pub(crate) fn init(dir: &Path) -> Result<Outcome, Error> {
    let penv = dir.join(PENV_TOML);
    if fs::lstat(&penv)?.is_some() {
        return Err(Error::InitExists {
            file: penv,
            tool_penv: false,
        });
    }
    let found = Found::scan(dir)?;
    let mut notes = Vec::new();
    let wrote = match &found.pyproject {
        Some(py) if py.tool_penv => {
            return Err(Error::InitExists {
                file: dir.join(PYPROJECT_TOML),
                tool_penv: true,
            });
        }
        Some(py) if py.is_project => append_tool_penv(
            dir,
            found.files.main.as_deref(),
            &found.files.groups,
            &mut notes,
        )?,
        _ => Some(write_penv_toml(&penv, &found, &mut notes)?),
    };
    if wrote.is_none() && found.files.groups.is_empty() && found.files.main.is_none() {
        notes.push(format!(
            "`{PYPROJECT_TOML}` is enough as it is: penv loads its `[project]` and `[dependency-groups]`; nothing was written"
        ));
    }
    let git = ignore_env(dir)?;
    Ok(Outcome {
        found: found.describe(),
        wrote,
        notes,
        git,
    })
}

/// Creates `penv.toml`.
fn write_penv_toml(
    path: &Path,
    found: &Found,
    notes: &mut Vec<String>,
) -> Result<(PathBuf, String), Error> {
    let text = match penv_toml(found, notes, false) {
        // Groups of requirement files are written only if this penv loads
        // them; else as comments, for when it does.
        Some(text)
            if !found.files.groups.is_empty() && Project::from_text(path, &text).is_err() =>
        {
            notes.push(
                "the groups are written as comments: this penv cannot load groups of requirement files (`{ requirement-files = […] }`)".to_owned(),
            );
            penv_toml(found, &mut Vec::new(), true).unwrap_or_default()
        }
        Some(text) => text,
        None => TEMPLATE.to_owned(),
    };
    fs::create_atomic(path, text.as_bytes()).map_err(|e| {
        if e.source.kind() == std::io::ErrorKind::AlreadyExists {
            Error::InitExists {
                file: path.to_owned(),
                tool_penv: false,
            }
        } else {
            e.into()
        }
    })?;
    Ok((path.to_owned(), text))
}

/// The `penv.toml` for what was found, `None` when nothing was.
fn penv_toml(found: &Found, notes: &mut Vec<String>, groups_commented: bool) -> Option<String> {
    let python = found.python_version.as_ref().and_then(|(line, raw)| {
        if raw == "system" || Request::parse(raw).is_err() {
            notes.push(format!(
                "`.python-version` says `{raw}` (line {line}), which is not written as `python`: penv reads `.python-version` itself"
            ));
            None
        } else {
            Some(raw.clone())
        }
    });
    if python.is_none() && found.files.main.is_none() && found.files.groups.is_empty() {
        return None;
    }
    let mut out = String::from(
        "# Written by `penv init` from the files beside it; every key is in penv's docs/project-file.md.\n",
    );
    if let Some(python) = python {
        let _ = writeln!(out, "python = {}  # from `.python-version`", quote(&python));
    }
    match &found.files.main {
        Some(main) => {
            let _ = writeln!(out, "requirement-files = [{}]", quote(main));
        }
        None => out.push_str("requirements = []\n"),
    }
    // A `dev` group is installed by a plain sync, as uv does (and penv for
    // a `pyproject.toml`'s `[dependency-groups] dev`).
    if !groups_commented && found.files.groups.contains_key("dev") {
        out.push_str(
            "default-groups = [\"dev\"]  # `penv sync --no-default-groups` leaves it out\n",
        );
    }
    if !found.files.groups.is_empty() {
        let groups = format!("[groups]\n{}", group_lines(&found.files.groups));
        out.push('\n');
        if groups_commented {
            out.extend(groups.lines().map(|l| format!("# {l}\n")));
        } else {
            out.push_str(&groups);
        }
    }
    Some(out)
}

/// `name = { requirement-files = ["…"] }`, one line per group.
fn group_lines(groups: &BTreeMap<String, Vec<String>>) -> String {
    let mut out = String::new();
    for (name, files) in groups {
        let files: Vec<String> = files.iter().map(|f| quote(f)).collect();
        let _ = writeln!(
            out,
            "{name} = {{ requirement-files = [{}] }}",
            files.join(", ")
        );
    }
    out
}

/// Appends `[tool.penv]` to `pyproject.toml` when there are requirement
/// files beside it: the main one installed with the project's
/// requirements, the others as groups; `None` when there are none.
fn append_tool_penv(
    dir: &Path,
    main: Option<&str>,
    groups: &BTreeMap<String, Vec<String>>,
    notes: &mut Vec<String>,
) -> Result<Option<(PathBuf, String)>, Error> {
    if groups.is_empty() && main.is_none() {
        return Ok(None);
    }
    let path = dir.join(PYPROJECT_TOML);
    let mut text = text_file::read(&path, text_file::PROJECT_FILE)
        .map_err(crate::project::ProjectError::from)?;
    let mut added =
        "\n# Written by `penv init`: the requirement files beside this one.\n".to_owned();
    if let Some(main) = main {
        let _ = writeln!(added, "[tool.penv]\nrequirement-files = [{}]", quote(main));
    }
    if !groups.is_empty() {
        let _ = write!(added, "[tool.penv.groups]\n{}", group_lines(groups));
    }
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&added);
    if let Err(e) = Project::from_text(&path, &text) {
        notes.push(format!(
            "the requirement files were not written in `[tool.penv]`: this penv cannot load them there ({e})"
        ));
        return Ok(None);
    }
    fs::rewrite_atomic(&path, text.as_bytes())?;
    Ok(Some((path, added.trim_start().to_owned())))
}

/// Adds `/.venv/` to `dir/.gitignore` when `dir` is in a git work tree
/// that does not ignore the env yet.
fn ignore_env(dir: &Path) -> Result<Git, Error> {
    let env = dir.join(ENV);
    match super::doctor::git_ignores(dir, &env) {
        None => Ok(Git::NotARepo),
        Some(true) => Ok(Git::AlreadyIgnored),
        Some(false) => {
            let path = dir.join(".gitignore");
            let line = format!("/{ENV}/\n");
            match text_file::read_optional(&path, GITIGNORE)
                .map_err(crate::project::ProjectError::from)?
            {
                None => fs::create_atomic(&path, line.as_bytes())?,
                Some(mut text) => {
                    if !text.is_empty() && !text.ends_with('\n') {
                        text.push('\n');
                    }
                    text.push_str(&line);
                    fs::rewrite_atomic(&path, text.as_bytes())?;
                }
            }
            Ok(Git::Added(path))
        }
    }
}

/// A `.gitignore`.
const GITIGNORE: text_file::Kind = text_file::Kind {
    what: "a `.gitignore`",
    cap: 4 * 1024 * 1024,
};

/// A TOML basic string.
fn quote(text: &str) -> String {
    toml_edit::Value::from(text).to_string()
}

/// What `penv init` writes where it finds nothing to go by.
const TEMPLATE: &str = r#"# penv.toml: what this project's Python environment is. `penv sync` builds
# `.venv` from it, `penv run CMD` runs in it, `penv add PKG` adds to it.
# Every key is in penv's docs/project-file.md.

# The Python to build the env with: "3.12", ">=3.10,<3.14", "pypy3.10", a path.
# Without it: `.python-version`, then `requires-python`, then the newest found.
# python = "3.12"

# PEP 508 requirements (`penv add requests` writes them here).
requirements = []

# pip requirement files, relative to this file.
# requirement-files = ["requirements.txt"]

# Groups, installed with `penv sync --group NAME` (or `default-groups`).
# [groups]
# dev = ["pytest>=8"]
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn penv_toml_names_the_main_file_groups_and_python() {
        let mut found = Found {
            python_version: Some((1, "3.12".to_owned())),
            ..Found::default()
        };
        found.files.main = Some("requirements.txt".to_owned());
        found
            .files
            .groups
            .insert("dev".to_owned(), vec!["requirements-dev.txt".to_owned()]);
        let mut notes = Vec::new();
        let text = penv_toml(&found, &mut notes, false).unwrap();
        assert_eq!(
            text,
            "# Written by `penv init` from the files beside it; every key is in penv's docs/project-file.md.\n\
             python = \"3.12\"  # from `.python-version`\n\
             requirement-files = [\"requirements.txt\"]\n\
             default-groups = [\"dev\"]  # `penv sync --no-default-groups` leaves it out\n\
             \n\
             [groups]\n\
             dev = { requirement-files = [\"requirements-dev.txt\"] }\n"
        );
        assert!(notes.is_empty());
        let commented = penv_toml(&found, &mut notes, true).unwrap();
        assert!(
            commented.ends_with(
                "\n# [groups]\n# dev = { requirement-files = [\"requirements-dev.txt\"] }\n"
            ),
            "{commented}"
        );
        assert!(text.parse::<toml_edit::DocumentMut>().is_ok());
        // `system` and names pyenv alone knows are left to `.python-version`.
        let found = Found {
            python_version: Some((2, "my-venv".to_owned())),
            ..Found::default()
        };
        assert_eq!(penv_toml(&found, &mut notes, false), None);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(TEMPLATE.parse::<toml_edit::DocumentMut>().is_ok());
        assert!(crate::project::Project::from_text(Path::new("penv.toml"), TEMPLATE).is_ok());
    }
}
