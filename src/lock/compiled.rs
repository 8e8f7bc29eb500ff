//! uv's resolution for `penv lock` with `installer = "uv"`: the
//! `pylock.toml` that `uv pip compile --format pylock.toml` writes for one
//! interpreter, read into the [`Resolution`] pip's report would give, so the
//! lock is built from it exactly as from pip's (`super::build`).
//!
//! uv lists every file of a package the interpreter can install (each
//! compatible wheel, and the sdist); the one taken is the one an install
//! takes — the wheel whose tags rank best for the interpreter
//! (`super::tags`), else the sdist — as pip chooses, so a lock made with uv
//! has the shape, and the files, of one made with pip. Invariant: every
//! package of uv's file is in the resolution or the reading fails naming
//! it; nothing is guessed (uv's file was checked as every lock read is,
//! `super::parse`).

use std::collections::BTreeMap;
use std::path::Path;

use super::LockError;
use super::fields::file_url;
use super::model::{Artifact, Package, PyLock};
use super::report::{Resolution, Resolved, Source};
use super::tags::best_wheel;

/// The resolution uv wrote as `lock` (read from `lock_dir`, which its
/// relative paths are relative to), for an interpreter with these wheel
/// `tags` (best first; and whether they are its own, or only assumed) and
/// marker `environment`.
pub(crate) fn resolution(
    lock: &PyLock,
    lock_dir: &Path,
    tags: (&[String], bool),
    environment: BTreeMap<String, String>,
) -> Result<Resolution, LockError> {
    let packages = lock
        .packages
        .iter()
        .map(|p| resolved(p, lock_dir, tags))
        .collect::<Result<_, _>>()?;
    Ok(Resolution {
        environment,
        packages,
    })
}

fn resolved(
    package: &Package,
    lock_dir: &Path,
    tags: (&[String], bool),
) -> Result<Resolved, LockError> {
    let location = |url: &Option<String>, path: &Option<String>| match (url, path) {
        (Some(url), _) => Some(url.clone()),
        (None, Some(path)) => Some(file_url(&lock_dir.join(path))),
        (None, None) => None,
    };
    let unsupported = |why: &str| LockError::Unsupported {
        requirement: package.name.clone(),
        why: format!("uv's resolution {why}"),
    };
    let subdirectory = package
        .vcs
        .as_ref()
        .and_then(|v| v.subdirectory.clone())
        .or_else(|| {
            package
                .directory
                .as_ref()
                .and_then(|d| d.subdirectory.clone())
        })
        .or_else(|| {
            package
                .archive
                .as_ref()
                .and_then(|a| a.subdirectory.clone())
        });
    let (url, source, is_direct) = if let Some(dir) = &package.directory {
        let url = file_url(&lock_dir.join(&dir.path));
        let editable = dir.editable.unwrap_or(false);
        (url, Source::Directory { editable }, true)
    } else if let Some(vcs) = &package.vcs {
        let url = location(&vcs.url, &vcs.path)
            .ok_or_else(|| unsupported("names a checkout without a URL or path"))?;
        let source = Source::Vcs {
            vcs: vcs.kind.clone(),
            commit_id: vcs.commit_id.clone(),
            requested_revision: vcs.requested_revision.clone(),
        };
        (url, source, true)
    } else if let Some(archive) = &package.archive {
        let url = location(&archive.url, &archive.path)
            .ok_or_else(|| unsupported("names an archive without a URL or path"))?;
        let hashes = archive.hashes.clone();
        (url, Source::Archive { hashes }, true)
    } else {
        let file = chosen(package, tags).ok_or_else(|| {
            unsupported(
                "has no file of it this interpreter installs (no wheel of its tags, no sdist)",
            )
        })?;
        let url = location(&file.url, &file.path)
            .ok_or_else(|| unsupported("names a file without a URL or path"))?;
        let hashes = file.hashes.clone();
        (url, Source::Archive { hashes }, false)
    };
    let version = match (&package.version, &source) {
        (Some(version), _) => version.clone(),
        // A directory or a checkout: its version is what its tree builds,
        // which neither pip's lock nor uv's records.
        (None, Source::Directory { .. } | Source::Vcs { .. }) => String::new(),
        (None, Source::Archive { .. }) => return Err(unsupported("gives no version")),
    };
    Ok(Resolved {
        name: package.name.clone(),
        version,
        requires_python: package.requires_python.clone(),
        is_direct,
        requested: false,
        url,
        source,
        requires_dist: Vec::new(),
        provides_extra: Vec::new(),
        subdirectory,
    })
}

/// The file an install of `package` takes: the best wheel for `tags`
/// (`super::tags::best_wheel`, as a sync of the lock chooses), else —
/// `tags` only assumed, the interpreter's `packaging` could not say — the
/// first wheel uv lists (it lists only those the interpreter installs),
/// else the sdist.
fn chosen<'a>(package: &'a Package, (tags, known): (&[String], bool)) -> Option<&'a Artifact> {
    best_wheel(&package.wheels, tags)
        .or_else(|| (!known).then(|| package.wheels.first()).flatten())
        .or(package.sdist.as_ref())
}

#[cfg(test)]
mod tests {
    use super::super::tags::build_tag;
    use super::*;

    const UV: &str = r#"
lock-version = "1.0"
created-by = "uv"
requires-python = ">=3.11.7"

[[packages]]
name = "charset-normalizer"
version = "3.5.2"
sdist = { url = "https://files.pythonhosted.org/packages/33/1c/charset_normalizer-3.5.2.tar.gz", hashes = { sha256 = "1111111111111111111111111111111111111111111111111111111111111111" } }
wheels = [
    { url = "https://files.pythonhosted.org/packages/e4/ed/charset_normalizer-3.5.2-cp311-cp311-manylinux_2_17_x86_64.whl", hashes = { sha256 = "2222222222222222222222222222222222222222222222222222222222222222" } },
    { url = "https://files.pythonhosted.org/packages/fc/ad/charset_normalizer-3.5.2-py3-none-any.whl", hashes = { sha256 = "3333333333333333333333333333333333333333333333333333333333333333" } },
]

[[packages]]
name = "proj"
directory = { path = "../..", editable = true }

[[packages]]
name = "six"
version = "1.16.0"
wheels = [{ url = "file:///w/six-1.16.0-py2.py3-none-any.whl", hashes = { sha256 = "4444444444444444444444444444444444444444444444444444444444444444" } }]

[[packages]]
name = "tarred"
version = "2.0"
sdist = { path = "../../vendor/tarred-2.0.tar.gz", hashes = { sha256 = "5555555555555555555555555555555555555555555555555555555555555555" } }

[[packages]]
name = "direct"
version = "1.0"
archive = { url = "https://example.org/direct-1.0-py3-none-any.whl", hashes = { sha256 = "6666666666666666666666666666666666666666666666666666666666666666" } }
"#;

    fn read() -> PyLock {
        super::super::parse(UV, Path::new("/p/.penv/lock-.venv/pylock.toml")).unwrap()
    }

    fn by_name<'a>(r: &'a Resolution, name: &str) -> &'a Resolved {
        r.packages.iter().find(|p| p.name == name).unwrap()
    }

    #[test]
    fn each_package_is_the_file_an_install_takes() {
        let tags: Vec<String> = [
            "cp311-cp311-manylinux_2_17_x86_64",
            "py3-none-any",
            "py2-none-any",
        ]
        .map(String::from)
        .to_vec();
        let env = BTreeMap::from([("python_full_version".to_owned(), "3.11.7".to_owned())]);
        let dir = Path::new("/p/.penv/lock-.venv");
        let r = resolution(&read(), dir, (&tags, true), env.clone()).unwrap();
        assert_eq!(r.environment, env);
        assert_eq!(r.packages.len(), 5);
        let cn = by_name(&r, "charset-normalizer");
        assert!(
            cn.url.ends_with("cp311-cp311-manylinux_2_17_x86_64.whl"),
            "{}",
            cn.url
        );
        assert!(!cn.is_direct);
        assert_eq!(
            cn.source,
            Source::Archive {
                hashes: BTreeMap::from([("sha256".to_owned(), "2".repeat(64))])
            }
        );
        let proj = by_name(&r, "proj");
        assert_eq!(proj.url, "file:///p");
        assert_eq!(proj.source, Source::Directory { editable: true });
        assert!(proj.is_direct && proj.version.is_empty());
        assert_eq!(
            by_name(&r, "six").url,
            "file:///w/six-1.16.0-py2.py3-none-any.whl"
        );
        assert_eq!(
            by_name(&r, "tarred").url,
            "file:///p/vendor/tarred-2.0.tar.gz"
        );
        let direct = by_name(&r, "direct");
        assert!(direct.is_direct);
        assert_eq!(
            direct.url,
            "https://example.org/direct-1.0-py3-none-any.whl"
        );
        // Another interpreter's tags: the pure-Python wheel.
        let py3 = ["py3-none-any".to_owned()];
        let r = resolution(&read(), dir, (&py3, true), BTreeMap::new()).unwrap();
        assert!(
            by_name(&r, "charset-normalizer")
                .url
                .ends_with("py3-none-any.whl")
        );
        // Tags unknown (only pure-Python ones assumed): a pure-Python
        // wheel, else the sdist.
        let assumed = ["py3-none-any".to_owned(), "py2.py3-none-any".to_owned()];
        let r = resolution(&read(), dir, (&assumed, false), BTreeMap::new()).unwrap();
        assert!(
            by_name(&r, "charset-normalizer")
                .url
                .ends_with("py3-none-any.whl")
        );
        assert!(by_name(&r, "tarred").url.ends_with(".tar.gz"));
    }

    #[test]
    fn among_equal_tags_the_highest_build_is_taken() {
        let wheel = |name: &str| Artifact {
            name: None,
            upload_time: None,
            url: Some(format!("https://f/{name}")),
            path: None,
            size: None,
            hashes: BTreeMap::from([("sha256".to_owned(), "1".repeat(64))]),
        };
        let package = Package {
            wheels: vec![
                wheel("bld-1.0-1-py3-none-any.whl"),
                wheel("bld-1.0-10-py3-none-any.whl"),
                wheel("bld-1.0-2-py3-none-any.whl"),
                wheel("bld-1.0-py3-none-any.whl"),
            ],
            sdist: None,
            ..read().packages[0].clone()
        };
        let tags = ["py3-none-any".to_owned()];
        let file = chosen(&package, (&tags, true)).unwrap();
        assert_eq!(file.file_name(), Some("bld-1.0-10-py3-none-any.whl"));
        assert_eq!(
            build_tag("a-1-2b-py3-none-any.whl"),
            Some((2, "b".to_owned()))
        );
        assert_eq!(build_tag("a-1-py3-none-any.whl"), None);
    }

    #[test]
    fn a_package_without_an_installable_file_is_named() {
        let tags = ["cp39-cp39-win_amd64".to_owned()];
        let lock = read();
        let only_platform = PyLock {
            packages: vec![Package {
                sdist: None,
                ..lock.packages[0].clone()
            }],
            ..lock
        };
        let err = resolution(
            &only_platform,
            Path::new("/p"),
            (&tags, true),
            BTreeMap::new(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("charset-normalizer"), "{err}");
    }
}
