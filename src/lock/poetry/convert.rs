//! One `poetry.lock` package as a PEP 751 `[[packages]]` entry. Poetry
//! records an index's files by name and sha256, without a URL (it finds
//! them on the index again), so such an entry is installed by name and
//! version from the project's index, each file's hash the only ones pip
//! accepts (`select` then writes `name==version --hash=…`); a `git`
//! source is a checkout at its resolved commit, a `directory` a local
//! project, a `url` or `file` an archive with the hash of its file.
//!
//! Invariant: nothing is made up: a file's name and hash are copied as
//! written, for `check` to judge; a package with neither files nor a
//! source penv knows is an error naming it.

use super::model::{FileEntry, Metadata, PoetryPackage};
use crate::lock::model::{Archive, Artifact, Directory, Hashes, Package, Vcs};
use crate::lock::uv::{bare, hashes};

/// The index a package without a `source` is from (`https://pypi.org/simple`).
const PYPI: &str = "https://pypi.org/simple";

/// The entry of `package` (`metadata` holds older locks' files).
pub(crate) fn package(package: &PoetryPackage, metadata: &Metadata) -> Result<Package, String> {
    let mut out = bare(&package.name, Some(package.version.clone()));
    // Lock 1.1 lists every locked version's files under the name: this
    // version's are those whose file name says so.
    let older: Vec<FileEntry>;
    let files: &[FileEntry] = if package.files.is_empty() {
        older = metadata
            .files
            .get(&package.name)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter(|f| f.file.as_deref().is_none_or(|n| of_version(n, package)))
            .cloned()
            .collect();
        &older
    } else {
        &package.files
    };
    let kind = package
        .source
        .as_ref()
        .map_or("legacy", |s| s.kind.as_str());
    let source_url = package.source.as_ref().and_then(|s| s.url.clone());
    match kind {
        "legacy" => {
            out.index = Some(source_url.unwrap_or_else(|| PYPI.to_owned()));
            for file in files {
                let artifact = Artifact {
                    name: file.file.clone().filter(|_| file.url.is_none()),
                    url: file.url.clone(),
                    path: None,
                    upload_time: None,
                    size: None,
                    hashes: hashes(&file.hash)?,
                };
                if artifact.file_name().is_some_and(|n| {
                    std::path::Path::new(n)
                        .extension()
                        .is_some_and(|e| e.eq_ignore_ascii_case("whl"))
                }) {
                    out.wheels.push(artifact);
                } else if out.sdist.is_none() {
                    out.sdist = Some(artifact);
                }
            }
        }
        "git" => {
            let source = package.source.as_ref();
            out.vcs = Some(Vcs {
                kind: "git".to_owned(),
                url: source_url,
                path: None,
                requested_revision: source.and_then(|s| s.reference.clone()),
                subdirectory: source.and_then(|s| s.subdirectory.clone()),
                commit_id: source
                    .and_then(|s| s.resolved_reference.clone())
                    .ok_or_else(|| {
                        format!(
                            "package `{}`: its git source names no resolved commit",
                            crate::lock::fields::shown(&package.name)
                        )
                    })?,
            });
        }
        "directory" => {
            out.directory = Some(Directory {
                path: source_url.unwrap_or_default(),
                editable: Some(false),
                subdirectory: None,
            });
        }
        "url" | "file" => {
            let hashes = match files.first() {
                Some(file) => hashes(&file.hash)?,
                None => Hashes::new(),
            };
            let (url, path) = if kind == "url" {
                (source_url, None)
            } else {
                (None, source_url)
            };
            out.archive = Some(Archive {
                url,
                path,
                size: None,
                upload_time: None,
                hashes,
                subdirectory: package.source.as_ref().and_then(|s| s.subdirectory.clone()),
            });
        }
        other => {
            return Err(format!(
                "package `{}` has a source of type `{}`, which penv does not know",
                crate::lock::fields::shown(&package.name),
                crate::lock::fields::shown(other)
            ));
        }
    }
    Ok(out)
}

/// Whether the file `name` is not another version's file of `package`
/// (one that is not a file of its name at all is kept, for `check` to
/// refuse, naming it).
fn of_version(name: &str, package: &PoetryPackage) -> bool {
    use std::str::FromStr;
    let (Ok(ours), Ok(version)) = (
        pep508_rs::PackageName::from_str(&package.name),
        pep440_rs::Version::from_str(&package.version),
    ) else {
        return true;
    };
    let kind = if name.to_ascii_lowercase().ends_with(".whl") {
        crate::lock::filename::Kind::Wheel
    } else {
        crate::lock::filename::Kind::Sdist
    };
    let of_name = crate::lock::filename::check(name, kind, &ours, None).is_ok();
    !of_name || crate::lock::filename::check(name, kind, &ours, Some(&version)).is_ok()
}

/// The project itself, which `poetry.lock` does not list: a local
/// project at `.`, installed editable after the others (`--no-deps`).
pub(crate) fn own_project(name: &str) -> Package {
    let mut out = bare(name, None);
    out.directory = Some(Directory {
        path: ".".to_owned(),
        editable: Some(true),
        subdirectory: None,
    });
    out
}
