//! uv's `uv.lock` as serde types: what penv needs of it to install what
//! `uv sync --frozen` installs. The format is uv's own (`version = 1`,
//! documented at <https://docs.astral.sh/uv/concepts/projects/layout/>);
//! keys penv does not use are ignored.
//!
//! Invariant: nothing here reaches pip. `walk` turns the packages an env
//! needs into PEP 751 entries, which `check` then reads as untrusted as
//! any `pylock.toml`.

use std::collections::BTreeMap;

use serde::Deserialize;

/// The `version` of the uv.lock format penv reads.
pub(crate) const UV_LOCK_VERSION: u32 = 1;

/// A whole `uv.lock`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct UvLock {
    /// The Python versions the lock supports.
    #[serde(default)]
    pub(crate) requires_python: Option<String>,
    /// Every package of the resolution (all platforms, all groups).
    #[serde(default)]
    pub(crate) package: Vec<UvPackage>,
}

/// One `[[package]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct UvPackage {
    /// The name, as uv normalizes it.
    pub(crate) name: String,
    /// Absent for a dynamic-version local project.
    #[serde(default)]
    pub(crate) version: Option<String>,
    /// Where it comes from.
    pub(crate) source: Source,
    /// What it needs.
    #[serde(default)]
    pub(crate) dependencies: Vec<Dependency>,
    /// What each of its extras needs.
    #[serde(default)]
    pub(crate) optional_dependencies: BTreeMap<String, Vec<Dependency>>,
    /// What each of its dependency groups needs (the project's own).
    #[serde(default)]
    pub(crate) dev_dependencies: BTreeMap<String, Vec<Dependency>>,
    /// Its source distribution.
    #[serde(default)]
    pub(crate) sdist: Option<File>,
    /// Its wheels.
    #[serde(default)]
    pub(crate) wheels: Vec<File>,
    /// What a local project declared when uv locked it (for `--locked`).
    #[serde(default)]
    pub(crate) metadata: Option<Metadata>,
}

/// A `source = { … }` table: exactly one kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Source {
    /// An index URL, or a `find-links` directory relative to the lock.
    #[serde(default)]
    pub(crate) registry: Option<String>,
    /// A local project installed editable.
    #[serde(default)]
    pub(crate) editable: Option<String>,
    /// A local project installed from its directory.
    #[serde(default)]
    pub(crate) directory: Option<String>,
    /// A local project that is not installed (`package = false`).
    #[serde(default)]
    pub(crate) r#virtual: Option<String>,
    /// A local archive.
    #[serde(default)]
    pub(crate) path: Option<String>,
    /// `url?rev=…#commit`.
    #[serde(default)]
    pub(crate) git: Option<String>,
    /// A remote archive.
    #[serde(default)]
    pub(crate) url: Option<String>,
    /// Inside the archive or checkout.
    #[serde(default)]
    pub(crate) subdirectory: Option<String>,
}

/// One edge of the graph: `{ name = "x", marker = "…", extra = ["y"] }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Dependency {
    /// The package it names.
    pub(crate) name: String,
    /// Which version, when the lock has several of that name.
    #[serde(default)]
    pub(crate) version: Option<String>,
    /// Which source, when the lock has several of that name.
    #[serde(default)]
    pub(crate) source: Option<Source>,
    /// When the edge holds (PEP 508).
    #[serde(default)]
    pub(crate) marker: Option<String>,
    /// The extras of the package it turns on.
    #[serde(default)]
    pub(crate) extra: Vec<String>,
}

/// A wheel or sdist.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct File {
    /// A remote file.
    #[serde(default)]
    pub(crate) url: Option<String>,
    /// A local file, relative to the registry directory.
    #[serde(default)]
    pub(crate) path: Option<String>,
    /// `algorithm:hex`.
    #[serde(default)]
    pub(crate) hash: Option<String>,
    /// Its size in bytes.
    #[serde(default)]
    pub(crate) size: Option<u64>,
}

/// `[package.metadata]` of a local project.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Metadata {
    /// `[project] dependencies` and optional dependencies (marked `extra == 'x'`).
    #[serde(default)]
    pub(crate) requires_dist: Vec<Requirement>,
    /// The dependency groups (includes expanded), by name.
    #[serde(default)]
    pub(crate) requires_dev: BTreeMap<String, Vec<Requirement>>,
    /// The extras the project declares.
    #[serde(default)]
    pub(crate) provides_extras: Vec<String>,
}

/// A requirement as uv records it in `[package.metadata]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Requirement {
    /// The package.
    pub(crate) name: String,
    /// Its extras.
    #[serde(default)]
    pub(crate) extras: Vec<String>,
    /// A version specifier, as written.
    #[serde(default)]
    pub(crate) specifier: Option<String>,
    /// A PEP 508 marker.
    #[serde(default)]
    pub(crate) marker: Option<String>,
    /// A direct reference (`url`, `path`, `git`, `editable`, `directory`).
    #[serde(default)]
    pub(crate) url: Option<String>,
    #[serde(default)]
    pub(crate) path: Option<String>,
    #[serde(default)]
    pub(crate) git: Option<String>,
    #[serde(default)]
    pub(crate) editable: Option<String>,
    #[serde(default)]
    pub(crate) directory: Option<String>,
}
