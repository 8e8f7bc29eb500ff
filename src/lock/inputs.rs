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
//! pins whatever appears there; `penv lock --upgrade` takes them).

use std::collections::BTreeMap;

use serde::Serialize;
use sha2::{Digest, Sha256};

/// Bumped when what is hashed changes.
const INPUTS_FORMAT: u32 = 1;

/// Everything a lock is made from, as plain values in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
    /// `[venv] pip-version` (or penv's default request).
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

/// The inputs hash a lock records, when it has one (`[tool.penv]`).
pub(crate) fn recorded_hash(lock: &super::model::PyLock) -> Option<&str> {
    lock.tool.get("penv")?.get("inputs-hash")?.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> Inputs {
        Inputs {
            requirements: vec!["tinypkg".into()],
            groups: BTreeMap::from([("dev".into(), vec!["otherpkg".into()])]),
            default_groups: vec![],
            requirement_files: vec![],
            pip: vec!["no-index".into()],
            local_projects: vec![],
            pip_version: Some(">=23.3".into()),
            interpreter: "cpython 3.11.7 linux x86_64".into(),
        }
    }

    #[test]
    fn every_field_moves_the_hash() {
        let base = example().hash();
        assert_eq!(base, example().hash());
        let changes: [fn(&mut Inputs); 6] = [
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
    fn the_recorded_hash_is_read_from_tool_penv() {
        let lock = super::super::model::parse(
            "lock-version = \"1.0\"\ncreated-by = \"penv\"\n[tool.penv]\ninputs-hash = \"ab\"\n",
            std::path::Path::new("p"),
        )
        .unwrap();
        assert_eq!(recorded_hash(&lock), Some("ab"));
    }
}
