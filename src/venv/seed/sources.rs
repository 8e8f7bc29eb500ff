//! Where pip wheels come from: the project's local `find-links`
//! directories, penv's cache of downloaded ones, and the interpreter's
//! bundled ones; what each offers, newest first.
//!
//! Invariant: only pure-Python `pip-X-py3-none-any` wheels count, and a
//! wheel recorded as not installing on an interpreter is never offered
//! for it again.

use crate::diagnostics::escape_path;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use pep440_rs::Version;

use super::cache::incompatible_marker;
use crate::python::interpreter::InterpreterInfo;
use crate::spec::PipSpec;
use crate::venv::create::CreateError;

/// Where pip wheels may come from, with `${NAME}` already expanded.
#[derive(Debug, Clone, Default)]
pub(crate) struct PipSources {
    /// Local `find-links` directories.
    pub(crate) local_dirs: Vec<PathBuf>,
    /// Whether pip would search anything else (an index, a `find-links` URL).
    pub(crate) remote: bool,
    /// The index options for `pip download`, as pip gets them.
    pub(crate) args: Vec<String>,
}

impl PipSources {
    /// The sources of the (expanded) `[pip]` options, relative paths taken
    /// from `root`.
    pub(crate) fn new(pip: &PipSpec, root: &Path) -> Self {
        let mut sources = Self {
            remote: !pip.no_index,
            ..Self::default()
        };
        if let Some(url) = &pip.index_url {
            sources
                .args
                .extend(["--index-url".to_owned(), url.for_pip().to_owned()]);
        }
        for url in &pip.extra_index_urls {
            sources
                .args
                .extend(["--extra-index-url".to_owned(), url.for_pip().to_owned()]);
        }
        for link in &pip.find_links {
            let location = link.location.for_pip();
            let local = match location.strip_prefix("file://") {
                Some(rest) => percent_encoding::percent_decode_str(
                    rest.strip_prefix("localhost").unwrap_or(rest),
                )
                .decode_utf8()
                .ok()
                .map(|p| PathBuf::from(p.as_ref())),
                None => (!location.contains("://")).then(|| root.join(location)),
            };
            match local {
                Some(dir) if dir.is_dir() => {
                    sources
                        .args
                        .extend(["--find-links".to_owned(), dir.display().to_string()]);
                    sources.local_dirs.push(dir);
                }
                _ => {
                    sources.remote = true;
                    sources
                        .args
                        .extend(["--find-links".to_owned(), location.to_owned()]);
                }
            }
        }
        if pip.no_index {
            sources.args.push("--no-index".to_owned());
        }
        sources
    }
}

/// Where a pip wheel was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Origin {
    /// The project's `find-links`.
    FindLinks,
    /// Downloaded before, in penv's cache.
    Cache,
    /// The interpreter's own.
    Bundled,
}

/// A pip wheel penv can see.
#[derive(Debug, Clone)]
pub(super) struct Candidate {
    /// The wheel file.
    pub(super) wheel: PathBuf,
    /// Its version, from its name.
    pub(super) version: Version,
    /// Where it was found.
    pub(super) origin: Origin,
}

/// `pip-<version>-<tags>.whl` of a pure-Python wheel: its version.
pub(super) fn wheel_version(path: &Path) -> Option<Version> {
    let name = path.file_name()?.to_str()?;
    let stem = name.strip_suffix(".whl")?;
    let mut parts = stem.split('-');
    if parts.next()? != "pip" {
        return None;
    }
    let version = Version::from_str(parts.next()?).ok()?;
    let tags: Vec<&str> = parts.collect();
    // `pip-X-py3-none-any`, optionally with a build tag before the tags.
    let (python, abi, platform) = match tags.as_slice() {
        [p, a, pl] | [_, p, a, pl] => (*p, *a, *pl),
        _ => return None,
    };
    (python.split('.').any(|t| t == "py3") && abi == "none" && platform == "any").then_some(version)
}

/// The pip wheels directly in `dir`, each marked with `origin`.
pub(super) fn wheels_in(dir: &Path, origin: Origin) -> Vec<Candidate> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| {
            let wheel = e.path();
            let version = wheel_version(&wheel)?;
            wheel.is_file().then_some(Candidate {
                wheel,
                version,
                origin,
            })
        })
        .collect()
}

/// Where penv keeps the pip wheels it downloaded.
pub(super) fn download_dir(cache_dir: &Path) -> PathBuf {
    cache_dir.join("pip")
}

/// Every pip wheel penv can see for this interpreter, newest first.
pub(super) fn candidates(
    info: &InterpreterInfo,
    sources: &PipSources,
    cache_dir: Option<&Path>,
) -> Vec<Candidate> {
    let mut all: Vec<Candidate> = Vec::new();
    for dir in &sources.local_dirs {
        all.extend(wheels_in(dir, Origin::FindLinks));
    }
    if let Some(cache) = cache_dir {
        all.extend(wheels_in(&download_dir(cache), Origin::Cache));
    }
    for dir in bundled_dirs(info) {
        all.extend(wheels_in(&dir, Origin::Bundled));
    }
    if let Some(cache) = cache_dir {
        all.retain(|c| !incompatible_marker(cache, &c.wheel, info).exists());
    }
    all.sort_by(|a, b| b.version.cmp(&a.version).then(a.origin.cmp(&b.origin)));
    all
}

/// Where penv looked, for messages.
pub(super) fn looked_in(sources: &PipSources, cache_dir: Option<&Path>) -> String {
    let mut places: Vec<String> = sources
        .local_dirs
        .iter()
        .map(|d| format!("`{}`", escape_path(d)))
        .collect();
    if let Some(cache) = cache_dir {
        places.push(format!(
            "penv's cache (`{}`)",
            download_dir(cache).display()
        ));
    }
    if sources.remote {
        places.push("the project's index".to_owned());
    }
    let mut text = match places.split_last() {
        None => "no place to look".to_owned(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    };
    if !sources.remote {
        text.push_str(" (no index asked: `no-index = true`)");
    }
    text
}

/// Where an interpreter's bundled pip wheels are: ensurepip's, or Debian's
/// `/usr/share/python-wheels`, in that order.
fn bundled_dirs(info: &InterpreterInfo) -> Vec<PathBuf> {
    vec![
        info.stdlib.join("ensurepip").join("_bundled"),
        PathBuf::from("/usr/share/python-wheels"),
    ]
}

/// The pip wheel bundled with the interpreter (the newest of the first
/// directory of [`bundled_dirs`] that has one). It always runs on the
/// interpreter, so it is what installs (and downloads) other pips.
pub(super) fn bundled_pip_wheel(info: &InterpreterInfo) -> Result<PathBuf, CreateError> {
    let looked = bundled_dirs(info);
    for dir in &looked {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        let mut wheels: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                    n.starts_with("pip-")
                        && Path::new(n)
                            .extension()
                            .is_some_and(|e| e.eq_ignore_ascii_case("whl"))
                })
            })
            .collect();
        wheels.sort_by_key(|p| pip_version_key(p));
        if let Some(newest) = wheels.pop() {
            return Ok(newest);
        }
    }
    Err(CreateError::NoPipWheel { looked })
}

/// `pip-24.2-…` → `[24, 2]`, for picking the newest bundled wheel.
fn pip_version_key(wheel: &Path) -> Vec<u64> {
    let name = wheel.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let version = name
        .strip_prefix("pip-")
        .and_then(|r| r.split('-').next())
        .unwrap_or("");
    version.split('.').map(|p| p.parse().unwrap_or(0)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_pure_python_pip_wheels_count() {
        let v = |n: &str| wheel_version(Path::new(n)).map(|v| v.to_string());
        assert_eq!(v("pip-24.2-py3-none-any.whl").as_deref(), Some("24.2"));
        assert_eq!(
            v("pip-19.2.3-py2.py3-none-any.whl").as_deref(),
            Some("19.2.3")
        );
        assert_eq!(
            v("pip-99.0.0-1-py3-none-any.whl").as_deref(),
            Some("99.0.0")
        );
        for not in [
            "pip-24.2.tar.gz",
            "pipx-1.0-py3-none-any.whl",
            "pip-24.2-py2-none-any.whl",
            "pip-24.2-cp312-cp312-linux_x86_64.whl",
            "pip-x-py3-none-any.whl",
            "setuptools-65.5.0-py3-none-any.whl",
        ] {
            assert_eq!(v(not), None, "{not}");
        }
    }

    #[test]
    fn local_find_links_are_scanned_and_anything_else_is_remote() {
        let tmp = tempfile::tempdir().unwrap();
        let mut pip = crate::spec::example().pip;
        pip.no_index = true;
        pip.find_links = vec![crate::spec::FindLinks {
            location: crate::credentials::PipUrl::new("."),
            files: vec![],
        }];
        let sources = PipSources::new(&pip, tmp.path());
        assert!(!sources.remote);
        assert_eq!(sources.local_dirs, vec![tmp.path().join(".")]);
        assert_eq!(sources.args.last().map(String::as_str), Some("--no-index"));
        pip.find_links.push(crate::spec::FindLinks {
            location: crate::credentials::PipUrl::new("https://u:p@host/links/"),
            files: vec![],
        });
        let sources = PipSources::new(&pip, tmp.path());
        assert!(sources.remote);
        assert!(sources.args.contains(&"https://u:p@host/links/".to_owned()));
        pip.find_links.clear();
        pip.no_index = false;
        assert!(
            PipSources::new(&pip, tmp.path()).remote,
            "pip's default index"
        );
    }
}
