//! Poetry's `poetry.lock` as serde types: what penv needs of it to install
//! what `poetry install` installs. The format is Poetry's own (`[metadata]
//! lock-version` 1.1 to 2.1; a package's `files` are in `[metadata.files]`
//! before 2.0); keys penv does not use are ignored.
//!
//! Invariant: nothing here reaches pip. `walk` turns the packages an env
//! needs into PEP 751 entries, which `check` then reads as untrusted as
//! any `pylock.toml`.

use std::collections::BTreeMap;

use serde::Deserialize;

/// A whole `poetry.lock` (or a `pdm.lock`, read into the same shape by
/// `lock::pdm`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct PoetryLock {
    /// Every package of the resolution (all platforms, all groups).
    #[serde(default)]
    pub(crate) package: Vec<PoetryPackage>,
    /// The lock's own facts.
    #[serde(default)]
    pub(crate) metadata: Metadata,
}

/// `[metadata]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Metadata {
    /// `1.1`, `2.0`, `2.1`.
    #[serde(default)]
    pub(crate) lock_version: Option<String>,
    /// The project's `python` constraint, in Poetry's syntax.
    #[serde(default)]
    pub(crate) python_versions: Option<String>,
    /// sha256 of the project's relevant sections (`fresh`).
    #[serde(default)]
    pub(crate) content_hash: Option<String>,
    /// Each package's files, by name (lock versions before 2.0).
    #[serde(default)]
    pub(crate) files: BTreeMap<String, Vec<FileEntry>>,
    /// The groups and extras the lock covers, when it says (PDM's
    /// `[metadata] groups`, `default` for the project's dependencies).
    #[serde(skip)]
    pub(crate) locked_groups: Option<Vec<String>>,
}

/// One `[[package]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct PoetryPackage {
    /// The name, as the project or index spells it.
    pub(crate) name: String,
    /// The version locked.
    pub(crate) version: String,
    /// The Python versions it supports, in Poetry's syntax.
    #[serde(default)]
    pub(crate) python_versions: Option<String>,
    /// Its files (lock version 2.0 and later).
    #[serde(default)]
    pub(crate) files: Vec<FileEntry>,
    /// What it needs, by name.
    #[serde(default)]
    pub(crate) dependencies: BTreeMap<String, Constraints>,
    /// What each of its extras needs, as PEP 508-like strings
    /// (`"pytest (>=6)"`, `"tomli ; python_version < \"3.11\""`).
    #[serde(default)]
    pub(crate) extras: BTreeMap<String, Vec<String>>,
    /// Where it comes from when not an index (`git`, `url`, `file`,
    /// `directory`), or which index (`legacy`).
    #[serde(default)]
    pub(crate) source: Option<Source>,
    /// Which `[[package]]` of the lock's text it is (for errors).
    #[serde(skip)]
    pub(crate) at: usize,
}

/// `[package.source]` (its keys in snake case: `resolved_reference`).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Source {
    /// `legacy` (an index), `git`, `url`, `file`, `directory`.
    #[serde(rename = "type")]
    pub(crate) kind: String,
    /// The index, repository, archive or path.
    #[serde(default)]
    pub(crate) url: Option<String>,
    /// The commit a `git` source resolved to.
    #[serde(default)]
    pub(crate) resolved_reference: Option<String>,
    /// The branch, tag or revision asked for.
    #[serde(default)]
    pub(crate) reference: Option<String>,
    /// Inside the repository or archive.
    #[serde(default)]
    pub(crate) subdirectory: Option<String>,
}

/// A file: `{file = "x-1.0-py3-none-any.whl", hash = "sha256:…"}` (PDM's
/// `static_urls` locks: `{url = "https://…/x-1.0.tar.gz", hash = …}`).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct FileEntry {
    /// The file name (no URL: Poetry finds it on the index by name).
    #[serde(default)]
    pub(crate) file: Option<String>,
    /// Where it is, when the lock says.
    #[serde(default)]
    pub(crate) url: Option<String>,
    /// `algorithm:hex`.
    pub(crate) hash: String,
}

/// A dependency's constraints: `"^1.2"`, a table, or a list of tables (one
/// per marker range).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum Constraints {
    /// `name = ">=1.0"`.
    Version(String),
    /// `name = { version = "…", markers = "…" }`.
    One(Constraint),
    /// `name = [{ … }, { … }]`.
    Several(Vec<Constraint>),
}

impl Constraints {
    /// Each constraint, the short form as a table.
    pub(crate) fn each(&self) -> Vec<Constraint> {
        match self {
            Self::Version(v) => vec![Constraint {
                version: Some(v.clone()),
                ..Constraint::default()
            }],
            Self::One(c) => vec![c.clone()],
            Self::Several(cs) => cs.clone(),
        }
    }
}

/// One dependency table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Constraint {
    /// Poetry's version constraint.
    #[serde(default)]
    pub(crate) version: Option<String>,
    /// When it holds (PEP 508, with `extra == "x"` for an extra's).
    #[serde(default)]
    pub(crate) markers: Option<String>,
    /// Only through one of the package's extras.
    #[serde(default)]
    pub(crate) optional: bool,
    /// The extras of the dependency it turns on.
    #[serde(default)]
    pub(crate) extras: Vec<String>,
    /// A Python constraint (Poetry's syntax), older locks' form of a marker.
    #[serde(default)]
    pub(crate) python: Option<String>,
    /// A `sys_platform`, older locks' form of a marker.
    #[serde(default)]
    pub(crate) platform: Option<String>,
}
