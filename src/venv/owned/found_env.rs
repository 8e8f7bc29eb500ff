//! Removing an env found on disk (`penv envs prune`), penv's or another
//! tool's: only when nothing at its top says it is more than an env.

use std::path::{Path, PathBuf};

use super::{BUILD_MARKER, VENV_ENTRIES, evidence, is_regular_file, write_marker};
use crate::diagnostics::escape_path;
use crate::fs::{self, FsError};
use crate::state::STATE_FILE;

/// What the tools that make envs leave at an env's top, beside a venv's own
/// entries: penv's markers, pipx's metadata, tox's records.
const FOUND_EXTRAS: &[&str] = &[
    BUILD_MARKER,
    STATE_FILE,
    "pipx_metadata.json",
    ".tox-info.json",
    ".tox-config1",
];

/// Why `dir`, an env found on disk, is more than an env: entries at its
/// top that no tool that makes envs puts there. Allowed: a venv's entries
/// ([`VENV_ENTRIES`]) and those of the tools that make venvs
/// ([`FOUND_EXTRAS`]) beside a `pyvenv.cfg`; for a conda env (`conda-meta/`),
/// a prefix's directories ([`VENV_ENTRIES`]), conda's own and what its
/// packages' records say they installed (`found::conda_entries`). The one
/// rule for every kind; `None`: nothing else is there.
fn found_shape(dir: &Path) -> Option<String> {
    let venv = is_regular_file(&dir.join("pyvenv.cfg"));
    let conda = crate::venv::found::conda_entries(dir);
    let mut other: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| {
            let name = n.to_string_lossy();
            let listed = VENV_ENTRIES.contains(&name.as_ref());
            let by_venv = venv && (listed || FOUND_EXTRAS.contains(&name.as_ref()));
            let by_conda = conda.as_ref().is_some_and(|c| listed || c.contains(n));
            !by_venv && !by_conda
        })
        .map(|n| format!("`{}`", crate::diagnostics::display_path(Path::new(&n))))
        .collect();
    if other.is_empty() {
        return None;
    }
    other.sort();
    let more = other.len().saturating_sub(5);
    other.truncate(5);
    if more > 0 {
        other.push(format!("{more} more"));
    }
    let kind = if venv { "venv" } else { "conda env" };
    Some(format!("is a {kind} that also holds {}", other.join(", ")))
}

/// The markers of an env found on disk, whoever made it, removed last:
/// conda's `conda-meta/` and `pyvenv.cfg` last of all.
const FOUND_MARKERS: &[&str] = &[BUILD_MARKER, STATE_FILE, "conda-meta", "pyvenv.cfg"];

/// Why [`remove_found`] refuses `dir`, if it does (asked too when prune
/// selects, so what it lists is what it deletes).
pub(crate) fn refusal(dir: &Path, protected: &[PathBuf]) -> Result<Option<String>, FsError> {
    let refuse = |why: String| Ok(Some(why));
    if !fs::real_dir(dir)? {
        return refuse("it is not a directory".to_owned());
    }
    if dir.canonicalize().ok().as_deref() != Some(dir) {
        return refuse("it is reached through a symlink (or is not an absolute path)".to_owned());
    }
    if !crate::venv::found::is_env(dir) {
        return refuse("it is not an environment (no `pyvenv.cfg`, no `conda-meta/`)".to_owned());
    }
    if std::fs::symlink_metadata(dir.join("src")).is_ok() {
        return refuse("it holds `src/`, where pip keeps editable checkouts (maybe your work): delete it yourself".to_owned());
    }
    // `python -m venv .` makes a project folder a venv too, and a conda
    // env can be made in one: an env with anything at its top that the
    // tools that make envs do not write is maybe the user's project, never
    // deleted whole — the same evidence for every kind.
    if let Some(why) = found_shape(dir) {
        return refuse(format!("it {why}, maybe your project: delete it yourself"));
    }
    // A conda base holds other envs under `envs/`: deleting it would take
    // them along.
    if let Ok(entries) = std::fs::read_dir(dir.join("envs"))
        && entries
            .flatten()
            .any(|e| e.path().join("conda-meta").is_dir())
    {
        return refuse(
            "it holds other conda envs under `envs/`: prune those, or delete it yourself"
                .to_owned(),
        );
    }
    for p in protected {
        let p = p.canonicalize().unwrap_or_else(|_| p.clone());
        if p.starts_with(dir) || dir.starts_with(&p) {
            return refuse(format!("it is the env in use (`{}`)", escape_path(&p)));
        }
    }
    Ok(None)
}

/// Removes `dir`, an env found on disk (`penv envs prune`), penv's or
/// another tool's. Refused, naming why: anything at `dir` that is not a real
/// directory reached without a symlink (`dir` must be its own canonical
/// path), a directory that is not an env (`venv::found::is_env`: a regular
/// `pyvenv.cfg`, or `conda-meta/`), one holding `src/` (pip's editable
/// checkouts: maybe the user's work), and one that is, holds or lies inside
/// a `protected` path (the running penv's env, `VIRTUAL_ENV`'s). The tree
/// goes through `fs`'s removal: no link followed, the markers last.
pub(crate) fn remove_found(dir: &Path, protected: &[PathBuf]) -> Result<(), FsError> {
    if let Some(why) = refusal(dir, protected)? {
        return Err(FsError::new(
            "remove",
            dir,
            std::io::Error::other(format!("{why}; leaving it alone")),
        ));
    }
    if evidence(dir, dir, false).is_ok() {
        // As `remove` does: a half-deleted env of penv's stays recognisable.
        let _ = write_marker(dir, "deleting");
    }
    fs::remove_tree_markers_last(dir, FOUND_MARKERS)
}
