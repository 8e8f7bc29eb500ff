//! Whether a `poetry.lock` is still the lock of its `pyproject.toml`, as
//! Poetry decides it (`Locker.is_fresh`, `_get_content_hash` in
//! `poetry/packages/locker.py`): `[metadata] content-hash` is the sha256
//! of Python's `json.dumps(relevant, sort_keys=True)`, where `relevant` is
//! `[project]`'s `requires-python`, `dependencies` and
//! `optional-dependencies`, `[dependency-groups]`, and `[tool.poetry]`'s
//! `dependencies`, `source`, `extras`, `dev-dependencies` and `group`
//! (the first four as `null` when absent, and at the top level, when
//! neither `[project]` nor `[dependency-groups]` says anything). A lock
//! written by a Poetry before 2.3 is also fresh when the hash without
//! `[dependency-groups]` matches, as Poetry accepts it.
//!
//! Invariant: the bytes hashed are exactly the ones Python's `json.dumps`
//! writes (`lock::pyjson`), so a test checks the hash against a real
//! project's lock.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::lock::pyjson::{dumps, from_toml};

const LEGACY_KEYS: [&str; 4] = ["dependencies", "source", "extras", "dev-dependencies"];
const RELEVANT_KEYS: [&str; 5] = [
    "dependencies",
    "source",
    "extras",
    "dev-dependencies",
    "group",
];
const PROJECT_KEYS: [&str; 3] = ["requires-python", "dependencies", "optional-dependencies"];

/// Whether the lock whose text is `lock_text` (its `[metadata]
/// content-hash` is `recorded`) is the lock of `pyproject`.
pub(crate) fn is_fresh(
    lock_text: &str,
    recorded: Option<&str>,
    pyproject: &toml_edit::Document<String>,
) -> bool {
    let Some(recorded) = recorded else {
        return false;
    };
    if content_hash(pyproject, true) == recorded {
        return true;
    }
    written_before_2_3(lock_text) && content_hash(pyproject, false) == recorded
}

/// Whether the lock's first line says a Poetry before 2.3.0 wrote it.
fn written_before_2_3(lock_text: &str) -> bool {
    let first = lock_text.lines().next().unwrap_or("");
    let Some(rest) = first.split("Poetry ").nth(1) else {
        return false;
    };
    let version = rest.split_whitespace().next().unwrap_or("");
    let parts: Vec<u64> = version
        .split('.')
        .map_while(|p| p.parse().ok())
        .take(3)
        .collect();
    !parts.is_empty() && parts < vec![2, 3, 0]
}

/// Poetry's content hash of `pyproject` (hex sha256).
pub(crate) fn content_hash(pyproject: &toml_edit::Document<String>, with_groups: bool) -> String {
    let project = table(pyproject.get("project"));
    let groups = table(pyproject.get("dependency-groups"))
        .filter(|g| with_groups && !g.is_empty())
        .map(|_| from_toml(&pyproject["dependency-groups"]));
    let poetry = table(pyproject.get("tool")).and_then(|t| table(t.get("poetry")));
    let mut project_part = Map::new();
    for key in PROJECT_KEYS {
        if let Some(item) = project.and_then(|p| p.get(key)) {
            project_part.insert(key.to_owned(), from_toml(item));
        }
    }
    let mut poetry_part = Map::new();
    for key in RELEVANT_KEYS {
        let data = poetry.and_then(|p| p.get(key));
        if data.is_none()
            && (!LEGACY_KEYS.contains(&key) || !project_part.is_empty() || groups.is_some())
        {
            continue;
        }
        poetry_part.insert(key.to_owned(), data.map_or(Value::Null, from_toml));
    }
    let mut relevant = Map::new();
    if !project_part.is_empty() {
        relevant.insert("project".to_owned(), Value::Object(project_part));
    }
    if let Some(groups) = groups {
        relevant.insert("dependency-groups".to_owned(), groups);
    }
    let relevant = if relevant.is_empty() {
        // Poetry's backward compatibility: `[tool.poetry]`'s keys at the top.
        poetry_part
    } else {
        let mut tool = Map::new();
        tool.insert("poetry".to_owned(), Value::Object(poetry_part));
        relevant.insert("tool".to_owned(), Value::Object(tool));
        relevant
    };
    hex::encode(Sha256::digest(dumps(&Value::Object(relevant)).as_bytes()))
}

fn table(item: Option<&toml_edit::Item>) -> Option<&dyn toml_edit::TableLike> {
    item.and_then(toml_edit::Item::as_table_like)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(text: &str) -> String {
        content_hash(&text.parse().unwrap(), true)
    }

    /// rich's `pyproject.toml` (Textualize/rich at 42899d8, its Poetry
    /// sections) and the `content-hash` Poetry 2.1.3 wrote in its lock.
    const RICH: &str = r#"[tool.poetry]
name = "rich"
version = "14.3.3"

[tool.poetry.dependencies]
python = ">=3.8.0"
pygments = "^2.13.0"
ipywidgets = { version = ">=7.5.1,<9", optional = true }
markdown-it-py = ">=2.2.0"

[tool.poetry.extras]
jupyter = ["ipywidgets"]

[tool.poetry.dev-dependencies]
pytest = "^7.0.0"
black = "^22.6"
mypy = "^1.11"
pytest-cov = "^3.0.0"
attrs = "^21.4.0"
pre-commit = "^2.17.0"
typing-extensions = ">=4.0.0, <5.0"

[build-system]
requires = ["poetry-core>=1.0.0"]
"#;

    #[test]
    fn rich_content_hash_is_the_one_poetry_wrote() {
        assert_eq!(
            hash(RICH),
            "610597849eb5fb1d82cd5e647d616dd41412674d531c2f7819380bbc9b54e8e2"
        );
        // Formatting and other sections do not count; a dependency does.
        let reformatted = RICH
            .replace(
                "pygments = \"^2.13.0\"",
                "pygments   =   \"^2.13.0\"   # colour",
            )
            .replace("version = \"14.3.3\"", "version = \"15\"");
        assert_eq!(hash(&reformatted), hash(RICH));
        let changed = RICH.replace("^2.13.0", "^2.14.0");
        assert_ne!(hash(&changed), hash(RICH));
    }

    #[test]
    fn pep_621_projects_hash_project_and_tool_poetry() {
        // Computed with Poetry's `_get_content_hash` over this text.
        let text = "[project]\nname = \"x\"\ndependencies = [\"a>=1\"]\n\n[tool.poetry.group.dev.dependencies]\npytest = \"*\"\n";
        let expected = hex::encode(Sha256::digest(
            br#"{"project": {"dependencies": ["a>=1"]}, "tool": {"poetry": {"group": {"dev": {"dependencies": {"pytest": "*"}}}}}}"#,
        ));
        assert_eq!(hash(text), expected);
    }

    #[test]
    fn locks_before_2_3_hash_without_dependency_groups() {
        let text = "[project]\nname = \"x\"\ndependencies = [\"a\"]\n\n[dependency-groups]\ndev = [\"b\"]\n";
        let doc: toml_edit::Document<String> = text.parse().unwrap();
        let old = content_hash(&doc, false);
        assert!(is_fresh(
            "# This file is automatically @generated by Poetry 2.1.3 and should not be changed by hand.\n",
            Some(&old),
            &doc
        ));
        assert!(!is_fresh(
            "# This file is automatically @generated by Poetry 2.3.1 and should not be changed by hand.\n",
            Some(&old),
            &doc
        ));
        assert!(!is_fresh("", None, &doc));
    }
}
