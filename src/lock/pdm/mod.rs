//! PDM's `pdm.lock`, read without PDM: each `[[package]]` (its `files` by
//! name or URL and sha256, its `dependencies` as PEP 508 strings, an entry
//! per extras a package is locked with) read into the shape of a
//! `poetry.lock` and installed by the same walk (`lock::poetry`): from the
//! project's requirements, along the edges whose markers hold for the
//! interpreter. Whether it is still the lock of `pyproject.toml` is PDM's
//! own rule (`fresh`).
//!
//! Invariant: a `pdm.lock` is data from a pull request like any lock: what
//! reaches pip of it is what `check` passed, rendered by `fields`.

pub(crate) mod fresh;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::lock::LockFileError;
use crate::lock::normalize_name;
use crate::lock::poetry::model::{
    Constraint, Constraints, FileEntry, Metadata, PoetryLock, PoetryPackage, Source,
};
use crate::lock::uv::{error, parse_toml};

/// PDM's lock file, beside `pyproject.toml`.
pub(crate) const PDM_LOCK_FILE_NAME: &str = "pdm.lock";

/// A whole `pdm.lock` (lock versions 4.x).
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct PdmLock {
    /// Every package, and one entry per extras set a package is locked with.
    #[serde(default)]
    pub(crate) package: Vec<PdmPackage>,
    /// The lock's own facts.
    #[serde(default)]
    pub(crate) metadata: PdmMetadata,
}

/// `[metadata]`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct PdmMetadata {
    /// `4.5.0`.
    #[serde(default)]
    pub(crate) lock_version: Option<String>,
    /// `sha256:hex` of the project's relevant sections (`fresh`).
    #[serde(default)]
    pub(crate) content_hash: Option<String>,
    /// The groups and extras locked (`default`: the project's dependencies).
    #[serde(default)]
    pub(crate) groups: Option<Vec<String>>,
}

/// One `[[package]]`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct PdmPackage {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) version: Option<String>,
    /// The extras this entry locks (its `dependencies` are theirs, with the
    /// package itself).
    #[serde(default)]
    pub(crate) extras: Vec<String>,
    #[serde(default)]
    pub(crate) requires_python: Option<String>,
    /// PEP 508 strings.
    #[serde(default)]
    pub(crate) dependencies: Vec<String>,
    #[serde(default)]
    pub(crate) files: Vec<FileEntry>,
    /// A local project or archive, relative to the project.
    #[serde(default)]
    pub(crate) path: Option<String>,
    /// A remote archive.
    #[serde(default)]
    pub(crate) url: Option<String>,
    /// A git repository, at `revision`.
    #[serde(default)]
    pub(crate) git: Option<String>,
    #[serde(default)]
    pub(crate) revision: Option<String>,
    #[serde(default, rename = "ref")]
    pub(crate) reference: Option<String>,
    #[serde(default)]
    pub(crate) subdirectory: Option<String>,
}

/// Parses the text of a `pdm.lock` read from `path` (named in errors),
/// with its content hash, into the shape `lock::poetry` walks.
pub(crate) fn parse(
    text: &str,
    path: &Path,
) -> Result<(PoetryLock, Option<String>), LockFileError> {
    let lock: PdmLock = parse_toml(text, path)?;
    if let Some(version) = &lock.metadata.lock_version
        && !version.starts_with("4.")
    {
        return Err(error(
            path,
            text,
            0..0,
            format!(
                "`lock_version = \"{}\"`: penv reads PDM's lock version 4",
                crate::lock::fields::shown(version)
            ),
        ));
    }
    let hash = lock.metadata.content_hash.clone();
    Ok((as_poetry(&lock), hash))
}

/// The lock in `lock::poetry`'s shape: one package per name and version,
/// its extras entries' dependencies as its extras.
fn as_poetry(lock: &PdmLock) -> PoetryLock {
    let mut out = PoetryLock {
        package: Vec::new(),
        metadata: Metadata {
            locked_groups: lock.metadata.groups.clone(),
            ..Metadata::default()
        },
    };
    for (at, entry) in lock.package.iter().enumerate() {
        if !entry.extras.is_empty() {
            continue;
        }
        let name = normalize_name(&entry.name);
        let mut extras = BTreeMap::new();
        for other in lock.package.iter().filter(|o| {
            !o.extras.is_empty() && normalize_name(&o.name) == name && o.version == entry.version
        }) {
            let deps: Vec<String> = other
                .dependencies
                .iter()
                .filter(|d| crate::requirement::package_name(d).as_deref() != Some(&name))
                .cloned()
                .collect();
            for extra in &other.extras {
                extras
                    .entry(extra.clone())
                    .or_insert_with(Vec::new)
                    .extend(deps.iter().cloned());
            }
        }
        out.package.push(PoetryPackage {
            name: entry.name.clone(),
            version: entry.version.clone().unwrap_or_default(),
            python_versions: entry.requires_python.clone(),
            files: entry.files.clone(),
            dependencies: dependencies(&entry.dependencies),
            extras,
            source: source(entry),
            at,
        });
    }
    out
}

/// `["idna>=2.8", "x; python_version < \"3.11\""]` by name, as Poetry's
/// constraint tables (a string that is no requirement is left for the
/// walk's error: it names no package then).
fn dependencies(strings: &[String]) -> BTreeMap<String, Constraints> {
    let mut out: BTreeMap<String, Vec<Constraint>> = BTreeMap::new();
    for text in strings {
        let Ok(req) = crate::requirement::parse_whole(text) else {
            continue;
        };
        let version = match &req.version_or_url {
            Some(pep508_rs::VersionOrUrl::VersionSpecifier(s)) => Some(s.to_string()),
            _ => None,
        };
        out.entry(req.name.to_string())
            .or_default()
            .push(Constraint {
                version,
                markers: req.marker.try_to_string(),
                optional: false,
                extras: req.extras.iter().map(ToString::to_string).collect(),
                python: None,
                platform: None,
            });
    }
    out.into_iter()
        .map(|(name, cs)| (name, Constraints::Several(cs)))
        .collect()
}

/// Where a package comes from when not an index.
fn source(entry: &PdmPackage) -> Option<Source> {
    let (kind, url) = if let Some(git) = &entry.git {
        ("git", git.clone())
    } else if let Some(url) = &entry.url {
        ("url", url.clone())
    } else if let Some(path) = &entry.path {
        let archive = [".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz"]
            .iter()
            .any(|ext| path.ends_with(ext));
        (if archive { "file" } else { "directory" }, path.clone())
    } else {
        return None;
    };
    Some(Source {
        kind: kind.to_owned(),
        url: Some(url),
        resolved_reference: entry.revision.clone(),
        reference: entry.reference.clone(),
        subdirectory: entry.subdirectory.clone(),
    })
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
