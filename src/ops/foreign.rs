//! Other tools' files in a project directory, and what penv does with
//! each: `init` and `doctor` name every one they find, read or not, so
//! nothing a maintainer wrote for another tool is passed over silently.
//!
//! Invariant: only looks (names and a few tables); what "read" means is
//! what `plan`, `project` and `lock::uv` do, documented in
//! docs/other-tools.md.

use std::path::Path;

/// One file or table of another tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Foreign {
    /// The file, or `pyproject.toml [tool.x]`.
    pub(crate) name: String,
    /// Whether `penv sync` reads it.
    pub(crate) read: bool,
    /// What penv does with it, or why not.
    pub(crate) what: String,
    /// A lock penv does not install, so the env's versions may differ.
    pub(crate) unread_lock: bool,
}

fn entry(name: &str, read: bool, what: &str, unread_lock: bool) -> Foreign {
    Foreign {
        name: name.to_owned(),
        read,
        what: what.to_owned(),
        unread_lock,
    }
}

/// Every other tool's file in `dir`; `pyproject_is_project_file`: the
/// project file there is `pyproject.toml` (not `penv.toml`).
pub(crate) fn scan(dir: &Path, pyproject_is_project_file: bool) -> Vec<Foreign> {
    let exists = |name: &str| dir.join(name).is_file();
    let mut out = Vec::new();
    if exists("uv.lock") {
        out.push(if exists(crate::lock::LOCK_FILE_NAME) {
            entry("uv.lock", false, "not read: `pylock.toml` comes first (delete it to install from `uv.lock`)", true)
        } else if !pyproject_is_project_file {
            entry("uv.lock", false, "not read: `penv.toml`'s requirements are the project's, not what uv locked", true)
        } else {
            entry("uv.lock", true, "installed as `uv sync --frozen` would, hash-checked; `--locked` refuses it when `pyproject.toml` has moved away from it", false)
        });
    }
    if exists("poetry.lock") {
        out.push(if exists(crate::lock::LOCK_FILE_NAME) {
            entry("poetry.lock", false, "not read: `pylock.toml` comes first (delete it to install from `poetry.lock`)", true)
        } else if exists("uv.lock") {
            entry("poetry.lock", false, "not read: `uv.lock` comes first", true)
        } else if !pyproject_is_project_file {
            entry("poetry.lock", false, "not read: `penv.toml`'s requirements are the project's, not what Poetry locked", true)
        } else {
            entry("poetry.lock", true, "installed as `poetry install` would, each file by name and version from the index, hash-checked; `--locked` refuses it when its `content-hash` is not `pyproject.toml`'s", false)
        });
    }
    if exists("pdm.lock") {
        out.push(if exists(crate::lock::LOCK_FILE_NAME) {
            entry("pdm.lock", false, "not read: `pylock.toml` comes first (delete it to install from `pdm.lock`)", true)
        } else if exists("uv.lock") || exists("poetry.lock") {
            entry("pdm.lock", false, "not read: `uv.lock` or `poetry.lock` comes first", true)
        } else if !pyproject_is_project_file {
            entry("pdm.lock", false, "not read: `penv.toml`'s requirements are the project's, not what PDM locked", true)
        } else {
            entry("pdm.lock", true, "installed as `pdm sync` would, hash-checked, but for the default groups: penv's (`dev`, `[tool.pdm.dev-dependencies]`), not every `[dependency-groups]` group (name those with `--group`); `--locked` refuses it when its `content_hash` is not `pyproject.toml`'s", false)
        });
    }
    if exists("Pipfile.lock") {
        out.push(entry(
            "Pipfile.lock",
            false,
            "not read: penv resolves the project's requirements with pip, so versions may differ from what Pipenv locked",
            true,
        ));
    }
    if exists("Pipfile") {
        out.push(entry(
            "Pipfile",
            false,
            "not read: list its packages in `penv.toml` (`penv add`)",
            false,
        ));
    }
    if exists("tox.ini") {
        let what = tox_what(dir);
        out.push(entry("tox.ini", false, &what, false));
    }
    if exists("environment.yml") {
        out.push(entry(
            "environment.yml",
            false,
            "not read: conda envs are conda's",
            false,
        ));
    }
    let Some(doc) = std::fs::read_to_string(dir.join(crate::project::PYPROJECT_TOML))
        .ok()
        .and_then(|t| t.parse::<toml_edit::DocumentMut>().ok())
    else {
        return out;
    };
    let tool = doc.get("tool").and_then(|t| t.as_table_like());
    let has = |name: &str| tool.is_some_and(|t| t.contains_key(name));
    let read = pyproject_is_project_file;
    if has("uv") {
        out.push(entry(
            "pyproject.toml [tool.uv]",
            read,
            "`default-groups`, `dev-dependencies`, `package` and the index settings are read; keys that change a resolution are honoured through `uv.lock` only",
            false,
        ));
    }
    if has("poetry") {
        out.push(entry(
            "pyproject.toml [tool.poetry]",
            read,
            "its dependencies (where `[project]` has none), extras and groups are read, constraints made PEP 440",
            false,
        ));
    }
    if has("pdm") {
        out.push(entry(
            "pyproject.toml [tool.pdm]",
            read,
            "`dev-dependencies` are read as groups",
            false,
        ));
    }
    out
}

/// What penv says of `tox.ini`: what its test envs install, as flags.
fn tox_what(dir: &Path) -> String {
    let (extras, groups) = tox_suggestions(dir);
    if extras.is_empty() && groups.is_empty() {
        return "not read: tox's envs are tox's".to_owned();
    }
    let named = |kind: &str, v: &[String]| {
        (!v.is_empty()).then(|| {
            let list: Vec<String> = v.iter().map(|e| format!("`{e}`")).collect();
            format!("{kind} {}", list.join(", "))
        })
    };
    let said: Vec<String> = [named("extras", &extras), named("groups", &groups)]
        .into_iter()
        .flatten()
        .collect();
    let flags: Vec<String> = extras
        .iter()
        .map(|e| format!("--extra {e}"))
        .chain(groups.iter().map(|g| format!("--group {g}")))
        .collect();
    format!(
        "not read by `sync`; its test envs install {}: `penv sync {}`",
        said.join(" and "),
        flags.join(" ")
    )
}

/// The extras and dependency groups tox's envs install: `extras = …`,
/// `pip install -e .[x]` in `commands`, and `dependency_groups = …`, in
/// any `[testenv…]` section.
pub(crate) fn tox_suggestions(dir: &Path) -> (Vec<String>, Vec<String>) {
    let Ok(text) = std::fs::read_to_string(dir.join("tox.ini")) else {
        return (Vec::new(), Vec::new());
    };
    let (mut extras, mut groups) = (Vec::new(), Vec::new());
    let mut in_testenv = false;
    // The key whose (possibly continued) value is being read.
    let mut key = "";
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            in_testenv = trimmed.starts_with("[testenv");
            key = "";
            continue;
        }
        if !in_testenv || trimmed.starts_with('#') {
            continue;
        }
        let value = if line.starts_with([' ', '\t']) {
            trimmed
        } else {
            let (k, v) = trimmed.split_once('=').unwrap_or(("", ""));
            key = match k.trim() {
                "extras" => "extras",
                "dependency_groups" => "groups",
                _ => "",
            };
            v
        };
        // `pip install -e .[d]` in a command installs extra `d`.
        if let Some((_, rest)) = value.split_once(".[")
            && let Some((inner, _)) = rest.split_once(']')
        {
            add(&mut extras, inner);
        }
        match key {
            "extras" => add(&mut extras, value),
            "groups" => add(&mut groups, value),
            _ => {}
        }
    }
    (extras, groups)
}

/// Each plain name in `value` (comma or space separated), once.
fn add(out: &mut Vec<String>, value: &str) {
    for word in value
        .split([',', ' '])
        .map(str::trim)
        .filter(|w| !w.is_empty())
    {
        let plain = word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if plain && !out.iter().any(|e| e == word) {
            out.push(word.to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_each_file_read_or_not() {
        let dir = tempfile::tempdir().unwrap();
        let put = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
        put("uv.lock", "version = 1\n");
        put("poetry.lock", "");
        put(
            "tox.ini",
            "[tox]\nenvlist = py\n[testenv]\nextras =\n    d\n    jupyter\ncommands = pytest\n[testenv:x]\nextras = d, colorama\n",
        );
        put(
            "pyproject.toml",
            "[tool.uv]\ndefault-groups = []\n[tool.poetry]\nname = \"x\"\n",
        );
        let found = scan(dir.path(), true);
        let names: Vec<(&str, bool, bool)> = found
            .iter()
            .map(|f| (f.name.as_str(), f.read, f.unread_lock))
            .collect();
        assert_eq!(
            names,
            [
                ("uv.lock", true, false),
                ("poetry.lock", false, true),
                ("tox.ini", false, false),
                ("pyproject.toml [tool.uv]", true, false),
                ("pyproject.toml [tool.poetry]", true, false),
            ]
        );
        assert!(
            found[2]
                .what
                .contains("--extra d --extra jupyter --extra colorama"),
            "{}",
            found[2].what
        );
        put("pylock.toml", "");
        assert!(!scan(dir.path(), true)[0].read, "pylock.toml comes first");
        assert!(!scan(dir.path(), false)[0].read);
    }
}
