//! What a derive does not clone: the files of the distributions it would
//! uninstall from the clone, when the target is known before cloning (a
//! lock's selection, or a removal read from the installed metadata). Not
//! copying them costs nothing; copying them and running `pip uninstall`
//! costs a pip start and a walk of their files.
//!
//! Invariant: the clone is what `pip uninstall` of those distributions
//! leaves — every file their `RECORD` lists, the bytecode Python wrote for
//! their modules (`__pycache__/<stem>.<tag>.pyc`, as pip adds it), their
//! `.dist-info`, and a package directory emptied by them — and nothing a
//! kept distribution owns is left out (`Keeping` draws a distribution that
//! shares a file with one uninstalled into the uninstall). A distribution
//! without a `RECORD` is cloned, for pip to uninstall as before.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::Error;
use crate::venv::record;

/// The files left out of a clone and the distributions they belong to.
#[derive(Debug, Default)]
pub(crate) struct LeftOut {
    /// Relative to the env; a `.dist-info` directory is left out whole.
    pub(crate) paths: BTreeSet<PathBuf>,
    /// By normalized name.
    pub(crate) dists: BTreeSet<String>,
}

/// What of the env at `env` is not cloned when the distributions `gone`
/// are to be uninstalled.
pub(crate) fn of(env: &Path, gone: &BTreeSet<String>) -> Result<LeftOut, Error> {
    let records = record::read(env)?;
    let kept: BTreeSet<&PathBuf> = records
        .dists
        .iter()
        .filter(|(name, _)| !gone.contains(*name))
        .flat_map(|(_, rows)| rows.iter().map(|r| &r.path))
        .collect();
    let mut out = LeftOut::default();
    let mut caches = BTreeMap::new();
    for (name, rows) in records.dists.iter().filter(|(n, _)| gone.contains(*n)) {
        if name == "pip" || rows.iter().any(|r| kept.contains(&r.path)) {
            continue;
        }
        out.dists.insert(name.clone());
        for row in rows {
            if row.path.file_name().is_some_and(|n| n == "RECORD")
                && let Some(info) = row
                    .path
                    .parent()
                    .filter(|p| p.extension().is_some_and(|e| e == "dist-info"))
            {
                out.paths.insert(info.to_owned());
            }
            out.paths.extend(bytecode(env, &row.path, &mut caches));
            out.paths.insert(row.path.clone());
        }
    }
    Ok(out)
}

/// The bytecode Python wrote for the module `path` (relative to `env`):
/// `__pycache__/<stem>.<tag>.pyc`, as pip's uninstall adds it (not the
/// `.opt-N` ones, which pip leaves). `caches`: each `__pycache__` listed once.
fn bytecode(env: &Path, path: &Path, caches: &mut BTreeMap<PathBuf, Vec<String>>) -> Vec<PathBuf> {
    let (Some(stem), Some(dir)) = (
        path.file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".py")),
        path.parent(),
    ) else {
        return Vec::new();
    };
    let cache = dir.join("__pycache__");
    let names = caches.entry(cache.clone()).or_insert_with(|| {
        crate::fs::list_dir(&env.join(&cache))
            .map(|entries| {
                entries
                    .into_iter()
                    .map(|(n, _)| n.to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    });
    names
        .iter()
        .filter(|n| {
            n.strip_prefix(stem)
                .and_then(|r| r.strip_prefix('.'))
                .and_then(|r| r.strip_suffix(".pyc"))
                .is_some_and(|tag| !tag.contains('.'))
        })
        .map(|n| cache.join(n))
        .collect()
}
