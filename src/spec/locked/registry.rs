//! A lock's files that the project's own sources hold: installed by name
//! and version (`name==version --hash=…`), as a build from the project's
//! requirements installs them, rather than by URL (`name @ url`).
//!
//! Why: pip writes `direct_url.json` (PEP 610) for a requirement named by
//! URL, and not for one found on an index or in `find-links`; so an env
//! built from a lock's URLs differed by content from the same packages
//! built from requirements, and the first sync after `penv lock` rebuilt
//! every package (bakerydemo: 83 s), and `pip freeze` printed `name @ url`
//! for each. uv installs a lock's registry packages the same way.
//!
//! Invariant: the file pip takes by name and version is the lock's, byte
//! for byte: `--require-hashes` with the lock's hashes makes pip refuse any
//! other. An entry is rewritten only where pip is sure to find that file:
//! - the lock names the index it came from (`index`), and it is the
//!   project's `index-url` (`PyPI` when none is set and `no-index` is off)
//!   or one of its `extra-index-urls`; or the lock does not say, and the
//!   file is one of `PyPI`'s (`files.pythonhosted.org`, an index file, not
//!   an `archive`) and `PyPI` is searched;
//! - or it is a local file in one of the project's `find-links`
//!   directories that holds no other file of that name and version (pip
//!   reads no hash from a directory listing, so with two it could pick the
//!   other and fail the hash check).
//!
//! Anything else (another index, a URL or path elsewhere, an archive) stays
//! a direct reference.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use pep440_rs::Version;

use crate::lock::model::Package;
use crate::lock::select::Selected;
use crate::requirement::normalize_name;
use crate::spec::PipSpec;

/// pip's default index, when `index-url` is not set.
const PYPI: &str = "https://pypi.org/simple";

/// Marks `by_name` every file of `files` the project's sources (`pip`,
/// its relative `find-links` under `root`) hold, so it is installed by
/// name and version; `packages`, the lock's entries they were selected
/// from.
pub(super) fn by_name_where_found(
    files: &mut [Selected],
    packages: &[Package],
    pip: &PipSpec,
    root: &Path,
) {
    let indexes = indexes(pip);
    // pip reads no hash from a directory listing: with an index searched
    // too, it could prefer an index's file of that version to the local
    // one (and fail the hash check), so local files go by name only with
    // `no-index` and no remote `find-links`.
    let dirs = if pip.no_index && !has_remote_links(pip) {
        listings(&find_links_dirs(pip, root))
    } else {
        Vec::new()
    };
    for file in files.iter_mut() {
        if file.direct_url().is_none() || file.version.is_none() {
            continue;
        }
        let name = normalize_name(&file.name);
        let Some(version) = file.version.as_deref().and_then(parse_version) else {
            continue;
        };
        // The entry this file was selected from: a lock may hold several of
        // one name (for other markers, versions or indexes).
        let package = packages.iter().find(|p| {
            normalize_name(&p.name) == name
                && p.version.as_deref().and_then(parse_version) == Some(version.clone())
                && p.archive.is_none()
        });
        let on_index = match package.map(|p| p.index.as_deref()) {
            None => false,
            Some(Some(index)) => {
                indexes.contains(&same_form(index))
                    && crate::lock::auth::index_serves(index, &file.url)
            }
            // A lock that does not say (older penv locks, other tools'):
            // PyPI's own files, when PyPI is searched.
            Some(None) => {
                crate::lock::auth::index_serves(PYPI, &file.url)
                    && indexes.contains(&same_form(PYPI))
            }
        };
        file.by_name = on_index || in_find_links(file, &version, &dirs);
    }
}

/// The one index `pip` searches, without credentials, when there is one
/// and nothing else serves files (no `extra-index-urls`, no remote
/// `find-links`): where every file pip finds that is not local comes from.
pub(crate) fn the_one_index(pip: &PipSpec) -> Option<String> {
    match indexes(pip).as_slice() {
        [one] if !has_remote_links(pip) => Some(one.clone()),
        _ => None,
    }
}

/// A version as PEP 440 reads it (`1.0` is `1.0.0`).
fn parse_version(text: &str) -> Option<Version> {
    Version::from_str(text).ok()
}

/// Whether a `find-links` location is a URL (a page pip reads links from).
fn has_remote_links(pip: &PipSpec) -> bool {
    pip.find_links
        .iter()
        .any(|l| l.location.for_pip().contains("://"))
}

/// The indexes pip searches, in one comparable form.
fn indexes(pip: &PipSpec) -> Vec<String> {
    if pip.no_index {
        return Vec::new();
    }
    let main = pip
        .index_url
        .as_ref()
        .map_or_else(|| same_form(PYPI), |u| same_form(u.for_pip()));
    std::iter::once(main)
        .chain(pip.extra_index_urls.iter().map(|u| same_form(u.for_pip())))
        .collect()
}

/// A URL without its userinfo (credentials) or a trailing slash.
fn same_form(url: &str) -> String {
    let url = url.trim_end_matches('/');
    let Some(start) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let rest = &url[start..];
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    match authority.rfind('@') {
        Some(at) => format!("{}{}", &url[..start], &rest[at + 1..]),
        None => url.to_owned(),
    }
}

/// The local `find-links` directories, absolute.
fn find_links_dirs(pip: &PipSpec, root: &Path) -> Vec<PathBuf> {
    pip.find_links
        .iter()
        .map(|l| l.location.for_pip())
        .filter(|l| !l.contains("://"))
        .map(|l| crate::fs::normalize_lexically(&root.join(l)))
        .collect()
}

/// A `find-links` directory and its wheels and sdists: normalized name,
/// version, path of each.
type Listing = (PathBuf, Vec<(String, Version, PathBuf)>);

/// The listing of each directory of `dirs`, read once (not per locked file).
fn listings(dirs: &[PathBuf]) -> Vec<Listing> {
    dirs.iter()
        .map(|dir| {
            let files = std::fs::read_dir(dir)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
                .filter_map(|p| {
                    let (name, version) =
                        crate::lock::filename::name_and_version(p.file_name()?.to_str()?)?;
                    Some((name, version, p))
                })
                .collect();
            (dir.clone(), files)
        })
        .collect()
}

/// Whether `file` (at `version`) is a local file in one of the
/// directories of `dirs` (with their listings), the only file of its name
/// and version in all of them.
fn in_find_links(file: &Selected, version: &Version, dirs: &[Listing]) -> bool {
    let Some(path) = crate::spec::local::file_url_path(&file.url) else {
        return false;
    };
    let path = crate::fs::normalize_lexically(&path);
    let Some(dir) = path.parent() else {
        return false;
    };
    if !dirs.iter().any(|(d, _)| d == dir) {
        return false;
    }
    let name = normalize_name(&file.name);
    let same: Vec<&PathBuf> = dirs
        .iter()
        .flat_map(|(_, listing)| listing)
        .filter(|(n, v, _)| *n == name && v == version)
        .map(|(_, _, p)| p)
        .collect();
    same.len() == 1 && *same[0] == path
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::PipUrl;

    fn selected(name: &str, version: &str, url: &str) -> Selected {
        Selected {
            name: name.to_owned(),
            version: Some(version.to_owned()),
            url: url.to_owned(),
            hashes: vec!["sha256:00".to_owned()],
            by_name: false,
        }
    }

    fn pip() -> PipSpec {
        PipSpec::default()
    }

    fn package(name: &str, index: Option<&str>) -> Package {
        let mut p: Package =
            toml_edit::de::from_str(&format!("name = {name:?}\nversion = \"1.0\"\n")).unwrap();
        p.index = index.map(str::to_owned);
        p
    }

    #[test]
    fn a_file_from_the_projects_index_goes_by_name_and_version() {
        let mirror = PipSpec {
            index_url: Some(PipUrl::new("https://user:pw@mirror.example/simple/")),
            extra_index_urls: vec![PipUrl::new("https://extra.example/simple")],
            ..pip()
        };
        let pythonhosted = "https://files.pythonhosted.org/packages/x-1.0-py3-none-any.whl";
        let mut files = vec![
            selected(
                "a",
                "1.0",
                "https://mirror.example/files/a-1.0-py3-none-any.whl",
            ),
            selected("b", "1.0", "https://extra.example/f/b-1.0-py3-none-any.whl"),
            selected("c", "1.0", pythonhosted),
            selected("d", "1.0", "https://files.example/d-1.0-py3-none-any.whl"),
            // Named for the mirror, but served from elsewhere: by URL.
            selected("e", "1.0", "https://cdn.example/e-1.0-py3-none-any.whl"),
            // Another version than the lock's entry of that name: by URL.
            selected(
                "a",
                "2.0",
                "https://mirror.example/files/a-2.0-py3-none-any.whl",
            ),
        ];
        let packages = [
            package("a", Some("https://mirror.example/simple")),
            package("b", Some("https://extra.example/simple/")),
            package("c", Some("https://pypi.org/simple")),
            package("d", None),
            package("e", Some("https://mirror.example/simple")),
        ];
        by_name_where_found(&mut files, &packages, &mirror, Path::new("/p"));
        let by_name: Vec<bool> = files.iter().map(|f| f.by_name).collect();
        assert_eq!(by_name, [true, true, false, false, false, false]);

        // A lock that does not name the index: PyPI's files, when PyPI is
        // searched (here it is not: `index-url` is the mirror).
        let mut files = vec![selected("x", "1.0", pythonhosted)];
        let unnamed = [package("x", None)];
        by_name_where_found(&mut files, &unnamed, &mirror, Path::new("/p"));
        assert!(!files[0].by_name);
        by_name_where_found(&mut files, &unnamed, &pip(), Path::new("/p"));
        assert!(files[0].by_name);

        // No `index-url`: PyPI; `no-index`: none.
        let mut files = vec![selected("c", "1.0", pythonhosted)];
        by_name_where_found(&mut files, &packages, &pip(), Path::new("/p"));
        assert!(files[0].by_name);
        let no_index = PipSpec {
            no_index: true,
            ..pip()
        };
        let mut files = vec![selected("c", "1.0", pythonhosted)];
        by_name_where_found(&mut files, &packages, &no_index, Path::new("/p"));
        assert!(!files[0].by_name);
    }

    #[test]
    fn the_one_index_is_known_only_when_nothing_else_serves_files() {
        assert_eq!(the_one_index(&pip()).as_deref(), Some(PYPI));
        let private = PipSpec {
            index_url: Some(PipUrl::new("https://u:secret@pkgs.example/simple/")),
            ..pip()
        };
        assert_eq!(
            the_one_index(&private).as_deref(),
            Some("https://pkgs.example/simple")
        );
        let links = |location: &str| PipSpec {
            find_links: vec![crate::spec::FindLinks {
                location: PipUrl::new(location),
                files: vec![],
            }],
            ..pip()
        };
        assert_eq!(the_one_index(&links("wheels")).as_deref(), Some(PYPI));
        assert_eq!(the_one_index(&links("https://h/links/")), None);
        let two = PipSpec {
            extra_index_urls: vec![PipUrl::new("https://x/simple")],
            ..pip()
        };
        assert_eq!(the_one_index(&two), None);
        let none = PipSpec {
            no_index: true,
            ..pip()
        };
        assert_eq!(the_one_index(&none), None);
    }

    #[test]
    fn a_find_links_file_goes_by_name_only_when_it_is_the_only_one_of_its_version() {
        let dir = tempfile::tempdir().unwrap();
        let wheels = dir.path().join("wheels");
        std::fs::create_dir(&wheels).unwrap();
        for f in [
            "six-1.16.0-py2.py3-none-any.whl",
            "two-1.0-py3-none-any.whl",
            "two-1.0.tar.gz",
            "two-2.0-py3-none-any.whl",
        ] {
            std::fs::write(wheels.join(f), "").unwrap();
        }
        let local = PipSpec {
            find_links: vec![crate::spec::FindLinks {
                location: PipUrl::new("wheels"),
                files: vec![],
            }],
            no_index: true,
            ..pip()
        };
        let url = |f: &str| crate::lock::fields::file_url(&wheels.join(f));
        let elsewhere =
            crate::lock::fields::file_url(&dir.path().join("six-1.16.0-py2.py3-none-any.whl"));
        let mut files = vec![
            selected("Six", "1.16", &url("six-1.16.0-py2.py3-none-any.whl")),
            selected("two", "1.0", &url("two-1.0-py3-none-any.whl")),
            selected("six", "1.16.0", &elsewhere),
        ];
        by_name_where_found(&mut files, &[], &local, dir.path());
        let urls: Vec<bool> = files.iter().map(|f| f.by_name).collect();
        assert_eq!(urls, [true, false, false]);
        // With an index searched too, pip could prefer its file of that
        // version (it reads no hash from a directory): by URL.
        let with_index = PipSpec {
            no_index: false,
            ..local.clone()
        };
        let mut files = vec![selected(
            "six",
            "1.16.0",
            &url("six-1.16.0-py2.py3-none-any.whl"),
        )];
        by_name_where_found(&mut files, &[], &with_index, dir.path());
        assert!(!files[0].by_name);
        // Another `find-links` directory with a file of that version: by URL.
        let other = dir.path().join("other");
        std::fs::create_dir(&other).unwrap();
        std::fs::write(other.join("six-1.16.0.tar.gz"), "").unwrap();
        let two = PipSpec {
            find_links: vec![
                local.find_links[0].clone(),
                crate::spec::FindLinks {
                    location: PipUrl::new("other"),
                    files: vec![],
                },
            ],
            ..local.clone()
        };
        by_name_where_found(&mut files, &[], &two, dir.path());
        assert!(!files[0].by_name);
    }
}
