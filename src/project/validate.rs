//! What serde cannot check in a project file: the `python` request,
//! requirement syntax, group names, `default-groups`, empty paths, `~` in
//! `[venv] path`, and pip options that would write outside the env.
//!
//! Invariant: every refusal points at the key or array element it is about
//! (or names the file when the key cannot be found) and says what to write.

use super::pip_options::forbidden_pip_flag;
use super::{Project, ProjectError};
use crate::diagnostics::{did_you_mean, excerpt};
use crate::python::request::Request;
use crate::requirement::normalize_requirement;

/// Checks what serde cannot: requirement syntax, group names, paths.
pub(super) fn validate(project: &Project) -> Result<(), ProjectError> {
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
    for (group, def) in &config.groups {
        if !is_valid_group_name(group) {
            return Err(invalid(
                &["groups", group],
                format!("invalid group name `{group}`"),
                Some("group names are letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit".to_owned()),
            ));
        }
        let reqs_key: &[&str] = match def {
            crate::project::GroupConfig::Requirements(_) => &["groups", group],
            crate::project::GroupConfig::Table(_) => &["groups", group, "requirements"],
        };
        check_requirements(def.requirements(), reqs_key, &invalid)?;
        for (i, file) in def.requirement_files().iter().enumerate() {
            if file.trim().is_empty() {
                return Err(invalid(
                    &["groups", group, "requirement-files", &i.to_string()],
                    "empty file name".to_owned(),
                    Some(
                        "remove the empty entry, or name a file (relative to the project file)"
                            .to_owned(),
                    ),
                ));
            }
        }
    }
    for (i, group) in config.default_groups.iter().flatten().enumerate() {
        if project.group(group).is_none() {
            let names = || project.groups.keys().map(String::as_str);
            let hint = match did_you_mean(group, names()) {
                Some(best) => format!("did you mean `{best}`?"),
                None if project.groups.is_empty() => {
                    "define it in a `[groups]` table (or `[dependency-groups]` in pyproject.toml)"
                        .to_owned()
                }
                None => format!(
                    "the groups are {}",
                    names()
                        .map(|g| format!("`{g}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            return Err(invalid(
                &["default-groups", &i.to_string()],
                format!("`default-groups` names `{group}`, which is not a group of the project"),
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
        // One argument is one line where penv writes it into a requirement
        // file (`uv pip compile`'s input): a line break would add options.
        if arg.contains(['\n', '\r']) {
            return Err(invalid(
                &["pip", "args", &i.to_string()],
                "an argument holds a line break".to_owned(),
                Some("write each argument as its own string, on one line".to_owned()),
            ));
        }
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
    super::tasks::validate(project, &invalid)?;
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
        if let Err(message) = normalize_requirement(req) {
            let mut path: Vec<&str> = keys.to_vec();
            let index = i.to_string();
            path.push(&index);
            let hint = if let Some(url) = crate::requirement::relative_file_url(req) {
                let file = url[5..].to_owned();
                let file = if file.starts_with('.') {
                    file
                } else {
                    format!("./{file}")
                };
                format!(
                    "name it by path instead: a line `{file}` in a requirement file listed in `requirement-files` (relative to that file), or an absolute URL, `… @ file:///…` with the file's whole path"
                )
            } else if req.trim_start().starts_with('-') {
                "pip options belong in a requirements file (`requirement-files`) or in `[pip] args`"
                    .to_owned()
            } else {
                "write a PEP 508 requirement, e.g. `requests>=2.32` or `rich[jupyter]==13.*`"
                    .to_owned()
            };
            return Err(invalid(
                &path,
                format!("invalid requirement `{}`: {message}", excerpt(req)),
                Some(hint),
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
