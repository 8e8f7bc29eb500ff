//! One `uv.lock` package as a PEP 751 `[[packages]]` entry: its source
//! (an index's files, a local project, a checkout, an archive) and its
//! files' hashes, each value copied as written for `check` to judge.
//!
//! Invariant: nothing is made up. A file of a local `find-links`
//! directory, which uv records without a hash, gets the sha256 of its
//! bytes as they are (the directory is the project's own); a remote file
//! without a hash keeps none, and `check` refuses it.

use std::collections::BTreeMap;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::model::{File, Source, UvPackage};
use crate::lock::model::{Archive, Artifact, Directory, Hashes, Package, Vcs};

/// The entry of `package`, or `None` for a virtual project (not installed).
pub(crate) fn package(package: &UvPackage, lock_dir: &Path) -> Result<Option<Package>, String> {
    let mut out = bare(&package.name, package.version.clone());
    let source = &package.source;
    if source.r#virtual.is_some() {
        return Ok(None);
    }
    if let Some(registry) = &source.registry {
        let local = (!registry.contains("://")).then_some(registry.as_str());
        if local.is_none() {
            out.index = Some(registry.clone());
        }
        out.sdist = package
            .sdist
            .as_ref()
            .map(|f| artifact(f, local, lock_dir))
            .transpose()?;
        out.wheels = package
            .wheels
            .iter()
            .map(|f| artifact(f, local, lock_dir))
            .collect::<Result<_, _>>()?;
    } else if let Some(path) = source.editable.as_ref().or(source.directory.as_ref()) {
        out.directory = Some(Directory {
            path: path.clone(),
            editable: Some(source.editable.is_some()),
            subdirectory: None,
        });
    } else if let Some(git) = &source.git {
        out.vcs = Some(vcs(git, source)?);
    } else if source.url.is_some() || source.path.is_some() {
        let file = package.wheels.first().or(package.sdist.as_ref());
        let hashes = match file.and_then(|f| f.hash.as_deref()) {
            Some(hash) => hashes(hash)?,
            None => match &source.path {
                Some(path) => local_hash(&lock_dir.join(path)),
                None => Hashes::new(),
            },
        };
        out.archive = Some(Archive {
            url: source.url.clone(),
            path: source.path.clone(),
            size: file.and_then(|f| f.size),
            upload_time: None,
            hashes,
            subdirectory: source.subdirectory.clone(),
        });
    } else {
        return Err(format!(
            "package `{}` has a source penv does not know",
            crate::lock::fields::shown(&package.name)
        ));
    }
    Ok(Some(out))
}

/// A wheel or sdist; `local` is the `find-links` directory a relative
/// `path` is in (relative to the lock).
fn artifact(file: &File, local: Option<&str>, lock_dir: &Path) -> Result<Artifact, String> {
    let path = match (&file.path, local) {
        (Some(path), Some(dir)) => Some(format!("{}/{path}", dir.trim_end_matches('/'))),
        (path, _) => path.clone(),
    };
    let hashes = match (&file.hash, &path) {
        (Some(hash), _) => hashes(hash)?,
        (None, Some(path)) if file.url.is_none() => local_hash(&lock_dir.join(path)),
        (None, _) => Hashes::new(),
    };
    Ok(Artifact {
        name: None,
        url: file.url.clone(),
        path,
        upload_time: None,
        size: file.size,
        hashes,
    })
}

/// `sha256:hex` as PEP 751's `{ sha256 = "hex" }`.
pub(in crate::lock) fn hashes(hash: &str) -> Result<Hashes, String> {
    let Some((algorithm, hex)) = hash.split_once(':') else {
        return Err(format!(
            "the hash `{}` is not `algorithm:hex`",
            crate::lock::fields::shown(hash)
        ));
    };
    Ok(BTreeMap::from([(algorithm.to_owned(), hex.to_owned())]))
}

/// The sha256 of a local file, as it is now; none when it cannot be read
/// (then `check` says the file is missing).
fn local_hash(path: &Path) -> Hashes {
    match std::fs::read(path) {
        Ok(bytes) => BTreeMap::from([("sha256".to_owned(), hex::encode(Sha256::digest(bytes)))]),
        Err(_) => Hashes::new(),
    }
}

/// `https://host/repo?rev=main&subdirectory=x#commit` as a checkout.
fn vcs(git: &str, source: &Source) -> Result<Vcs, String> {
    let (rest, commit) = git.split_once('#').ok_or_else(|| {
        format!(
            "the git source `{}` names no commit",
            crate::lock::fields::shown(git)
        )
    })?;
    let (url, query) = rest.split_once('?').unwrap_or((rest, ""));
    let mut requested = None;
    let mut subdirectory = source.subdirectory.clone();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "rev" | "tag" | "branch" => requested = Some(value.to_owned()),
            "subdirectory" => subdirectory = Some(value.to_owned()),
            _ => {}
        }
    }
    Ok(Vcs {
        kind: "git".to_owned(),
        url: Some(url.to_owned()),
        path: None,
        requested_revision: requested,
        commit_id: commit.to_owned(),
        subdirectory,
    })
}

/// A PEP 751 entry with a name and maybe a version, and nothing else yet:
/// what a foreign lock's package is converted into.
pub(in crate::lock) fn bare(name: &str, version: Option<String>) -> Package {
    Package {
        name: name.to_owned(),
        version,
        marker: None,
        requires_python: None,
        dependencies: vec![],
        index: None,
        vcs: None,
        directory: None,
        archive: None,
        sdist: None,
        wheels: vec![],
        attestation_identities: vec![],
        tool: BTreeMap::new(),
    }
}
