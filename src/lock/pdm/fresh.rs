//! Whether a `pdm.lock` is still the lock of its `pyproject.toml`, as PDM
//! decides it (`PyProject.content_hash` in `pdm/project/project_file.py`):
//! `[metadata] content_hash` is `sha256:` and the sha256 of Python's
//! `json.dumps(…, sort_keys=True)` of `sources` (`[tool.pdm] source`),
//! `dependencies`, `dev-dependencies` (`[dependency-groups]` and `[tool.pdm.
//! dev-dependencies]`, merged under normalized names), `optional-
//! dependencies` and `requires-python` of `[project]`, and `resolution`
//! (`[tool.pdm] resolution`), each empty when absent. A PDM from before
//! `[dependency-groups]` hashed `[tool.pdm.dev-dependencies]` as written:
//! that hash is accepted too.
//!
//! Invariant: the bytes hashed are exactly Python's (`lock::pyjson`); a
//! test checks the hash against PDM's own lock.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::lock::normalize_name;
use crate::lock::pyjson::{dumps, from_toml};

/// Whether `recorded` (`sha256:hex`) is PDM's hash of `pyproject`.
pub(crate) fn is_fresh(recorded: Option<&str>, pyproject: &toml_edit::Document<String>) -> bool {
    let Some(hex) = recorded.and_then(|r| r.strip_prefix("sha256:")) else {
        return false;
    };
    content_hash(pyproject, true) == hex || content_hash(pyproject, false) == hex
}

/// PDM's content hash of `pyproject` (hex sha256); `merged`: PDM 2.20's
/// and later (`[dependency-groups]` merged in), else the earlier one.
pub(crate) fn content_hash(pyproject: &toml_edit::Document<String>, merged: bool) -> String {
    let get = |item: Option<&toml_edit::Item>, key: &str| {
        item.and_then(toml_edit::Item::as_table_like)
            .and_then(|t| t.get(key))
            .map(from_toml)
    };
    let project = pyproject.get("project");
    let pdm = pyproject
        .get("tool")
        .and_then(toml_edit::Item::as_table_like)
        .and_then(|t| t.get("pdm"));
    let pdm_dev = get(pdm, "dev-dependencies");
    let dev = if merged {
        let mut groups = Map::new();
        if let Some(Value::Object(declared)) = get(Some(pyproject.as_item()), "dependency-groups") {
            for (name, deps) in declared {
                groups.insert(normalize_name(&name), deps);
            }
        }
        if let Some(Value::Object(declared)) = pdm_dev {
            for (name, deps) in declared {
                let entry = groups
                    .entry(normalize_name(&name))
                    .or_insert_with(|| Value::Array(vec![]));
                if let (Value::Array(list), Value::Array(more)) = (entry, deps) {
                    list.extend(more);
                }
            }
        }
        Value::Object(groups)
    } else {
        pdm_dev.unwrap_or_else(|| Value::Object(Map::new()))
    };
    let mut dump = Map::new();
    let or = |v: Option<Value>, default: Value| v.unwrap_or(default);
    dump.insert(
        "sources".to_owned(),
        or(get(pdm, "source"), Value::Array(vec![])),
    );
    dump.insert(
        "dependencies".to_owned(),
        or(get(project, "dependencies"), Value::Array(vec![])),
    );
    dump.insert("dev-dependencies".to_owned(), dev);
    dump.insert(
        "optional-dependencies".to_owned(),
        or(
            get(project, "optional-dependencies"),
            Value::Object(Map::new()),
        ),
    );
    dump.insert(
        "requires-python".to_owned(),
        or(
            get(project, "requires-python"),
            Value::String(String::new()),
        ),
    );
    dump.insert(
        "resolution".to_owned(),
        or(get(pdm, "resolution"), Value::Object(Map::new())),
    );
    hex::encode(Sha256::digest(dumps(&Value::Object(dump)).as_bytes()))
}
