//! `penv envs`: every env penv knows of (its registry, and the stash
//! entries beside those envs) plus every env found under the scanned
//! directories, each with its kind, Python, size, last use and state; and
//! what penv keeps of its own in the cache directory. [`prune`] selects
//! among them and deletes.
//!
//! Invariant: the state of a penv env is the readiness verdict
//! (`venv::readiness`) against what its project wants now; that of any
//! other env is what `venv::found` reads from it. The registry only says
//! where to look: an env listed is one that is on disk now.

pub(crate) mod prune;
mod units;

pub(crate) use units::{age, parse_duration, size};

use crate::diagnostics::escape_path;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::Ctx;
use crate::plan::{Chosen, ForEnv, Plan, Selection};
use crate::project::Project;
use crate::registry::{self, Record};
use crate::venv::found::{self, Kind};
use crate::venv::store::Store;
use crate::venv::{EnvPaths, Readiness, Want, stash};

/// The state of a listed env.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum EnvState {
    /// Usable as it is (for a penv env: fresh for its project).
    Ok,
    /// Its base interpreter is gone or changed, or it is not a usable env.
    Broken,
    /// A penv env whose spec no longer matches its project.
    Stale,
    /// A penv env whose project file is gone (or no longer uses it).
    Orphaned,
    /// An env penv stashed for a branch switch.
    Stash,
    /// An entry of penv's store (a PEP 723 script's env).
    Store,
}

impl EnvState {
    /// The name shown.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Broken => "broken",
            Self::Stale => "stale",
            Self::Orphaned => "orphaned",
            Self::Stash => "stash",
            Self::Store => "store",
        }
    }
}

/// One env on disk.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Listed {
    #[serde(serialize_with = "crate::diagnostics::serialize_path")]
    pub(crate) path: PathBuf,
    pub(crate) kind: &'static str,
    pub(crate) python: Option<String>,
    /// Bytes on disk, each file once (as `du` on this env alone).
    pub(crate) size: u64,
    /// How much of `size` is files hard-linked into another listed env or
    /// cache part too (counted once in the total).
    pub(crate) shared: u64,
    /// Seconds since the epoch.
    pub(crate) last_used: u64,
    /// `penv` (penv's record of a sync or run) or `files` (the newest
    /// modification time of the env's own files).
    pub(crate) last_used_from: &'static str,
    pub(crate) state: EnvState,
    /// Why it is not `ok`.
    pub(crate) why: Vec<String>,
    /// The project file penv synced it for, when penv knows it.
    #[serde(serialize_with = "crate::diagnostics::serialize_opt_path")]
    pub(crate) project_file: Option<PathBuf>,
    /// For a stash entry: the env it was stashed from, when that env is
    /// listed (the table folds the entry under it unless `--all`).
    #[serde(serialize_with = "crate::diagnostics::serialize_opt_path")]
    pub(crate) stashed_from: Option<PathBuf>,
    /// For an env with stash entries listed: how many, and their size
    /// together (each file once).
    pub(crate) stashed: Option<Folded>,
}

/// Entries folded into one line: how many, and their size together, each
/// file once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Folded {
    pub(crate) count: usize,
    pub(crate) size: u64,
}

/// What penv keeps of its own in its cache directory.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct CachePart {
    /// `probe-cache`, `pip-seeds`, `pip-downloads`.
    pub(crate) name: &'static str,
    #[serde(serialize_with = "crate::diagnostics::serialize_path")]
    pub(crate) path: PathBuf,
    pub(crate) size: u64,
}

/// The cache directory's parts penv owns: (name, subdirectory, what it holds).
pub(crate) const CACHE_PARTS: &[(&str, &str, &str)] = &[
    (
        "probe-cache",
        "interpreters",
        "what each base interpreter is (cleaned by `penv cache clean`)",
    ),
    (
        "pip-seeds",
        "seed",
        "byte-compiled pip, hard-linked into new envs (cleaned by `penv cache clean`)",
    ),
    (
        "pip-downloads",
        "pip",
        "pip wheels penv downloaded to seed envs",
    ),
];

/// Everything `penv envs` shows.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Listing {
    pub(crate) envs: Vec<Listed>,
    pub(crate) cache: Vec<CachePart>,
    /// The store's entries, together (the table folds them into one line
    /// unless `--all`).
    pub(crate) store: Folded,
    /// Every env and cache part together, each file once: what `du` says
    /// of them all.
    pub(crate) total: u64,
    /// How much of it is penv's own (stashes, the store and the cache
    /// parts), each file once.
    pub(crate) penv_own: u64,
}

/// Lists the registered envs, their stash entries and the envs under `scan`
/// (directories that do not exist are skipped, with a warning).
pub(crate) fn list(ctx: &Ctx, scan: &[PathBuf]) -> Listing {
    let records = ctx
        .data_dir
        .as_deref()
        .map(registry::list)
        .unwrap_or_default();
    // Each env once, under its canonical path; `Some` for penv's records.
    let mut found: BTreeMap<PathBuf, (Option<Record>, bool)> = BTreeMap::new();
    // Each stash entry's env, as its registry record says.
    let mut owners: BTreeMap<PathBuf, PathBuf> = BTreeMap::new();
    let now = crate::state::now();
    for record in records {
        let paths = EnvPaths::new(record.env.clone());
        let stashes = stash::list(&paths);
        for entry in &stashes {
            if let Ok(path) = entry.path.canonicalize() {
                if let Ok(env) = record.env.canonicalize() {
                    owners.insert(path.clone(), env);
                }
                found.insert(path, (None, true));
            }
        }
        if let Some(data_dir) = &ctx.data_dir {
            registry::settle(data_dir, &record, seen(&paths, !stashes.is_empty()), now);
        }
        if found::is_env(&record.env)
            && let Ok(path) = record.env.canonicalize()
        {
            found.insert(path, (Some(record), false));
        }
    }
    // The store's entries are found in the store itself, not the registry.
    for entry in ctx.cache_dir.iter().flat_map(|c| Store::new(c).entries()) {
        if found::is_env(&entry.paths.env)
            && let Ok(path) = entry.paths.env.canonicalize()
        {
            found.insert(path, (None, false));
        }
    }
    for root in scan {
        let Ok(root) = root.canonicalize() else {
            ctx.printer.warn(&format!(
                "`{}` does not exist; not scanned",
                escape_path(root)
            ));
            continue;
        };
        for path in found::scan(&root) {
            let stashed = path.parent().is_some_and(|p| p.ends_with(".penv/stash"));
            found.entry(path).or_insert((None, stashed));
        }
    }
    let mut tally = found::Tally::default();
    let mut envs: Vec<Listed> = found
        .into_iter()
        .map(|(path, (record, stashed))| {
            let index = tally.add(&path);
            let sizes = (tally.size(index), tally.newest(index));
            describe(ctx, path, record.as_ref(), stashed, sizes)
        })
        .collect();
    let mut cache: Vec<CachePart> = ctx
        .cache_dir
        .iter()
        .flat_map(|dir| {
            CACHE_PARTS.iter().filter_map(|(name, sub, _)| {
                let path = dir.join(sub);
                // Only what is penv's: a shared cache's `pip/` is pip's own.
                let own = ctx.vars.cache_dir.is_none();
                super::cache::is_penvs(&path, own).then_some(CachePart {
                    name,
                    size: 0,
                    path,
                })
            })
        })
        .collect();
    // Envs first, then cache parts: index `i` of the tally is `envs[i]`,
    // then `cache[i - envs.len()]`.
    for part in &mut cache {
        let index = tally.add(&part.path);
        part.size = tally.size(index);
    }
    for (index, env) in envs.iter_mut().enumerate() {
        env.shared = tally.shared(index);
    }
    fold_stashes(&mut envs, &owners, &tally);
    let own: Vec<usize> = envs
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(e.state, EnvState::Stash | EnvState::Store))
        .map(|(i, _)| i)
        .chain(envs.len()..envs.len() + cache.len())
        .collect();
    let stored: Vec<usize> = envs
        .iter()
        .enumerate()
        .filter(|(_, e)| e.state == EnvState::Store)
        .map(|(i, _)| i)
        .collect();
    let store = Folded {
        count: stored.len(),
        size: tally.size_of(stored),
    };
    let (total, penv_own) = (tally.total(), tally.size_of(own));
    envs.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.path.cmp(&b.path)));
    Listing {
        envs,
        cache,
        store,
        total,
        penv_own,
    }
}

/// Each stash entry's env (`stashed_from`), from the registry or, for an
/// entry found by a scan, the listed env beside its `.penv/` of the name
/// the entry starts with; and on each env, its entries together
/// (`stashed`). `envs` is in tally order.
fn fold_stashes(envs: &mut [Listed], owners: &BTreeMap<PathBuf, PathBuf>, tally: &found::Tally) {
    let listed: BTreeMap<PathBuf, usize> = envs
        .iter()
        .enumerate()
        .filter(|(_, e)| e.state != EnvState::Stash)
        .map(|(i, e)| (e.path.clone(), i))
        .collect();
    let mut entries: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (index, entry) in envs.iter_mut().enumerate() {
        if entry.state != EnvState::Stash {
            continue;
        }
        let owner = owners.get(&entry.path).cloned().or_else(|| {
            // `<dir>/.penv/stash/<env name>-<hash>…` beside `<dir>/<env name>`.
            let dir = entry.path.parent()?.parent()?.parent()?;
            let name = entry.path.file_name()?.to_string_lossy().into_owned();
            listed
                .keys()
                .find(|env| {
                    env.parent() == Some(dir)
                        && env
                            .file_name()
                            .is_some_and(|n| name.starts_with(&format!("{}-", n.to_string_lossy())))
                })
                .cloned()
        });
        if let Some(owner) = owner.filter(|o| listed.contains_key(o)) {
            entries.entry(listed[&owner]).or_default().push(index);
            entry.stashed_from = Some(owner);
        }
    }
    for (env, stashes) in entries {
        envs[env].stashed = Some(Folded {
            count: stashes.len(),
            size: tally.size_of(stashes),
        });
    }
}

/// What is at a registered env's path, for [`registry::settle`]: gone only
/// when nothing is there (not an unreadable path), nothing of it is left
/// in the stash (the record is how those entries are found), and no other
/// penv holds its lock (a rebuild moves the env aside for a moment).
fn seen(paths: &EnvPaths, stashed: bool) -> registry::Seen {
    let nothing = |p: &Path| {
        std::fs::symlink_metadata(p).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
    };
    if !nothing(&paths.env) || stashed || crate::fs::is_locked_exclusively(&paths.lock_file()) {
        return registry::Seen::There;
    }
    registry::Seen::Gone {
        parent: paths.env.parent().is_some_and(|p| !nothing(p)),
    }
}

/// One env's kind, Python, size, last use and state.
fn describe(
    ctx: &Ctx,
    path: PathBuf,
    record: Option<&Record>,
    stashed: bool,
    (size, newest): (u64, u64),
) -> Listed {
    let info = found::inspect(&path);
    let state_file = crate::state::State::read(&path).ok().flatten();
    let store = ctx.cache_dir.as_deref().map(Store::new);
    let stored = store.as_ref().and_then(|s| s.last_used(&path));
    let (last_used, last_used_from) = match (record, &state_file) {
        _ if let Some(used) = stored => (used, "penv"),
        (Some(r), _) => (r.last_used, "penv"),
        (None, Some(s)) if !stashed => (s.last_used, "penv"),
        _ => (newest, "files"),
    };
    let (state, why) = if stashed {
        (EnvState::Stash, Vec::new())
    } else if stored.is_some() {
        (EnvState::Store, Vec::new())
    } else if info.kind == Kind::Penv {
        penv_state(ctx, &path, record)
    } else if info.broken.is_empty() {
        (EnvState::Ok, Vec::new())
    } else {
        (EnvState::Broken, info.broken.clone())
    };
    Listed {
        kind: info.kind.name(),
        python: info.python,
        size,
        shared: 0,
        last_used,
        last_used_from,
        state,
        why,
        project_file: record.map(|r| r.project_file.clone()),
        stashed_from: None,
        stashed: None,
        path,
    }
}

/// A penv env's state: orphaned when its project file is gone or uses
/// another env; else the readiness verdict against the project's plan
/// (with the groups it was built with), or as built when there is no plan.
fn penv_state(ctx: &Ctx, env: &Path, record: Option<&Record>) -> (EnvState, Vec<String>) {
    let paths = EnvPaths::new(env.to_owned());
    let mut plan_error = None;
    if let Some(record) = record {
        if !record.project_file.is_file() {
            return (
                EnvState::Orphaned,
                vec![format!(
                    "its project file `{}` is gone",
                    escape_path(&record.project_file)
                )],
            );
        }
        // As every command judges it: the plan a plain `penv status` or
        // `penv sync --check` in the project makes (the groups the env was
        // synced with, `pylock.toml` when there is one), and its verdict.
        let selection = Selection {
            python: None,
            groups: crate::spec::GroupSelection::default(),
            lock: crate::plan::LockUse::Auto,
        };
        match Project::load(&record.project_file)
            .map_err(crate::Error::from)
            .and_then(|p| Plan::for_env(p, selection, Chosen::Nothing, &ctx.vars, &ctx.prober))
        {
            Ok(ForEnv { plan, gave_way }) => {
                let same = plan.paths.env.canonicalize().ok().as_deref() == Some(env);
                if !same {
                    return (
                        EnvState::Orphaned,
                        vec![format!(
                            "its project `{}` now uses `{}`",
                            escape_path(&record.project_file),
                            escape_path(&plan.paths.env)
                        )],
                    );
                }
                // A stale lock the env is built from makes it stale, as
                // `status` says.
                let readiness = crate::ops::sync::readiness_with_lock(ctx, &plan)
                    .unwrap_or_else(|_| plan.readiness());
                let (state, mut why) = verdict(&readiness);
                why.extend(gave_way.filter(|_| state != EnvState::Ok));
                return (state, why);
            }
            Err(e) => plan_error = Some(e.to_string()),
        }
    }
    let (state, why) = verdict(&Readiness::now(&paths, Want::AsBuilt));
    match plan_error {
        // Intact, but its project no longer yields a spec (a group it was
        // built with removed, no interpreter that satisfies it): stale.
        Some(e) if state == EnvState::Ok => (
            EnvState::Stale,
            vec![format!("its project cannot be planned now: {e}")],
        ),
        _ => (state, why),
    }
}

/// The listed state for a readiness verdict.
fn verdict(readiness: &Readiness) -> (EnvState, Vec<String>) {
    match readiness {
        Readiness::Fresh(_) | Readiness::Rebuilding => (EnvState::Ok, Vec::new()),
        Readiness::Stale { .. } => (EnvState::Stale, readiness.why()),
        _ => (EnvState::Broken, readiness.why()),
    }
}
