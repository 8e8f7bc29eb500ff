//! The inputs a lock is made from, and their hash (`[tool.penv]
//! inputs-hash`): what decides, without resolving, whether a lock is
//! still the lock of the project as it is now.
//!
//! Invariant: the hash changes when anything that can change pip's
//! resolution changes — the requirements, every group and `default-groups`,
//! the bytes of every requirement file, the pip options (indexes,
//! `find-links` locations, `no-index`, `args`), the local projects'
//! metadata, the pip requested, and the interpreter's identity
//! (implementation, full version, OS, machine) — and does not change with
//! what is not: the interpreter's path, the env's path, penv.toml's
//! formatting, or new files in a `find-links` directory (a lock keeps its
//! pins whatever appears there; `penv lock --upgrade` takes them). Beside
//! the hash, [`unmet_requirements`] says without resolving which of the
//! project's requirements a lock does not meet.

use std::collections::BTreeMap;
use std::str::FromStr;

use serde::Serialize;
use sha2::{Digest, Sha256};

/// Bumped when what is hashed changes, or what a lock made from the same
/// inputs holds: 2, markers on the packages of groups of requirement files
/// and of extras (a lock of format 1 installs them into every env).
const INPUTS_FORMAT: u32 = 2;

/// Everything a lock is made from, as plain values in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Inputs {
    /// The project's requirements, normalized and sorted.
    pub(crate) requirements: Vec<String>,
    /// Every group with its requirements, normalized and sorted.
    pub(crate) groups: BTreeMap<String, Vec<String>>,
    /// `default-groups`, as written.
    pub(crate) default_groups: Vec<String>,
    /// Each requirement file: `path sha256`, with `-c ` before a constraint file.
    pub(crate) requirement_files: Vec<String>,
    /// The pip options as canonical text, `find-links` listings left out.
    pub(crate) pip: Vec<String>,
    /// Local project directories' identities (their metadata hashes).
    pub(crate) local_projects: Vec<String>,
    /// The project itself, when it is installed: `-e .[extras]` (every extra).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) package: Option<String>,
    /// The extras of a project not installed itself, with their requirements.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) extras: BTreeMap<String, Vec<String>>,
    /// `[venv] pip-version` (or penv's default request).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) pip_version: Option<String>,
    /// `cpython 3.11.7 linux x86_64`.
    pub(crate) interpreter: String,
}

impl Inputs {
    /// The sha256 of the canonical serialization, hex.
    pub(crate) fn hash(&self) -> String {
        let json = serde_json::to_vec(&(INPUTS_FORMAT, self)).expect("inputs serialize");
        let mut hasher = Sha256::new();
        hasher.update(b"penv-lock-inputs\0");
        hasher.update(&json);
        hex::encode(hasher.finalize())
    }
}

/// The `[tool.penv]` table of a lock made from `inputs`: their hash, and
/// the inputs themselves, so that a stale lock can say what changed.
pub(crate) fn tool_table(inputs: &Inputs) -> serde_json::Value {
    let mut table = serde_json::to_value(inputs).expect("inputs serialize");
    if let Some(map) = table.as_object_mut() {
        map.insert("inputs-hash".to_owned(), inputs.hash().into());
        map.insert("inputs-format".to_owned(), INPUTS_FORMAT.into());
    }
    table
}

/// What differs between the inputs a lock records (`[tool.penv]`) and
/// `now`, one line each: "`requirements`: added `x`, removed `y`".
pub(crate) fn changes(lock: &super::model::PyLock, now: &Inputs) -> Vec<String> {
    let recorded = lock.tool.get("penv").cloned().unwrap_or_default();
    let now = tool_table(now);
    let mut out = Vec::new();
    if recorded.get("inputs-format") != now.get("inputs-format") {
        out.push(
            "it was written by an older penv, whose locks give no marker to the packages of groups of requirement files and of extras".to_owned(),
        );
    }
    diff("", &recorded, &now, &mut out);
    out
}

fn diff(name: &str, old: &serde_json::Value, new: &serde_json::Value, out: &mut Vec<String>) {
    use serde_json::Value;
    if old == new || name == "inputs-hash" || name == "inputs-format" {
        return;
    }
    if name == "requirement-files" {
        return requirement_files(old, new, out);
    }
    if name == "local-projects" {
        return local_projects(old, new, out);
    }
    let shown = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
    match (old, new) {
        (Value::Object(old), Value::Object(new)) => {
            let keys: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
            for key in keys {
                let path = if name.is_empty() {
                    key.clone()
                } else {
                    format!("{name}.{key}")
                };
                diff(
                    &path,
                    old.get(key).unwrap_or(&Value::Null),
                    new.get(key).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        (Value::Array(_) | Value::Null, Value::Array(_) | Value::Null) => {
            let items = |v: &Value| -> Vec<String> {
                v.as_array().into_iter().flatten().map(shown).collect()
            };
            let (old, new) = (items(old), items(new));
            let added: Vec<String> = new
                .iter()
                .filter(|i| !old.contains(i))
                .map(|i| format!("`{i}`"))
                .collect();
            let removed: Vec<String> = old
                .iter()
                .filter(|i| !new.contains(i))
                .map(|i| format!("`{i}`"))
                .collect();
            let mut parts = Vec::new();
            if !added.is_empty() {
                parts.push(format!("added {}", added.join(", ")));
            }
            if !removed.is_empty() {
                parts.push(format!("removed {}", removed.join(", ")));
            }
            if parts.is_empty() {
                parts.push("reordered".to_owned());
            }
            out.push(format!("`{name}`: {}", parts.join("; ")));
        }
        _ => out.push(format!("`{name}`: `{}` → `{}`", shown(old), shown(new))),
    }
}

/// The requirement files whose bytes changed, or that were added or
/// dropped, by name: "`requirements.txt` changed" (the inputs hold
/// `path sha256`, and a digest says nothing to a reader).
fn requirement_files(old: &serde_json::Value, new: &serde_json::Value, out: &mut Vec<String>) {
    let files = |v: &serde_json::Value| -> Vec<(String, String)> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(serde_json::Value::as_str)
            .map(|entry| match entry.rsplit_once(' ') {
                Some((path, sha)) => (path.to_owned(), sha.to_owned()),
                None => (entry.to_owned(), String::new()),
            })
            .collect()
    };
    let (old, new) = (files(old), files(new));
    let mut changed = Vec::new();
    let mut added = Vec::new();
    for (path, sha) in &new {
        match old.iter().find(|(p, _)| p == path) {
            Some((_, before)) if before != sha => changed.push(format!("`{path}` changed")),
            Some(_) => {}
            None => added.push(format!("`{path}`")),
        }
    }
    let removed: Vec<String> = old
        .iter()
        .filter(|(p, _)| !new.iter().any(|(n, _)| n == p))
        .map(|(p, _)| format!("`{p}`"))
        .collect();
    out.extend(changed);
    if !added.is_empty() {
        out.push(format!("requirement files added: {}", added.join(", ")));
    }
    if !removed.is_empty() {
        out.push(format!("requirement files dropped: {}", removed.join(", ")));
    }
}

/// The local projects whose metadata changed, by file:
/// "`pyproject.toml` of `-e .` changed" (the inputs hold each as the
/// spec's JSON: `requirement`, `path`, `metadata` by file name).
fn local_projects(old: &serde_json::Value, new: &serde_json::Value, out: &mut Vec<String>) {
    use serde_json::Value;
    let projects = |v: &Value| -> Vec<Value> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter_map(|text| serde_json::from_str(text).ok())
            .collect()
    };
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).unwrap_or("").to_owned();
    let (old, new) = (projects(old), projects(new));
    let before = out.len();
    for project in &new {
        let (path, requirement) = (text(project, "path"), text(project, "requirement"));
        let Some(o) = old.iter().find(|o| text(o, "path") == path) else {
            out.push(format!("`{requirement}` added"));
            continue;
        };
        let files = |v: &Value| v.get("metadata").cloned().unwrap_or_default();
        let (was, is) = (files(o), files(project));
        let names: std::collections::BTreeSet<&String> = was
            .as_object()
            .into_iter()
            .chain(is.as_object())
            .flat_map(serde_json::Map::keys)
            .collect();
        for name in names {
            let what = match (was.get(name), is.get(name)) {
                (Some(a), Some(b)) if a != b => "changed",
                (None, Some(_)) => "added",
                (Some(_), None) => "removed",
                _ => continue,
            };
            out.push(format!("`{name}` of `{requirement}` {what}"));
        }
    }
    for project in &old {
        if !new.iter().any(|n| text(n, "path") == text(project, "path")) {
            out.push(format!("`{}` dropped", text(project, "requirement")));
        }
    }
    if out.len() == before {
        out.push("the local projects' metadata changed".to_owned());
    }
}

/// The inputs hash a lock records, when it has one (`[tool.penv]`).
pub(crate) fn recorded_hash(lock: &super::model::PyLock) -> Option<&str> {
    lock.tool.get("penv")?.get("inputs-hash")?.as_str()
}

/// Why `lock` is not the lock of `requirements` (penv.toml's, with where
/// each is written: `requirements`, `group dev`), as far as can be told
/// without resolving: a requirement no package of the lock is for, or
/// whose versions exclude every locked version of it. One line each.
pub(crate) fn unmet_requirements(
    lock: &super::model::PyLock,
    requirements: &[(String, String)],
) -> Vec<String> {
    let mut out = Vec::new();
    for (text, place) in requirements {
        let Some((name, specifiers)) = crate::requirement::name_and_specifiers(text) else {
            continue;
        };
        let name = super::normalize_name(&name);
        let versions: Vec<&str> = lock
            .packages
            .iter()
            .filter(|p| super::normalize_name(&p.name) == name)
            .filter_map(|p| p.version.as_deref())
            .collect();
        let locked = lock
            .packages
            .iter()
            .any(|p| super::normalize_name(&p.name) == name);
        if !locked {
            out.push(format!("`{text}` ({place}) is not in the lock"));
        } else if !specifiers.is_empty()
            && !versions.is_empty()
            && !versions.iter().any(|v| {
                pep440_rs::Version::from_str(v).is_ok_and(|v| {
                    pep440_rs::VersionSpecifiers::from_str(&specifiers)
                        .is_ok_and(|s| s.contains(&v))
                })
            })
        {
            out.push(format!(
                "`{text}` ({place}): the lock has {name} {}",
                versions.join(", ")
            ));
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn example() -> Inputs {
        Inputs {
            requirements: vec!["tinypkg".into()],
            groups: BTreeMap::from([("dev".into(), vec!["otherpkg".into()])]),
            default_groups: vec![],
            requirement_files: vec![],
            pip: vec!["no-index".into()],
            local_projects: vec![],
            package: None,
            extras: BTreeMap::new(),
            pip_version: Some(">=23.3".into()),
            interpreter: "cpython 3.11.7 linux x86_64".into(),
        }
    }

    #[test]
    fn every_field_moves_the_hash() {
        let base = example().hash();
        assert_eq!(base, example().hash());
        let changes: [fn(&mut Inputs); 8] = [
            |i| i.package = Some("-e .".into()),
            |i| {
                i.extras.insert("cli".into(), vec!["click".into()]);
            },
            |i| i.requirements.push("x".into()),
            |i| i.groups.get_mut("dev").unwrap().push("y".into()),
            |i| i.default_groups.push("dev".into()),
            |i| i.pip.push("index-url https://x".into()),
            |i| i.pip_version = None,
            |i| i.interpreter = "cpython 3.11.8 linux x86_64".into(),
        ];
        for change in changes {
            let mut inputs = example();
            change(&mut inputs);
            assert_ne!(inputs.hash(), base, "{inputs:?}");
        }
    }

    #[test]
    fn a_lock_names_what_changed_since() {
        let lock = lock_of(&example());
        assert!(changes(&lock, &example()).is_empty());
        let mut now = example();
        now.requirements = vec!["otherpkg".into()];
        now.groups.insert("test".into(), vec!["pytest".into()]);
        now.interpreter = "cpython 3.12.1 linux x86_64".into();
        assert_eq!(
            changes(&lock, &now),
            [
                "`groups.test`: added `pytest`",
                "`interpreter`: `cpython 3.11.7 linux x86_64` → `cpython 3.12.1 linux x86_64`",
                "`requirements`: added `otherpkg`; removed `tinypkg`",
            ]
        );
    }

    fn lock_of(inputs: &Inputs) -> crate::lock::model::PyLock {
        crate::lock::model::PyLock {
            lock_version: "1.0".into(),
            environments: None,
            requires_python: None,
            extras: vec![],
            dependency_groups: vec![],
            default_groups: vec![],
            created_by: "penv".into(),
            packages: vec![],
            tool: BTreeMap::from([("penv".to_owned(), tool_table(inputs))]),
        }
    }

    /// A relock's reason names the file in words, never its digests.
    #[test]
    fn changed_files_are_named_not_their_digests() {
        let mut old = example();
        old.requirement_files = vec![
            format!("requirements.txt {}", "a".repeat(64)),
            format!("requirements/dev.txt {}", "b".repeat(64)),
        ];
        old.local_projects =
            vec![r#"{"requirement":"-e .","path":".","metadata":{"pyproject.toml":"00"}}"#.into()];
        let mut now = old.clone();
        now.requirement_files = vec![
            format!("requirements.txt {}", "c".repeat(64)),
            format!("requirements/docs.txt {}", "d".repeat(64)),
        ];
        now.local_projects =
            vec![r#"{"requirement":"-e .","path":".","metadata":{"pyproject.toml":"11"}}"#.into()];
        let said = changes(&lock_of(&old), &now);
        assert_eq!(
            said,
            [
                "`pyproject.toml` of `-e .` changed",
                "`requirements.txt` changed",
                "requirement files added: `requirements/docs.txt`",
                "requirement files dropped: `requirements/dev.txt`",
            ]
        );
        assert!(!said.concat().contains(&"a".repeat(64)), "{said:?}");
    }

    /// A lock written before extras and groups of files were marked is out
    /// of date, and says why.
    #[test]
    fn a_lock_of_an_older_format_says_so() {
        let mut lock = lock_of(&example());
        let table = lock.tool.get_mut("penv").unwrap().as_object_mut().unwrap();
        table.remove("inputs-format");
        assert_eq!(
            changes(&lock, &example()),
            [
                "it was written by an older penv, whose locks give no marker to the packages of groups of requirement files and of extras"
            ]
        );
    }

    #[test]
    fn the_recorded_hash_is_read_from_tool_penv() {
        let lock = super::super::parse(
            "lock-version = \"1.0\"\ncreated-by = \"penv\"\n[tool.penv]\ninputs-hash = \"ab\"\n",
            std::path::Path::new("p"),
        )
        .unwrap();
        assert_eq!(recorded_hash(&lock), Some("ab"));
    }
}
