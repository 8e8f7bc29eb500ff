//! Whose directory is it? penv replaces or deletes only what it owns, and
//! this module is where that is decided and where envs are deleted.
//!
//! Ownership takes evidence penv wrote, never a file name alone: a real
//! directory (not a symlink) holding a `pyvenv.cfg` and either a valid
//! state file recording the env's path, or penv's build marker with penv's
//! own content naming the directory ([`evidence`], the one ownership
//! check). An env path is acceptable when it does not exist, is an empty
//! directory, or is owned so; `.`, `/`, the project root, any parent of it,
//! `$HOME` or a parent of it (compared as canonical paths, so no symlinked
//! spelling gets past), a symlink, a venv penv did not make (unless
//! `--force`) and any other data are refused ([`check_env_path`]).
//!
//! Deletion rule: an env-like directory (the env, one moved aside, a stash
//! entry) is deleted only by [`remove`] or [`discard`] (after the evidence,
//! and after user work in its `src/` is kept; `discard` marks it and moves
//! it into `.penv/trash/`, whose emptier, [`trash`], deletes it after the
//! command) or [`remove_partial_build`] (the unfinished new env of a
//! replacement); all delete through `fs`'s tree removal, which never
//! follows a link and removes the [`MARKERS`] last. Single files penv
//! wrote (intent records, markers) are removed with
//! `fs::delete_file`; nothing else in penv deletes.

use crate::diagnostics::escape_path;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::EnvPaths;
use super::kept::{self, Kept};
use crate::fs::{self, FsError};
use crate::state::{STATE_FILE, State};

mod env_path;
mod found_env;
#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;
pub(crate) mod trash;

pub use env_path::Refusal;
pub(crate) use env_path::{Occupant, check_env_path};
pub(crate) use found_env::{refusal, remove_found};

/// The marker written into an env while penv builds it (removed after the
/// state is written), and into a directory penv is about to delete.
pub(crate) const BUILD_MARKER: &str = "penv-building";

/// The files that identify an env, removed last when it is deleted: the
/// build marker (written first) goes last, so what a kill leaves behind is
/// still provably penv's.
const MARKERS: &[&str] = &["pyvenv.cfg", STATE_FILE, BUILD_MARKER];

/// What the build marker says: penv's signature and the directory it was
/// written into — the evidence that penv made (or is deleting) it.
#[derive(Debug, Serialize, Deserialize)]
struct MarkerRecord {
    /// [`MARKER_SIGNATURE`].
    penv: String,
    /// The directory the marker was written into.
    path: PathBuf,
    /// `building` or `deleting`.
    doing: String,
    /// The process that wrote it.
    pid: u32,
}

const MARKER_SIGNATURE: &str = "build-marker";

/// Writes penv's build marker into `dir` (never through a link); fails if
/// there is one already.
pub(crate) fn write_marker(dir: &Path, doing: &str) -> Result<(), FsError> {
    let record = MarkerRecord {
        penv: MARKER_SIGNATURE.to_owned(),
        path: dir.to_owned(),
        doing: doing.to_owned(),
        pid: std::process::id(),
    };
    let mut bytes = serde_json::to_vec_pretty(&record).expect("a marker serializes");
    bytes.push(b'\n');
    fs::write_new_in(dir, BUILD_MARKER, &bytes)
}

/// Whether `dir` holds penv's own build marker, written for `dir` or for
/// `env` (an env moved aside or into the stash keeps the marker it was
/// built with).
fn has_own_marker(dir: &Path, env: &Path) -> bool {
    let path = dir.join(BUILD_MARKER);
    if !is_regular_file(&path) {
        return false;
    }
    let Ok(bytes) = fs::read(&path) else {
        return false;
    };
    serde_json::from_slice::<MarkerRecord>(&bytes).is_ok_and(|m| {
        m.penv == MARKER_SIGNATURE && (same_location(&m.path, dir) || same_location(&m.path, env))
    })
}

/// The directory penv's own build marker in `dir` was written for: what
/// the trash asks of an entry (renamed there after it was marked).
fn marker_record(dir: &Path) -> Option<PathBuf> {
    let path = dir.join(BUILD_MARKER);
    if !is_regular_file(&path) {
        return None;
    }
    let bytes = fs::read(&path).ok()?;
    let record = serde_json::from_slice::<MarkerRecord>(&bytes).ok()?;
    (record.penv == MARKER_SIGNATURE).then_some(record.path)
}

/// Whether `dir` holds nothing but an empty `penv-building` file: what a
/// penv killed between creating its marker in a new build directory and
/// writing it (two system calls) leaves. Removing it loses nothing.
fn only_an_empty_marker(dir: &Path) -> bool {
    fs::list_dir(dir).is_ok_and(|entries| {
        matches!(entries.as_slice(), [(name, kind)] if name == BUILD_MARKER && kind.is_file())
    }) && std::fs::symlink_metadata(dir.join(BUILD_MARKER)).is_ok_and(|m| m.len() == 0)
}

/// A regular file at `path` itself (a symlink there is not).
fn is_regular_file(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file())
}

/// `path` with its parent directory resolved (symlinks and all), the last
/// component kept as it is: the same directory has one spelling, whichever
/// symlinked route names it, and a symlink at the path itself stays visible.
fn canonical_location(path: &Path) -> Option<PathBuf> {
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) => {
            let parent = if parent.as_os_str().is_empty() {
                Path::new(".")
            } else {
                parent
            };
            Some(parent.canonicalize().ok()?.join(name))
        }
        _ => path.canonicalize().ok(),
    }
}

/// Whether `a` and `b` name the same place (as written, or canonically).
fn same_location(a: &Path, b: &Path) -> bool {
    a == b
        || canonical_location(a)
            .zip(canonical_location(b))
            .is_some_and(|(a, b)| a == b)
}

/// Why penv may delete or replace a directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Evidence {
    /// `pyvenv.cfg` and a valid state file recording the env's path.
    State,
    /// penv's own build marker naming the directory (or the env it was built
    /// as), beside `pyvenv.cfg` or nothing but what a venv holds: a build or
    /// a deletion penv did not finish.
    Marker,
    /// `pyvenv.cfg` and a valid state file recording another path: the env
    /// of a project moved or copied since, in a directory that holds nothing
    /// but a venv (and the state file, and `src/`).
    Moved,
    /// A venv penv did not create, which `sync --force` replaces: nothing but
    /// a venv (the same shape as for `Occupant::ForeignVenv`).
    Forced,
}

/// Whether penv owns `dir`, an env built as `env` (itself, or the same env
/// moved aside or into the stash). `forced`: the directory is a venv that
/// `--force` handed over. Err: what is there instead, for the refusal.
pub(crate) fn evidence(dir: &Path, env: &Path, forced: bool) -> Result<Evidence, String> {
    let meta = std::fs::symlink_metadata(dir).map_err(|e| format!("cannot be inspected ({e})"))?;
    if meta.file_type().is_symlink() {
        return Err("is a symlink".to_owned());
    }
    if !meta.is_dir() {
        return Err("is not a directory".to_owned());
    }
    let has_cfg = is_regular_file(&dir.join("pyvenv.cfg"));
    if only_an_empty_marker(dir) {
        return Ok(Evidence::Marker);
    }
    if has_own_marker(dir, env)
        && (has_cfg || venv_shape(dir, &[BUILD_MARKER, STATE_FILE, "src"], false).is_none())
    {
        return Ok(Evidence::Marker);
    }
    let state_path = dir.join(STATE_FILE);
    let marker_there = std::fs::symlink_metadata(dir.join(BUILD_MARKER)).is_ok();
    if std::fs::symlink_metadata(&state_path).is_ok() {
        if !is_regular_file(&state_path) {
            return Err(format!("holds a `{STATE_FILE}` that is not a regular file"));
        }
        let state = match State::read(dir) {
            Ok(Some(state)) => state,
            Ok(None) => return Err(format!("holds no readable `{STATE_FILE}`")),
            Err(e) => {
                return Err(format!(
                    "holds a `{STATE_FILE}` that is not a valid penv state file ({})",
                    match e {
                        crate::state::StateError::Invalid { reason, .. } => reason,
                        crate::state::StateError::Io(e) => e.to_string(),
                    }
                ));
            }
        };
        if !has_cfg {
            return Err(format!("holds a `{STATE_FILE}` but no `pyvenv.cfg`"));
        }
        if same_location(&state.venv_path, env) {
            return Ok(Evidence::State);
        }
        return match venv_shape(dir, &[STATE_FILE, BUILD_MARKER, "src"], false) {
            None => Ok(Evidence::Moved),
            Some(what) => Err(format!(
                "{what}, and its `{STATE_FILE}` records another env (`{}`)",
                escape_path(&state.venv_path)
            )),
        };
    }
    if marker_there {
        return Err(format!("holds a `{BUILD_MARKER}` file penv did not write"));
    }
    if forced && has_cfg {
        return match venv_shape(dir, &[], true) {
            None => Ok(Evidence::Forced),
            Some(what) => Err(what),
        };
    }
    Err(if has_cfg {
        "is a venv penv did not create".to_owned()
    } else {
        "holds other data".to_owned()
    })
}

/// What a venv made by CPython's `venv`, virtualenv, uv or pip (data files in
/// `share/`, `etc/`, `man/`) has at its top. Not `src/`: pip puts editable
/// checkouts there, which may hold the user's uncommitted work.
const VENV_ENTRIES: &[&str] = &[
    "bin",
    "Scripts",
    "include",
    "Include",
    "lib",
    "Lib",
    "lib64",
    "pyvenv.cfg",
    "share",
    "etc",
    "man",
    ".gitignore",
    "CACHEDIR.TAG",
    ".lock",
    "pip-selfcheck.json",
    ".Python",
];

/// Why `dir` is not only a venv: no `bin/python*` (when `needs_python`),
/// or entries at its top other than a venv's and `extra` (a few named).
fn venv_shape(dir: &Path, extra: &[&str], needs_python: bool) -> Option<String> {
    let has_python = ["bin", "Scripts"].iter().any(|b| {
        std::fs::read_dir(dir.join(b)).is_ok_and(|mut entries| {
            entries.any(|e| e.is_ok_and(|e| e.file_name().to_string_lossy().starts_with("python")))
        })
    });
    if needs_python && !has_python {
        return Some("holds a `pyvenv.cfg` but no `bin/python`".to_owned());
    }
    let mut other: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !VENV_ENTRIES.contains(&n.as_str()) && !extra.contains(&n.as_str()))
        .map(|n| format!("`{n}`"))
        .collect();
    other.sort();
    let more = other.len().saturating_sub(5);
    other.truncate(5);
    if more > 0 {
        other.push(format!("{more} more"));
    }
    (!other.is_empty()).then(|| format!("is a venv that also holds {}", other.join(", ")))
}

/// The state of `dir` when it is a complete env penv built for `env`: its
/// own state file is the evidence, and no build marker says a build or a
/// deletion is unfinished. Only such an env is ever stashed or restored.
/// A relocatable env of a project moved or copied since is as complete
/// (its state records the path it was last synced at).
pub(crate) fn complete_env(dir: &Path, env: &Path) -> Result<Option<State>, FsError> {
    let relocatable_moved = || {
        matches!(State::read(dir), Ok(Some(s)) if s.is_relocatable())
            && evidence(dir, env, false) == Ok(Evidence::Moved)
    };
    if (evidence(dir, env, false) != Ok(Evidence::State) && !relocatable_moved())
        || fs::lstat(&dir.join(BUILD_MARKER))?.is_some()
    {
        return Ok(None);
    }
    Ok(State::read(dir).ok().flatten())
}

/// Removes `dir` (the env, moved aside or stashed, of `paths`) if penv owns
/// it — [`evidence`] of penv's, or empty — and refuses anything else,
/// a symlink included. `forced`: it is a venv `--force` handed over. User
/// work in its `src/` is moved to `.penv/kept/` first and added to `kept`.
pub(crate) fn remove(
    paths: &EnvPaths,
    dir: &Path,
    forced: bool,
    kept: &mut Vec<Kept>,
) -> Result<(), FsError> {
    remove_or_discard(paths, dir, (forced, false), kept)
}

/// [`remove`], but off the critical path: the checks and the rescue of
/// user work as [`remove`]'s, then `dir` is moved into `.penv/trash/` and
/// deleted once the command is done ([`trash`]); in place when it cannot be
/// moved.
pub(crate) fn discard(
    paths: &EnvPaths,
    dir: &Path,
    forced: bool,
    kept: &mut Vec<Kept>,
) -> Result<(), FsError> {
    remove_or_discard(paths, dir, (forced, true), kept)
}

fn remove_or_discard(
    paths: &EnvPaths,
    dir: &Path,
    (forced, later): (bool, bool),
    kept: &mut Vec<Kept>,
) -> Result<(), FsError> {
    if !fs::real_dir(dir)? {
        return Ok(());
    }
    if fs::is_empty_dir(dir)? {
        return fs::remove_empty_dir(dir);
    }
    if let Err(what) = evidence(dir, &paths.env, forced) {
        return Err(FsError::new(
            "remove",
            dir,
            std::io::Error::other(format!(
                "it {what}, not an env penv made; leaving it alone (move it away yourself)"
            )),
        ));
    }
    kept.extend(kept::rescue_src(paths, dir)?);
    // Marked first: if penv dies halfway, what is left (state file and all)
    // is never taken for a complete env, restored or trusted — and still
    // carries penv's evidence. Never written through a link; a marker
    // already there (a partial build) stays.
    let _ = write_marker(dir, "deleting");
    if later && trash::put(&paths.work, dir) {
        return Ok(());
    }
    fs::remove_tree_markers_last(dir, MARKERS)
}

/// Removes `dir` (the env path, or the staging directory of a build beside
/// the env `env`) if it is the partial new env of a replacement building
/// `new_hash`: penv's own marker on it, or complete for `new_hash` but not
/// committed, or still empty. `Ok(false)`: something else is there (put
/// there since, by someone else), and it stays. A symlink at `dir` is
/// refused, naming it: it is never the partial build.
pub(crate) fn remove_partial_build(
    dir: &Path,
    env: &Path,
    new_hash: &str,
) -> Result<bool, FsError> {
    fs::real_dir(dir)?;
    let partial = match evidence(dir, env, false) {
        Ok(Evidence::Marker) => true,
        Ok(Evidence::State) => matches!(State::read(dir), Ok(Some(s)) if s.hash == new_hash),
        _ => fs::is_empty_dir(dir).unwrap_or(false),
    };
    if partial {
        fs::remove_tree_markers_last(dir, MARKERS)?;
    }
    Ok(partial)
}
