//! The registry of envs penv built: one small JSON file per env in
//! `<data dir>/envs/`, named by a hash of the env's absolute path, so that
//! `penv envs` finds every env penv made on this machine without a scan.
//!
//! Invariant: a record is only ever replaced whole (written atomically:
//! a temporary file, then a rename), and each env has its own file, so
//! concurrent penvs never read-modify-write a shared list and no record is
//! ever half-written. A no-op sync or a `penv run` writes at most once an
//! hour per env (like `State::touch`): the fast path costs one small read.
//! The registry is a hint, never evidence: what is listed or deleted is
//! decided from the env on disk (`venv::found`, `venv::owned`).
//!
//! A record outlives its env only for a while: `penv envs` drops the
//! record of an env deleted by hand ([`settle`]) at once when the
//! directory that held it is still there, and a month after it first saw
//! it gone when that directory is gone too (an unplugged disk or an
//! unmounted share comes back).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::fs;
use crate::state::now;

/// How often a record of an env that was only used (not rebuilt) is rewritten.
const TOUCH_EVERY_SECS: u64 = 3600;

/// The largest record read (a record is a few hundred bytes).
const MAX_RECORD_BYTES: u64 = 64 * 1024;

/// How long the record of an env whose parent directory is gone too is
/// kept (the volume may only be unmounted).
const GONE_GRACE_SECS: u64 = 30 * 86_400;

/// What penv remembers of an env it synced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Record {
    /// The env's absolute path.
    #[serde(with = "path_form")]
    pub(crate) env: PathBuf,
    /// The project file it was synced for (a project in a directory whose
    /// name is not UTF-8 may have its env elsewhere).
    #[serde(with = "path_form")]
    pub(crate) project_file: PathBuf,
    /// When a sync last built or restored it (seconds since the epoch).
    pub(crate) last_sync: u64,
    /// When a sync or `penv run` last used it (at most an hour old when used since).
    pub(crate) last_used: u64,
    /// When `penv envs` first found the env and its parent directory gone
    /// (see [`settle`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) missing_since: Option<u64>,
}

/// A path in a record, lossless: a string when it is UTF-8, else
/// `diagnostics::json_path`'s `{"lossy", "hex"}` object (read back from
/// its `hex`).
mod path_form {
    use std::path::{Path, PathBuf};

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(path: &Path, s: S) -> Result<S::Ok, S::Error> {
        crate::diagnostics::serialize_path(path, s)
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Form {
        Text(String),
        Bytes { hex: String },
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<PathBuf, D::Error> {
        match Form::deserialize(d)? {
            Form::Text(text) => Ok(PathBuf::from(text)),
            Form::Bytes { hex } => {
                let bytes = hex::decode(hex).map_err(serde::de::Error::custom)?;
                from_bytes(bytes).ok_or_else(|| serde::de::Error::custom("not a path"))
            }
        }
    }

    #[cfg(unix)]
    #[expect(
        clippy::unnecessary_wraps,
        reason = "the same signature as elsewhere, where not all bytes are a path"
    )]
    fn from_bytes(bytes: Vec<u8>) -> Option<PathBuf> {
        use std::os::unix::ffi::OsStringExt as _;
        Some(PathBuf::from(std::ffi::OsString::from_vec(bytes)))
    }

    #[cfg(not(unix))]
    fn from_bytes(bytes: Vec<u8>) -> Option<PathBuf> {
        String::from_utf8(bytes).ok().map(PathBuf::from)
    }
}

/// What `penv envs` found at a record's env.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seen {
    /// Something is there (an env, or anything else: a rebuild may be
    /// under way), or the env is gone but penv still needs the record
    /// (its stash entries are found through it; its lock is held).
    There,
    /// Nothing at the env's path; `parent` says whether the directory
    /// that held it is there.
    Gone { parent: bool },
}

/// The registry's directory under penv's data directory.
pub(crate) fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("envs")
}

/// The record file of the env at `env`.
fn file_of(data_dir: &Path, env: &Path) -> PathBuf {
    let digest = Sha256::digest(env.as_os_str().as_encoded_bytes());
    dir(data_dir).join(format!("{}.json", hex::encode(&digest[..8])))
}

/// Reads one record; `None` when it is missing, too large or not a record.
fn read(path: &Path) -> Option<Record> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_RECORD_BYTES {
        return None;
    }
    serde_json::from_slice(&fs::read(path).ok()?).ok()
}

/// Records a sync of `env` for `project_file`: `rebuilt` when it built or
/// restored the env (always written), else a use (written at most hourly).
/// Best effort: an unwritable data directory never fails a sync.
pub(crate) fn record(data_dir: Option<&Path>, env: &Path, project_file: &Path, rebuilt: bool) {
    let Some(data_dir) = data_dir else { return };
    let path = file_of(data_dir, env);
    let now = now();
    let old = read(&path).filter(|r| r.env == env);
    if let Some(old) = &old
        && !rebuilt
        && old.project_file == project_file
        && now.saturating_sub(old.last_used) < TOUCH_EVERY_SECS
    {
        return;
    }
    let record = Record {
        env: env.to_owned(),
        project_file: project_file.to_owned(),
        last_sync: if rebuilt {
            now
        } else {
            old.map_or(now, |o| o.last_sync)
        },
        last_used: now,
        missing_since: None,
    };
    if fs::create_dir_all(&dir(data_dir)).is_ok() {
        write(&path, &record);
    }
}

/// Replaces the record file `path` with `record`, best effort.
fn write(path: &Path, record: &Record) {
    let mut bytes = serde_json::to_vec_pretty(record).expect("a record serializes");
    bytes.push(b'\n');
    let _ = fs::write_atomic(path, &bytes);
}

/// Brings `record` (as [`list`] returned it) in line with what `penv envs`
/// found at its env, `now` (seconds since the epoch): an env that is there
/// loses any mark; one gone from a directory that is there is forgotten;
/// one gone with its directory is marked, and forgotten once it has been
/// gone for [`GONE_GRACE_SECS`]. Only a record file that still holds
/// `record` is changed, so a sync that recorded the env again meanwhile
/// wins. Best effort, like [`record`].
pub(crate) fn settle(data_dir: &Path, record: &Record, seen: Seen, now: u64) {
    let path = file_of(data_dir, &record.env);
    let changed = match (seen, record.missing_since) {
        (Seen::There, None) => return,
        (Seen::There, Some(_)) => Some(None),
        (Seen::Gone { parent: true }, _) => None,
        (Seen::Gone { parent: false }, None) => Some(Some(now)),
        (Seen::Gone { parent: false }, Some(since)) => {
            if now.saturating_sub(since) < GONE_GRACE_SECS {
                return;
            }
            None
        }
    };
    if read(&path).as_ref() != Some(record) {
        return;
    }
    match changed {
        Some(missing_since) => write(
            &path,
            &Record {
                missing_since,
                ..record.clone()
            },
        ),
        None => {
            let _ = fs::delete_file(&path);
        }
    }
}

/// Every record, sorted by env path; unreadable files are skipped.
pub(crate) fn list(data_dir: &Path) -> Vec<Record> {
    let Ok(entries) = std::fs::read_dir(dir(data_dir)) else {
        return Vec::new();
    };
    let mut out: Vec<Record> = entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
        .filter_map(|e| read(&e.path()))
        .filter(|r| r.env.is_absolute())
        .collect();
    out.sort_by(|a, b| a.env.cmp(&b.env));
    out.dedup_by(|a, b| a.env == b.env);
    out
}

/// Forgets the env whose canonical path is `env` (after `penv envs prune`
/// deleted it): records are keyed by the path as the project spelled it.
pub(crate) fn forget(data_dir: &Path, env: &Path) {
    let Ok(entries) = std::fs::read_dir(dir(data_dir)) else {
        return;
    };
    for entry in entries.flatten() {
        let Some(record) = read(&entry.path()) else {
            continue;
        };
        let canonical = record
            .env
            .parent()
            .and_then(|p| p.canonicalize().ok())
            .zip(record.env.file_name())
            .map(|(p, n)| p.join(n));
        if record.env == env || canonical.as_deref() == Some(env) {
            let _ = fs::delete_file(&entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_one_file_per_env_and_uses_are_written_at_most_hourly() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path();
        let env = Path::new("/p/a/.venv");
        record(Some(data), env, Path::new("/p/a/penv.toml"), true);
        record(
            Some(data),
            Path::new("/p/b/.venv"),
            Path::new("/p/b/penv.toml"),
            true,
        );
        let all = list(data);
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].env, env);
        // A use within the hour does not rewrite the record.
        let path = file_of(data, env);
        let mut old = read(&path).unwrap();
        old.last_used -= 10;
        std::fs::write(&path, serde_json::to_vec(&old).unwrap()).unwrap();
        record(Some(data), env, Path::new("/p/a/penv.toml"), false);
        assert_eq!(read(&path).unwrap(), old);
        // An hour later it does, keeping the last sync.
        old.last_used -= TOUCH_EVERY_SECS;
        old.last_sync = 7;
        std::fs::write(&path, serde_json::to_vec(&old).unwrap()).unwrap();
        record(Some(data), env, Path::new("/p/a/penv.toml"), false);
        let new = read(&path).unwrap();
        assert_eq!(new.last_sync, 7);
        assert!(new.last_used > old.last_used);
        forget(data, env);
        assert_eq!(list(data).len(), 1);
    }

    /// A project file whose path is not UTF-8 (its env elsewhere) is
    /// recorded and read back exactly (issue 23: the record panicked).
    #[cfg(unix)]
    #[test]
    fn a_path_that_is_not_utf8_is_recorded_losslessly() {
        use std::os::unix::ffi::OsStrExt as _;
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path();
        let env = data.join("env");
        let project = data.join(std::ffi::OsStr::from_bytes(b"caf\xe9/penv.toml"));
        record(Some(data), &env, &project, true);
        let listed = list(data);
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].project_file, project);
        assert_eq!(listed[0].env, env);
    }

    #[test]
    fn settle_forgets_an_env_gone_from_its_directory_and_marks_one_gone_with_it() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path();
        let env = Path::new("/p/a/.venv");
        record(Some(data), env, Path::new("/p/a/penv.toml"), true);
        let path = file_of(data, env);
        let seen = |r: &Record, s: Seen, now: u64| {
            settle(data, r, s, now);
            read(&path)
        };
        let first = read(&path).unwrap();
        // There: nothing to write.
        assert_eq!(seen(&first, Seen::There, 10).as_ref(), Some(&first));
        // Gone with its directory: marked, kept for the grace period…
        let marked = seen(&first, Seen::Gone { parent: false }, 1000).unwrap();
        assert_eq!(marked.missing_since, Some(1000));
        let later = 1000 + GONE_GRACE_SECS - 1;
        assert_eq!(
            seen(&marked, Seen::Gone { parent: false }, later),
            Some(marked.clone())
        );
        // …back: unmarked.
        let back = seen(&marked, Seen::There, later).unwrap();
        assert_eq!(back, first);
        // Marked, then gone past the grace period: forgotten.
        let marked = seen(&back, Seen::Gone { parent: false }, 1000).unwrap();
        assert_eq!(
            seen(
                &marked,
                Seen::Gone { parent: false },
                1000 + GONE_GRACE_SECS
            ),
            None
        );
        // Gone from a directory that is there: forgotten at once.
        record(Some(data), env, Path::new("/p/a/penv.toml"), true);
        let again = read(&path).unwrap();
        assert_eq!(seen(&again, Seen::Gone { parent: true }, 5), None);
        // A record rewritten since it was listed (a sync recorded the env
        // again) is left alone.
        record(Some(data), env, Path::new("/p/a/penv.toml"), true);
        let stale_copy = Record {
            last_sync: 1,
            ..read(&path).unwrap()
        };
        settle(data, &stale_copy, Seen::Gone { parent: true }, 5);
        assert!(read(&path).is_some());
        assert!(!list(data).is_empty());
    }
}
