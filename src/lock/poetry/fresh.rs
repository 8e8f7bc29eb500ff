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
//! writes (`", "` and `": "` separators, keys sorted by code point, every
//! character outside ASCII's printable range escaped as `\uXXXX`), so a
//! test checks the hash against a real project's lock.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

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
        .map(|_| &pyproject["dependency-groups"]);
    let poetry = table(pyproject.get("tool")).and_then(|t| table(t.get("poetry")));
    let project_part: Vec<(&str, &toml_edit::Item)> = PROJECT_KEYS
        .iter()
        .filter_map(|key| Some((*key, project?.get(key)?)))
        .collect();
    let mut poetry_part: Vec<(&str, Option<&toml_edit::Item>)> = Vec::new();
    for key in RELEVANT_KEYS {
        let data = poetry.and_then(|p| p.get(key));
        if data.is_none()
            && (!LEGACY_KEYS.contains(&key) || !project_part.is_empty() || groups.is_some())
        {
            continue;
        }
        poetry_part.push((key, data));
    }
    let mut out = String::new();
    if project_part.is_empty() && groups.is_none() {
        object(&mut out, poetry_part);
    } else {
        // Sorted: `dependency-groups` < `project` < `tool`.
        out.push('{');
        let mut first = true;
        let mut sep = |out: &mut String| {
            if !first {
                out.push_str(", ");
            }
            first = false;
        };
        if let Some(groups) = groups {
            sep(&mut out);
            out.push_str("\"dependency-groups\": ");
            item(&mut out, groups);
        }
        if !project_part.is_empty() {
            sep(&mut out);
            out.push_str("\"project\": ");
            object(
                &mut out,
                project_part
                    .into_iter()
                    .map(|(k, v)| (k, Some(v)))
                    .collect(),
            );
        }
        sep(&mut out);
        out.push_str("\"tool\": {\"poetry\": ");
        object(&mut out, poetry_part);
        out.push_str("}}");
    }
    hex::encode(Sha256::digest(out.as_bytes()))
}

fn table(item: Option<&toml_edit::Item>) -> Option<&dyn toml_edit::TableLike> {
    item.and_then(toml_edit::Item::as_table_like)
}

/// A JSON object of `entries` (`None`: `null`), keys sorted.
fn object(out: &mut String, mut entries: Vec<(&str, Option<&toml_edit::Item>)>) {
    entries.sort_by(|a, b| a.0.cmp(b.0));
    out.push('{');
    for (i, (key, value)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        string(out, key);
        out.push_str(": ");
        match value {
            Some(v) => item(out, v),
            None => out.push_str("null"),
        }
    }
    out.push('}');
}

fn item(out: &mut String, item: &toml_edit::Item) {
    match item {
        toml_edit::Item::Value(v) => value(out, v),
        toml_edit::Item::Table(t) => table_like(out, t),
        toml_edit::Item::ArrayOfTables(a) => {
            out.push('[');
            for (i, t) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                table_like(out, t);
            }
            out.push(']');
        }
        toml_edit::Item::None => out.push_str("null"),
    }
}

fn table_like(out: &mut String, table: &dyn toml_edit::TableLike) {
    let mut entries: Vec<(&str, &toml_edit::Item)> = table.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    out.push('{');
    for (i, (key, v)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        string(out, key);
        out.push_str(": ");
        item(out, v);
    }
    out.push('}');
}

fn value(out: &mut String, v: &toml_edit::Value) {
    match v {
        toml_edit::Value::String(s) => string(out, s.value()),
        toml_edit::Value::Integer(i) => {
            let _ = write!(out, "{}", i.value());
        }
        toml_edit::Value::Float(f) => float(out, *f.value()),
        toml_edit::Value::Boolean(b) => out.push_str(if *b.value() { "true" } else { "false" }),
        // Python's json cannot write a datetime (Poetry fails): its text.
        toml_edit::Value::Datetime(d) => string(out, &d.value().to_string()),
        toml_edit::Value::Array(a) => {
            out.push('[');
            for (i, v) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                value(out, v);
            }
            out.push(']');
        }
        toml_edit::Value::InlineTable(t) => table_like(out, t),
    }
}

/// A float as Python's `repr` writes one (`1.0`, `1e+20`, `Infinity`).
fn float(out: &mut String, f: f64) {
    if f.is_nan() {
        out.push_str("NaN");
    } else if f.is_infinite() {
        out.push_str(if f > 0.0 { "Infinity" } else { "-Infinity" });
    } else if f.fract() == 0.0 && f.abs() < 1e16 {
        let _ = write!(out, "{f:.1}");
    } else {
        let _ = write!(out, "{f}");
    }
}

/// A JSON string as Python's `json.dumps` (`ensure_ascii=True`) writes it.
fn string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
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
    fn python_json_spelling() {
        let mut out = String::new();
        string(&mut out, "a\"b\\c\n\u{7f}é😀");
        assert_eq!(out, r#""a\"b\\c\n\u007f\u00e9\ud83d\ude00""#);
        let mut out = String::new();
        float(&mut out, 1.0);
        float(&mut out, 2.5);
        assert_eq!(out, "1.02.5");
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
