//! Turning pip's resolutions into a [`PyLock`]: one `[[packages]]` entry per
//! package of the full resolution, with the artifact pip chose, its hashes,
//! and a marker naming the groups that need it.
//!
//! Attribution: the full resolution (requirements, every group, every
//! extra) is the lock; which part needs which package is [`Parts`], read
//! from that one resolution's dependency graph (`super::parts`), or found
//! by resolving each part apart with the full one's pins as constraints.
//! A package the requirements need gets no marker; any other gets
//! `'a' in dependency_groups or 'x' in extras` for the groups and extras
//! that need it (PEP 751's set-valued marker variables), so a
//! sync installs it only when one of them is selected. Invariant: the same
//! resolutions give the same lock (packages sorted by normalized name,
//! groups and extras sorted), and every
//! archive carries a sha256 — from pip, or computed from the local file —
//! and the lock passes the check every lock read passes (`super::check`).
//! No URL keeps its userinfo (`super::auth`): a lock is committed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::model::{Archive, Artifact, Directory, LOCK_VERSION, Package, PyLock, Vcs};
use super::parts::Parts;
use super::report::{Resolution, Resolved, Source};
use super::{LockError, normalize_name};

/// What a lock is written from, beside pip's resolutions.
#[derive(Debug, Clone)]
pub(crate) struct LockContext {
    /// The directory the lock is written into (paths are relative to it).
    pub(crate) lock_dir: PathBuf,
    /// Files inside it are recorded by relative path; others absolutely.
    pub(crate) project_root: PathBuf,
    /// The project's `requires-python`, when it has one.
    pub(crate) requires_python: Option<String>,
    /// Every group of the project.
    pub(crate) groups: Vec<String>,
    /// The project's `default-groups`.
    pub(crate) default_groups: Vec<String>,
    /// Every extra of the project (normalized).
    pub(crate) extras: Vec<String>,
    /// What the lock is made from, recorded in `[tool.penv]` with its hash.
    pub(crate) inputs: super::inputs::Inputs,
}

/// The lock for `full`, each package marked by the `parts` that need it.
pub(crate) fn build(
    full: &Resolution,
    parts: &Parts,
    context: &LockContext,
) -> Result<PyLock, LockError> {
    let mut packages = Vec::with_capacity(full.packages.len());
    for resolved in &full.packages {
        let name = normalize_name(&resolved.name);
        let marker = parts.marker(&name);
        packages.push(package(resolved, name, marker, context)?);
    }
    packages.sort_by(|a, b| a.name.cmp(&b.name));
    let mut groups = context.groups.clone();
    groups.sort();
    let mut extras = context.extras.clone();
    extras.sort();
    let mut tool = BTreeMap::new();
    tool.insert(
        "penv".to_owned(),
        super::inputs::tool_table(&context.inputs),
    );
    let lock = PyLock {
        lock_version: LOCK_VERSION.to_owned(),
        environments: Some(vec![environment_marker(&full.environment)]),
        requires_python: context.requires_python.clone().or_else(|| {
            let version = full.environment.get("python_version")?;
            Some(format!("=={version}.*"))
        }),
        extras,
        dependency_groups: groups,
        default_groups: context.default_groups.clone(),
        created_by: "penv".to_owned(),
        packages,
        tool,
    };
    // What penv writes, it must read back (`lock::parse` checks the same):
    // a file pip resolved to that fails the check is not written at all.
    super::check::check(&lock, &context.lock_dir).map_err(|problem| LockError::Unsupported {
        requirement: problem.name.clone(),
        why: format!(
            "its `{}` {}, which penv would refuse to read back from the lock",
            problem.field(),
            problem.why
        ),
    })?;
    Ok(lock)
}

/// The one environment pip resolved for, as a PEP 508 marker.
pub(crate) fn environment_marker(environment: &BTreeMap<String, String>) -> String {
    [
        "python_full_version",
        "implementation_name",
        "sys_platform",
        "platform_machine",
    ]
    .iter()
    .filter_map(|key| {
        let value = environment.get(*key)?;
        Some(format!("{key} == '{}'", value.replace('\'', "")))
    })
    .collect::<Vec<_>>()
    .join(" and ")
}

fn package(
    resolved: &Resolved,
    name: String,
    marker: Option<String>,
    context: &LockContext,
) -> Result<Package, LockError> {
    let mut package = Package {
        name,
        version: Some(resolved.version.clone()),
        marker,
        requires_python: resolved.requires_python.clone(),
        dependencies: Vec::new(),
        index: None,
        vcs: None,
        directory: None,
        archive: None,
        sdist: None,
        wheels: Vec::new(),
        attestation_identities: Vec::new(),
        tool: BTreeMap::new(),
    };
    let local = local_path(&resolved.url);
    match &resolved.source {
        Source::Vcs {
            vcs,
            commit_id,
            requested_revision,
        } => {
            package.version = None;
            let (url, path) = match &local {
                Some(p) => (None, Some(shown(p, context))),
                None => (Some(super::auth::without_userinfo(&resolved.url)), None),
            };
            package.vcs = Some(Vcs {
                kind: vcs.clone(),
                url,
                path,
                requested_revision: requested_revision.clone(),
                commit_id: commit_id.clone(),
                subdirectory: None,
            });
        }
        Source::Directory { editable } => {
            let Some(dir) = &local else {
                return Err(LockError::Unsupported {
                    requirement: resolved.name.clone(),
                    why: format!(
                        "pip names it as a directory at `{}`, which is not a local path",
                        resolved.url
                    ),
                });
            };
            package.version = None;
            package.directory = Some(Directory {
                path: shown(dir, context),
                editable: editable.then_some(true),
                subdirectory: None,
            });
        }
        Source::Archive { hashes } => {
            let hashes = if hashes.contains_key("sha256") {
                hashes.clone()
            } else if let Some(file) = &local {
                let mut computed = hashes.clone();
                computed.insert("sha256".to_owned(), sha256_of(file)?);
                computed
            } else {
                return Err(LockError::NoHash {
                    name: resolved.name.clone(),
                    url: crate::credentials::redact_url(&resolved.url),
                });
            };
            let (url, path) = match &local {
                Some(p) => (None, Some(shown(p, context))),
                None => (Some(super::auth::without_userinfo(&resolved.url)), None),
            };
            if resolved.is_direct {
                package.archive = Some(Archive {
                    url,
                    path,
                    size: None,
                    upload_time: None,
                    hashes,
                    subdirectory: None,
                });
            } else {
                let artifact = Artifact {
                    name: None,
                    upload_time: None,
                    url,
                    path,
                    size: None,
                    hashes,
                };
                let is_wheel = artifact
                    .file_name()
                    .is_some_and(|n| n.to_ascii_lowercase().ends_with(".whl"));
                if is_wheel {
                    package.wheels.push(artifact);
                } else {
                    package.sdist = Some(artifact);
                }
            }
        }
    }
    Ok(package)
}

/// The local path of a `file:` URL, percent-decoded.
pub(crate) fn local_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("file://")?;
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    let rest = rest.split(['#', '?']).next().unwrap_or(rest);
    let decoded = percent_encoding::percent_decode_str(rest)
        .decode_utf8()
        .ok()?;
    Some(PathBuf::from(decoded.as_ref()))
}

/// `path` as the lock records it: relative to the lock's directory when
/// inside the project, else absolute; `/` separators.
fn shown(path: &Path, context: &LockContext) -> String {
    let shown = if path.starts_with(&context.project_root) {
        relative_to(path, &context.lock_dir)
    } else {
        path.to_owned()
    };
    let text = shown.to_string_lossy().replace('\\', "/");
    if text.is_empty() {
        ".".to_owned()
    } else {
        text
    }
}

/// `path` relative to `dir` (both absolute), with `..` where needed.
fn relative_to(path: &Path, dir: &Path) -> PathBuf {
    let path: Vec<_> = path.components().collect();
    let dir: Vec<_> = dir.components().collect();
    let common = path.iter().zip(&dir).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..dir.len() {
        out.push("..");
    }
    for part in &path[common..] {
        out.push(part);
    }
    out
}

/// The sha256 of a local file, hex.
fn sha256_of(path: &Path) -> Result<String, LockError> {
    let bytes = crate::fs::read(path)?;
    Ok(hex::encode(Sha256::digest(&bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn resolved(name: &str, url: &str, source: Source) -> Resolved {
        Resolved {
            name: name.to_owned(),
            version: "1.0".to_owned(),
            requires_python: None,
            is_direct: false,
            requested: false,
            url: url.to_owned(),
            source,
            requires_dist: Vec::new(),
            provides_extra: Vec::new(),
        }
    }

    fn sha(digest: &str) -> Source {
        Source::Archive {
            hashes: BTreeMap::from([("sha256".to_owned(), digest.to_owned())]),
        }
    }

    fn context() -> LockContext {
        LockContext {
            lock_dir: PathBuf::from("/p"),
            project_root: PathBuf::from("/p"),
            requires_python: None,
            groups: vec!["test".into(), "dev".into()],
            default_groups: vec!["dev".into()],
            extras: vec!["cli".into()],
            inputs: super::super::inputs::tests::example(),
        }
    }

    #[test]
    fn packages_are_sorted_marked_by_group_and_paths_relative() {
        let full = Resolution {
            environment: BTreeMap::from([
                ("python_full_version".to_owned(), "3.11.7".to_owned()),
                ("python_version".to_owned(), "3.11".to_owned()),
                ("sys_platform".to_owned(), "linux".to_owned()),
            ]),
            packages: vec![
                resolved(
                    "Zed_Pkg",
                    "file:///p/wheels/zed_pkg-1.0-py3-none-any.whl",
                    sha(&"a".repeat(64)),
                ),
                resolved(
                    "base",
                    "https://files/base-1.0.tar.gz",
                    sha(&"b".repeat(64)),
                ),
                resolved(
                    "both",
                    "file:///elsewhere/both-1.0-py3-none-any.whl",
                    sha(&"c".repeat(64)),
                ),
            ],
        };
        let parts = Parts {
            base: BTreeSet::from(["base".to_owned()]),
            groups: BTreeMap::from([
                (
                    "dev".to_owned(),
                    BTreeSet::from(["zed-pkg".to_owned(), "both".to_owned()]),
                ),
                ("test".to_owned(), BTreeSet::from(["both".to_owned()])),
            ]),
            extras: BTreeMap::from([("cli".to_owned(), BTreeSet::from(["both".to_owned()]))]),
        };
        let lock = build(&full, &parts, &context()).unwrap();
        let names: Vec<&str> = lock.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["base", "both", "zed-pkg"]);
        assert_eq!(lock.packages[0].marker, None);
        assert_eq!(
            lock.packages[0].sdist.as_ref().unwrap().url.as_deref(),
            Some("https://files/base-1.0.tar.gz")
        );
        assert_eq!(
            lock.packages[1].marker.as_deref(),
            Some("'dev' in dependency_groups or 'test' in dependency_groups or 'cli' in extras")
        );
        assert_eq!(
            lock.packages[1].wheels[0].path.as_deref(),
            Some("/elsewhere/both-1.0-py3-none-any.whl")
        );
        assert_eq!(
            lock.packages[2].wheels[0].path.as_deref(),
            Some("wheels/zed_pkg-1.0-py3-none-any.whl")
        );
        assert_eq!(lock.dependency_groups, ["dev", "test"]);
        assert_eq!(lock.extras, ["cli"]);
        assert_eq!(lock.requires_python.as_deref(), Some("==3.11.*"));
        assert_eq!(
            lock.environments.unwrap(),
            ["python_full_version == '3.11.7' and sys_platform == 'linux'"]
        );
    }

    #[test]
    fn a_remote_file_without_a_hash_is_refused() {
        let full = Resolution {
            environment: BTreeMap::new(),
            packages: vec![resolved(
                "x",
                "https://h/x-1.0.tar.gz",
                Source::Archive {
                    hashes: BTreeMap::new(),
                },
            )],
        };
        let err = build(&full, &Parts::default(), &context()).unwrap_err();
        assert!(matches!(err, LockError::NoHash { .. }), "{err:?}");
    }

    #[test]
    fn a_file_penv_would_refuse_to_read_back_is_not_locked() {
        let full = Resolution {
            environment: BTreeMap::new(),
            packages: vec![resolved(
                "x",
                "https://h/x-2.0-py3-none-any.whl",
                sha(&"a".repeat(64)),
            )],
        };
        let err = build(&full, &Parts::default(), &context()).unwrap_err();
        assert!(
            matches!(&err, LockError::Unsupported { requirement, why } if requirement == "x" && why.contains("version 2.0, not the entry's 1.0")),
            "{err:?}"
        );
    }

    #[test]
    fn credentials_in_urls_stay_out_of_the_lock() {
        let full = Resolution {
            environment: BTreeMap::new(),
            packages: vec![
                resolved(
                    "x",
                    "https://alice:s3cret@host/x-1.0-py3-none-any.whl",
                    sha(&"a".repeat(64)),
                ),
                resolved(
                    "r",
                    "https://alice:s3cret@git.example/r.git",
                    Source::Vcs {
                        vcs: "git".into(),
                        commit_id: "c0ffee".repeat(8)[..40].into(),
                        requested_revision: None,
                    },
                ),
            ],
        };
        let lock = build(&full, &Parts::default(), &context()).unwrap();
        let url = lock.packages[1].wheels[0].url.as_deref().unwrap();
        assert_eq!(url, "https://host/x-1.0-py3-none-any.whl");
        let vcs = lock.packages[0].vcs.as_ref().unwrap();
        assert_eq!(vcs.url.as_deref(), Some("https://git.example/r.git"));
        let text = super::super::write::render(&lock);
        assert!(
            !text.contains("alice") && !text.contains("s3cret"),
            "{text}"
        );
    }

    #[test]
    fn relative_paths_climb_out_of_the_lock_dir() {
        assert_eq!(
            relative_to(Path::new("/p/a/b.whl"), Path::new("/p/c")),
            PathBuf::from("../a/b.whl")
        );
        assert_eq!(
            local_path("file:///a%20b/c.whl"),
            Some(PathBuf::from("/a b/c.whl"))
        );
    }
}
