//! What an env was when penv finished it ([`AsBuilt`]), and what has changed
//! in its site-packages by hand since — found without starting Python.
//!
//! After the install, before the state is written, penv records the
//! distributions in the env's site-packages (every `*.dist-info`,
//! `*.egg-info` and legacy `*.egg-link`: normalized name and version, pip's
//! own included) and each site-packages directory's modification time.
//! Installing, removing or upgrading a distribution creates, removes or
//! renames entries of that directory, which moves its mtime; so a check is
//! one `stat` per site-packages directory (one in a venv: `lib64` is a link
//! to `lib`), and only when one moved is it listed and compared.
//!
//! Timestamps: a file system stamps a directory with its clock's current
//! tick (some milliseconds on ext4, up to two seconds on FAT), so a change in
//! the tick of the recorded mtime would go unseen. At build time penv closes
//! that race by setting site-packages' mtime to a whole second at least two
//! seconds in the past before listing it: any later change is stamped later.
//! When the directory moved but holds the same distributions (`__pycache__`
//! appeared, a `.pth` was written), [`settle`] records the new mtime, but only
//! once it is [`SETTLED`] old, for the same reason; until then each check
//! lists the directory (no Python either).
//!
//! Not checked: a file inside a package or a dist-info edited or removed
//! without an entry of site-packages itself being added, removed or renamed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::check;
use crate::fs::{self, FsError};
use crate::state::{AsBuilt, Dist, SiteDir};

#[cfg(test)]
mod tests;

/// How old a site-packages mtime must be to be recorded: a later change can
/// then not be stamped with the same tick, even on a two-second file system.
const SETTLED: Duration = Duration::from_secs(2);

/// The mtime recorded for a site-packages directory whose real one cannot be
/// trusted yet (it could not be pinned in the past): no directory has it, so
/// every check lists the directory until [`settle`] records a settled one.
const UNSETTLED: i128 = 0;

/// How the distributions in an env compare with its record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Contents {
    /// No site-packages directory moved.
    Same,
    /// Some moved, but they hold the recorded distributions: their mtimes now.
    Moved(Vec<SiteDir>),
    /// What changed, one reason per distribution.
    Changed(Vec<String>),
}

/// Records what `env` is, after the install and before its state is
/// written: its `bin/python*`, `pyvenv.cfg`, and its distributions with the
/// mtime of the site-packages directories listed (pinned in the past first;
/// see the module's doc).
pub(crate) fn record(env: &Path) -> Result<AsBuilt, FsError> {
    let cfg = check::read_pyvenv_cfg(env).unwrap_or_default();
    let value = |key: &str| cfg.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let dirs = site_dirs(env);
    let pinned = pin_time(SystemTime::now());
    let pinned_ns = ns_since_epoch(pinned);
    let mut attempt = 0;
    let (site_packages, listing) = loop {
        for dir in &dirs {
            // Best effort: an mtime that could not be pinned is not recorded
            // (below), so the directory is listed until `settle` can.
            let _ = fs::set_modified(&env.join(dir), pinned);
        }
        let before = stat_dirs(env, &dirs)?;
        let listing = list(env, &dirs)?;
        attempt += 1;
        let unchanged = stat_dirs(env, &dirs)? == before;
        // Changed while listed (someone else's pip, during the build): list
        // again; after a few tries, record no mtime rather than trust it.
        if unchanged || attempt == 3 {
            let recorded = before
                .into_iter()
                .map(|d| SiteDir {
                    mtime_ns: if unchanged && d.mtime_ns == pinned_ns {
                        d.mtime_ns
                    } else {
                        UNSETTLED
                    },
                    path: d.path,
                })
                .collect::<Vec<_>>();
            break (recorded, listing);
        }
    };
    Ok(AsBuilt {
        python: check::python_entries(env),
        home: value("home").unwrap_or_default(),
        include_system_site_packages: value("include-system-site-packages"),
        site_packages,
        dists: listing.dists,
        artifacts: BTreeMap::new(),
    })
}

/// Compares the distributions in `env` with the record: one `stat` per
/// site-packages directory, and a listing only when one moved.
pub(crate) fn compare(env: &Path, built: &AsBuilt) -> Contents {
    let mut moved = false;
    let mut now = Vec::with_capacity(built.site_packages.len());
    for dir in &built.site_packages {
        match fs::lstat(&env.join(&dir.path)) {
            Ok(Some(meta)) if meta.is_dir() => {
                let mtime_ns = mtime_ns(&meta);
                moved |= mtime_ns != dir.mtime_ns;
                now.push(SiteDir {
                    path: dir.path.clone(),
                    mtime_ns,
                });
            }
            Ok(_) => {
                return Contents::Changed(vec![format!(
                    "`{}` is gone from the env",
                    dir.path.display()
                )]);
            }
            Err(e) => return Contents::Changed(vec![e.to_string()]),
        }
    }
    if !moved {
        return Contents::Same;
    }
    let dirs: Vec<PathBuf> = now.iter().map(|d| d.path.clone()).collect();
    match list(env, &dirs) {
        Err(e) => Contents::Changed(vec![e.to_string()]),
        Ok(listing) => {
            let mut reasons = diff(&built.dists, &listing.dists);
            reasons.extend(listing.problems);
            if reasons.is_empty() {
                Contents::Moved(now)
            } else {
                Contents::Changed(reasons)
            }
        }
    }
}

/// For an env found fresh: when its site-packages moved but holds what was
/// recorded, records the new mtimes, if they are [`SETTLED`] old (else the
/// next check lists the directory again). Whether `built` changed (the
/// caller writes the state).
pub(crate) fn settle(env: &Path, built: &mut AsBuilt) -> bool {
    // The time is taken before the directory is looked at: a change after
    // the look is stamped at least this late, a tick after a settled mtime.
    let limit = ns_since_epoch(SystemTime::now()) - i128::from(SETTLED.as_secs()) * 1_000_000_000;
    let Contents::Moved(now) = compare(env, built) else {
        return false;
    };
    if now.iter().any(|d| d.mtime_ns > limit) {
        return false;
    }
    built.site_packages = now;
    true
}

/// A whole second at least [`SETTLED`] before `now` (even, for FAT's
/// two-second stamps).
fn pin_time(now: SystemTime) -> SystemTime {
    let secs = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        .saturating_sub(SETTLED.as_secs());
    UNIX_EPOCH + Duration::from_secs(secs & !1)
}

fn ns_since_epoch(time: SystemTime) -> i128 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i128::try_from(d.as_nanos()).unwrap_or(i128::MAX))
}

fn mtime_ns(meta: &std::fs::Metadata) -> i128 {
    meta.modified().map_or(0, ns_since_epoch)
}

fn stat_dirs(env: &Path, dirs: &[PathBuf]) -> Result<Vec<SiteDir>, FsError> {
    dirs.iter()
        .map(|dir| {
            let path = env.join(dir);
            let meta = fs::lstat(&path)?.ok_or_else(|| {
                FsError::new("inspect", &path, std::io::ErrorKind::NotFound.into())
            })?;
            Ok(SiteDir {
                path: dir.clone(),
                mtime_ns: mtime_ns(&meta),
            })
        })
        .collect()
}

/// A digest (sha256, hex) of the env's listing: the names at the top of
/// each site-packages directory but `__pycache__` (Python writes bytecode
/// there on the first import of a top-level module), and every path of the
/// env outside `lib*/` (its top, `bin/`, `include/`, `share/`, `etc/`).
/// Anything added, removed or renamed there — a `pip install` by hand, a
/// stray `.pth`, a script, a Jupyter kernel spec written with
/// `--sys-prefix` — changes it. `None` when a directory cannot be listed.
pub(crate) fn listing_digest(env: &Path) -> Option<String> {
    use sha2::{Digest, Sha256};
    let mut names = Vec::new();
    for dir in site_dirs(env) {
        for (name, _) in fs::list_dir(&env.join(&dir)).ok()? {
            if name != "__pycache__" {
                names.push(format!("{}/{}", dir.display(), name.to_string_lossy()));
            }
        }
    }
    let outside_lib = walkdir::WalkDir::new(env)
        .min_depth(1)
        .into_iter()
        .filter_entry(|e| {
            let name = e.file_name();
            name != "__pycache__"
                && !(e.depth() == 1 && ["lib", "lib64", "Lib"].contains(&&*name.to_string_lossy()))
        });
    for entry in outside_lib {
        let entry = entry.ok()?;
        let path = entry.path().strip_prefix(env).ok()?;
        names.push(path.display().to_string());
    }
    names.sort();
    let digest = Sha256::digest(names.join("\n").as_bytes());
    Some(hex::encode(digest))
}

/// The site-packages directories of `env`, relative to it, sorted:
/// `lib/<python or pypy X.Y>/site-packages` (and the same under `lib64`
/// when it is a directory of its own, not venv's link to `lib`), or
/// `Lib/site-packages` on Windows.
pub(super) fn site_dirs(env: &Path) -> Vec<PathBuf> {
    if cfg!(windows) {
        return vec![Path::new("Lib").join("site-packages")];
    }
    let mut out = Vec::new();
    for top in ["lib", "lib64"] {
        let is_dir = fs::lstat(&env.join(top))
            .ok()
            .flatten()
            .is_some_and(|m| m.is_dir());
        let Ok(children) = is_dir.then(|| fs::list_dir(&env.join(top))).transpose() else {
            continue;
        };
        for (name, kind) in children.unwrap_or_default() {
            let dir = Path::new(top).join(name).join("site-packages");
            if kind.is_dir()
                && fs::lstat(&env.join(&dir))
                    .ok()
                    .flatten()
                    .is_some_and(|m| m.is_dir())
            {
                out.push(dir);
            }
        }
    }
    out.sort();
    out
}

/// The distributions found, and what looks cut short.
#[derive(Debug, Default)]
struct Listing {
    dists: Vec<Dist>,
    problems: Vec<String>,
}

/// Lists the distributions in `dirs` (relative to `env`).
fn list(env: &Path, dirs: &[PathBuf]) -> Result<Listing, FsError> {
    let mut out = Listing::default();
    for dir in dirs {
        let path = env.join(dir);
        for (name, kind) in fs::list_dir(&path)? {
            let name = name.to_string_lossy();
            if name.starts_with('~') && kind.is_dir() {
                // pip renames a directory it removes to `~…` beside it, and
                // deletes that when done: one left over is an interrupted pip.
                out.problems.push(format!(
                    "`{name}` in `{}` is left over from an interrupted pip",
                    dir.display()
                ));
                continue;
            }
            let Some(dist) = parse_entry(&name, kind.is_dir()) else {
                continue;
            };
            if name.ends_with(".dist-info")
                && fs::lstat(&path.join(&*name).join("METADATA"))?.is_none()
            {
                out.problems.push(format!(
                    "`{name}` in `{}` has no `METADATA`: {} was half removed or half installed",
                    dir.display(),
                    display(&dist)
                ));
            }
            out.dists.push(dist);
        }
    }
    out.dists.sort();
    Ok(out)
}

/// The distribution a site-packages entry records, if it is one:
/// `name-version.dist-info/`, `name-version[-pyX.Y].egg-info` (a directory
/// or a file), `name.egg-link` (a legacy editable install).
fn parse_entry(entry: &str, is_dir: bool) -> Option<Dist> {
    let (stem, kind) = entry.rsplit_once('.')?;
    let (name, version) = match kind {
        "dist-info" if is_dir => stem.split_once('-').unwrap_or((stem, "")),
        "egg-info" => {
            let (name, rest) = stem.split_once('-').unwrap_or((stem, ""));
            // `pkg-1.0-py3.12.egg-info`: the tag is not the version.
            let version = match rest.rsplit_once("-py") {
                Some((v, tag)) if tag.chars().all(|c| c.is_ascii_digit() || c == '.') => v,
                _ => rest,
            };
            (name, version)
        }
        "egg-link" if !is_dir => (stem, ""),
        _ => return None,
    };
    let name = pep508_rs::PackageName::from_str(name)
        .map_or_else(|_| name.to_ascii_lowercase(), |n| n.to_string());
    Some(Dist {
        name,
        version: version.to_owned(),
    })
}

/// `six 1.16.0`, or `pkg (egg-link)`.
fn display(dist: &Dist) -> String {
    format!("`{} {}`", dist.name, display_version(&dist.version))
}

fn display_version(version: &str) -> &str {
    if version.is_empty() {
        "(egg-link)"
    } else {
        version
    }
}

/// One reason per distribution that differs: added, removed, or at another
/// version, by hand.
pub(crate) fn diff(recorded: &[Dist], now: &[Dist]) -> Vec<String> {
    let mut by_name: BTreeMap<&str, (Vec<&str>, Vec<&str>)> = BTreeMap::new();
    for d in recorded {
        by_name.entry(&d.name).or_default().0.push(&d.version);
    }
    for d in now {
        by_name.entry(&d.name).or_default().1.push(&d.version);
    }
    let mut out = Vec::new();
    for (name, (was, is)) in by_name {
        let versions = |v: &[&str]| {
            v.iter()
                .map(|v| display_version(v))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match (was.as_slice(), is.as_slice()) {
            (was, is) if was == is => {}
            ([], is) => out.extend(
                is.iter()
                    .map(|v| format!("`{name} {}` added by hand", display_version(v))),
            ),
            (was, []) => out.extend(
                was.iter()
                    .map(|v| format!("`{name} {}` removed by hand", display_version(v))),
            ),
            (was, is) => out.push(format!(
                "`{name}` {} → {} changed by hand",
                versions(was),
                versions(is)
            )),
        }
    }
    out
}
