//! Selection: which files of a parsed lock to install into one env.
//!
//! Pure: given a [`PyLock`] (whose values `check` has passed when it was
//! read), the interpreter's marker environment and wheel tags, and the
//! groups asked for, it returns one artifact per package to install, or
//! why there is none. What it records of a file is penv's rendering of
//! parsed values (`fields`), and [`Selected::requirement_line`] parses them
//! again as it writes pip's line. Invariant: nothing is selected unless the
//! lock's `environments` (when present) and `requires-python` admit the
//! interpreter, every selected file carries a hash pip can check
//! (`--require-hashes`), and a wheel is chosen only when its tags are among
//! the interpreter's (the best-ranked one wins); at most one entry per
//! package name matches. The entries pip cannot hash-check (a directory, a
//! checkout, an archive without a hash) are selected apart, as
//! [`Unhashed`], for a second pass (`unhashed`).
//! Markers are evaluated by `markers`, wheel tags ranked by `tags`.

use std::collections::BTreeSet;
use std::path::Path;
use std::str::FromStr;

use pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder};
use serde::{Deserialize, Serialize};

use super::fields::{self, FILE_SCHEMES};
use super::markers::{Sets, evaluate, normalize_name};
use super::model::{Artifact, Package, PyLock};
pub use super::select_error::SelectError;
use super::tags::best_wheel;
use super::unhashed::{Unhashed, unhashed};
use crate::python::interpreter::Markers;

/// What the lock is selected for.
pub(crate) struct Target<'a> {
    /// The interpreter's marker environment.
    pub(crate) markers: &'a Markers,
    /// Its supported wheel tags, best first.
    pub(crate) tags: &'a [String],
    /// Whether `tags` are the interpreter's own (its `packaging` said so),
    /// rather than only the pure-Python tags assumed when it could not be asked.
    pub(crate) tags_known: bool,
    /// `--group` names (added to the lock's `default-groups`).
    pub(crate) groups: &'a [String],
    /// `--no-default-groups`.
    pub(crate) no_default_groups: bool,
    /// `--extra` names (each one the lock's `extras` must list).
    pub(crate) extras: &'a [String],
    /// `--all-extras`: every extra the lock lists.
    pub(crate) all_extras: bool,
}

/// One file to install: the line pip gets, and what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Selected {
    /// The package name as the lock writes it.
    pub(crate) name: String,
    /// Its version, when the lock says.
    pub(crate) version: Option<String>,
    /// A URL (`https://…`, `file://…`) pip fetches the file from; empty
    /// for a file a lock names without one (Poetry's): pip finds it on the
    /// index by name and version, and takes only a file of these hashes.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) url: String,
    /// `algorithm:hex` for each hash pip can check, sorted.
    pub(crate) hashes: Vec<String>,
    /// Installed by name and version although it has a URL: the project's
    /// own sources hold that file (`spec::locked::registry`), so pip finds
    /// it there as a build from requirements does, and writes no
    /// `direct_url.json` for it. `penv export` still writes the URL.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) by_name: bool,
}

impl Selected {
    /// The URL pip is given for this file, and so records in its
    /// `direct_url.json`: none for a file installed by name and version
    /// (a lock without a URL for it, or `by_name`).
    pub(crate) fn direct_url(&self) -> Option<&str> {
        (!self.url.is_empty() && !self.by_name).then_some(self.url.as_str())
    }

    /// The requirement-file line, `name @ url --hash=sha256:…` (`name==version
    /// --hash=…` without a URL, or `by_name`), rendered from the values parsed again:
    /// the normalized name, the version as PEP 440 writes it, the URL as
    /// [`url::Url`] writes it (then given to `credentials`, where
    /// `lock::auth` adds an index's userinfo), each hash as
    /// `algorithm:lowercase-hex`; and whether `credentials` added any.
    pub(crate) fn requirement_line(
        &self,
        credentials: impl FnOnce(&str) -> Option<String>,
    ) -> Result<(String, bool), SelectError> {
        let refused = |field: &str| {
            let entry = format!("package `{}`", fields::shown(&self.name));
            let field = field.to_owned();
            move |why| SelectError::Refused { entry, field, why }
        };
        let name = fields::name(&self.name).map_err(refused("name"))?;
        let mut hashes = Vec::new();
        for hash in &self.hashes {
            let (algorithm, hex) = hash.split_once(':').unwrap_or((hash, ""));
            match fields::hash(algorithm, hex) {
                Ok(Some(rendered)) => hashes.push(rendered),
                Ok(None) => {
                    return Err(refused("hashes")(format!(
                        "`{}` is no hash pip checks",
                        fields::shown(hash)
                    )));
                }
                Err(why) => return Err(refused("hashes")(why)),
            }
        }
        let (place, secret) = if let Some(url) = self.direct_url() {
            let url = fields::url(url, FILE_SCHEMES).map_err(refused("url"))?;
            match credentials(url.as_str()) {
                Some(with) => (format!(" @ {with}"), true),
                None => (format!(" @ {url}"), false),
            }
        } else {
            let version = self.version.as_deref().unwrap_or_default();
            let version = fields::version(version).map_err(refused("version"))?;
            (format!("=={version}"), false)
        };
        let mut line = format!("{name}{place}");
        for hash in &hashes {
            line.push_str(" --hash=");
            line.push_str(hash);
        }
        Ok((line, secret))
    }
}

/// What [`select`] chose: the files pip installs hash-checked, and the
/// entries it installs after them without a check; each sorted by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Chosen {
    /// One file per package, with its hashes.
    pub(crate) files: Vec<Selected>,
    /// Directories, checkouts and archives without a hash.
    pub(crate) unhashed: Vec<Unhashed>,
    /// The packages whose platform wheels were passed over only because
    /// the interpreter's tags are not known (see [`UNKNOWN_TAGS`]).
    pub(crate) untagged: Vec<String>,
    /// The groups that applied (the lock's defaults and those asked for),
    /// normalized and sorted.
    pub(crate) groups: Vec<String>,
    /// The extras that applied, normalized and sorted.
    pub(crate) extras: Vec<String>,
}

/// Whether `lock` was made for an interpreter with these markers: one of
/// its `environments` (when it names any) holds for them.
pub(crate) fn check_environments(lock: &PyLock, markers: &Markers) -> Result<(), SelectError> {
    let env = marker_environment(markers)?;
    let no_sets = Sets::default();
    if let Some(environments) = &lock.environments {
        let mut any = false;
        for marker in environments {
            any |= evaluate(marker, &env, &no_sets).map_err(|reason| SelectError::BadMarker {
                package: None,
                marker: marker.clone(),
                reason,
            })?;
        }
        if !any {
            let m = markers;
            return Err(SelectError::NoEnvironment {
                environments: environments.clone(),
                current: format!(
                    "python_full_version == '{}', implementation_name == '{}', sys_platform == '{}', platform_machine == '{}'",
                    m.python_full_version,
                    m.implementation_name,
                    m.sys_platform,
                    m.platform_machine
                ),
            });
        }
    }
    Ok(())
}

/// What to install from `lock` (read from `lock_dir`) for `target`.
pub(crate) fn select(
    lock: &PyLock,
    lock_dir: &Path,
    target: &Target<'_>,
) -> Result<Chosen, SelectError> {
    check_environments(lock, target.markers)?;
    let env = marker_environment(target.markers)?;
    let groups = selected_groups(lock, target)?;
    let extras = selected_extras(lock, target)?;
    let version = &target.markers.python_full_version;
    if let Some(specifier) = &lock.requires_python
        && !python_allowed(specifier, version)
    {
        return Err(SelectError::RequiresPython {
            specifier: specifier.clone(),
            version: version.clone(),
        });
    }
    let mut chosen = Chosen {
        groups: groups.iter().cloned().collect(),
        extras: extras.iter().cloned().collect(),
        ..Chosen::default()
    };
    let sets = Sets {
        dependency_groups: groups,
        extras,
    };
    let mut seen = BTreeSet::new();
    for package in &lock.packages {
        if let Some(marker) = &package.marker
            && !evaluate(marker, &env, &sets).map_err(|reason| SelectError::BadMarker {
                package: Some(package.name.clone()),
                marker: marker.clone(),
                reason,
            })?
        {
            continue;
        }
        if let Some(specifier) = &package.requires_python
            && !python_allowed(specifier, version)
        {
            continue;
        }
        if !seen.insert(normalize_name(&package.name)) {
            return Err(SelectError::Duplicate {
                name: package.name.clone(),
            });
        }
        if let Some(entry) = unhashed(package, lock_dir) {
            chosen.unhashed.push(entry?);
        } else {
            chosen.files.push(artifact(package, lock_dir, target)?);
            if !target.tags_known && package.wheels.iter().any(is_platform_wheel) {
                chosen.untagged.push(package.name.clone());
            }
        }
    }
    chosen.files.sort_by_key(|s| normalize_name(&s.name));
    chosen.unhashed.sort_by_key(|s| normalize_name(&s.name));
    chosen.untagged.sort_by_key(|n| normalize_name(n));
    Ok(chosen)
}

/// Whether a wheel is for some platform only (its platform tag is not `any`).
fn is_platform_wheel(wheel: &Artifact) -> bool {
    wheel
        .file_name()
        .and_then(|n| n.strip_suffix(".whl"))
        .and_then(|stem| stem.rsplit('-').next())
        .is_some_and(|platform| platform != "any")
}

/// The groups that apply: the lock's defaults (unless turned off) and those
/// asked for, each one the lock has.
fn selected_groups(lock: &PyLock, target: &Target<'_>) -> Result<BTreeSet<String>, SelectError> {
    let defaults = if target.no_default_groups {
        &[][..]
    } else {
        &lock.default_groups[..]
    };
    let known: BTreeSet<String> = lock
        .dependency_groups
        .iter()
        .map(|g| normalize_name(g))
        .collect();
    let mut groups = BTreeSet::new();
    for name in defaults.iter().chain(target.groups) {
        let normalized = normalize_name(name);
        if !known.contains(&normalized) {
            return Err(SelectError::UnknownGroup {
                name: name.clone(),
                known: lock.dependency_groups.clone(),
            });
        }
        groups.insert(normalized);
    }
    Ok(groups)
}

/// The extras that apply: those asked for (every one the lock lists with
/// `--all-extras`), each one the lock has.
fn selected_extras(lock: &PyLock, target: &Target<'_>) -> Result<BTreeSet<String>, SelectError> {
    let known: BTreeSet<String> = lock.extras.iter().map(|e| normalize_name(e)).collect();
    if target.all_extras {
        return Ok(known);
    }
    let mut extras = BTreeSet::new();
    for name in target.extras {
        let normalized = normalize_name(name);
        if !known.contains(&normalized) {
            return Err(SelectError::UnknownExtra {
                name: name.clone(),
                known: lock.extras.clone(),
            });
        }
        extras.insert(normalized);
    }
    Ok(extras)
}

/// The one artifact of `package` to install: the best wheel, else the
/// sdist, else the archive.
fn artifact(
    package: &Package,
    lock_dir: &Path,
    target: &Target<'_>,
) -> Result<Selected, SelectError> {
    let tags = target.tags;
    let nothing = |reason: String| SelectError::NothingInstallable {
        name: package.name.clone(),
        reason,
    };
    let best = best_wheel(&package.wheels, tags);
    let (url, path, hashes) = if let Some(wheel) = best.or(package.sdist.as_ref()) {
        (&wheel.url, &wheel.path, &wheel.hashes)
    } else if let Some(archive) = &package.archive {
        if archive.subdirectory.is_some() {
            return Err(nothing(
                "its archive has a `subdirectory`, which pip cannot install hash-checked"
                    .to_owned(),
            ));
        }
        (&archive.url, &archive.path, &archive.hashes)
    } else if package.wheels.is_empty() {
        return Err(nothing("it has no wheel, sdist or archive".to_owned()));
    } else {
        let names: Vec<&str> = package
            .wheels
            .iter()
            .filter_map(Artifact::file_name)
            .collect();
        return Err(nothing(format!(
            "none of its wheels ({}) has tags this interpreter supports, and it has no sdist{}",
            names.join(", "),
            if target.tags_known { "" } else { UNKNOWN_TAGS }
        )));
    };
    // What reaches pip's requirement file is one line of a URL and hashes,
    // rendered from their parsed values: a lock whose text would add more
    // (whitespace, a newline and `--index-url …`) is refused, not passed on.
    let refused = |field: &str| {
        let entry = format!("package `{}`", fields::shown(&package.name));
        let field = field.to_owned();
        move |why| SelectError::Refused { entry, field, why }
    };
    let url = match (url, path) {
        (Some(url), _) => Some(fields::url(url, FILE_SCHEMES).map_err(refused("url"))?),
        (None, Some(path)) => {
            fields::path(path).map_err(refused("path"))?;
            Some(
                fields::url(&fields::file_url(&lock_dir.join(path)), FILE_SCHEMES)
                    .map_err(refused("path"))?,
            )
        }
        // A file Poetry recorded by name only (`check::check_by_name`):
        // from the index, by name and version, pip checking its hash.
        (None, None) if package.index.is_some() && package.version.is_some() => None,
        (None, None) => return Err(nothing("its file has neither `url` nor `path`".to_owned())),
    };
    let mut hashes_checked = Vec::new();
    for (algorithm, hex) in hashes {
        if let Some(hash) = fields::hash(algorithm, hex).map_err(refused("hashes"))? {
            hashes_checked.push(hash);
        }
    }
    let hashes = hashes_checked;
    if hashes.is_empty() {
        return Err(nothing(
            "its file has no sha256, sha384 or sha512 hash for pip to check".to_owned(),
        ));
    }
    Ok(Selected {
        name: package.name.clone(),
        version: package.version.clone(),
        url: url.map(|u| u.to_string()).unwrap_or_default(),
        hashes,
        by_name: false,
    })
}

/// Said where a platform wheel was passed over because the interpreter's
/// tags are not known.
pub(crate) const UNKNOWN_TAGS: &str = " (penv could not ask this interpreter which platform tags it supports: it found no pip wheel in `ensurepip/_bundled` or the distribution's wheel directory, and neither pip nor `packaging` imports, so only pure-Python wheels were considered)";

fn python_allowed(specifier: &str, version: &str) -> bool {
    let (Ok(specifiers), Ok(version)) = (
        pep440_rs::VersionSpecifiers::from_str(specifier),
        pep440_rs::Version::from_str(version),
    ) else {
        // An unreadable specifier admits nothing rather than everything.
        return false;
    };
    specifiers.contains(&version)
}

pub(crate) fn marker_environment(m: &Markers) -> Result<MarkerEnvironment, SelectError> {
    MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
        implementation_name: &m.implementation_name,
        implementation_version: &m.implementation_version,
        os_name: &m.os_name,
        platform_machine: &m.platform_machine,
        platform_python_implementation: &m.platform_python_implementation,
        platform_release: &m.platform_release,
        platform_system: &m.platform_system,
        platform_version: &m.platform_version,
        python_full_version: &m.python_full_version,
        python_version: &m.python_version,
        sys_platform: &m.sys_platform,
    })
    .map_err(|e| SelectError::BadMarker {
        package: None,
        marker: format!("python_full_version == '{}'", m.python_full_version),
        reason: format!("the interpreter's version is not PEP 440 ({e})"),
    })
}

#[cfg(test)]
#[path = "select_tests.rs"]
mod tests;
