//! Scripts with PEP 723 inline metadata: a `# /// script` block is the
//! script's whole spec, and its env is the store's entry for that spec's
//! hash (`venv::store`), built and checked by the same sync as a project's
//! env — the fast path (no lock, no Python) when the entry is fresh.
//!
//! Invariant: a script's env is only ever a store entry, used under the
//! entry's lock; each use records the entry's last use, and a sync that
//! built one brings the store back under `PENV_STORE_MAX`, evicting least
//! recently used entries that nothing holds.

use std::path::Path;

use super::sync::{self, InUse, Options, Outcome};
use super::{Ctx, store};
use crate::Error;
use crate::diagnostics::display_path;
use crate::plan::Plan;
use crate::project::{Project, ProjectError};
use crate::venv::store::{self, Store, StoreError};

/// The script at `file` as a project; an error when it has no block
/// (`--script` asks for one).
pub(crate) fn load(file: &Path) -> Result<Project, Error> {
    Ok(Project::from_script(file)?.map_err(ProjectError::from)?)
}

/// The plan of a script's block: its env is the store's entry.
pub(crate) fn plan(ctx: &Ctx, project: Project, python: Option<String>) -> Result<Plan, Error> {
    let store = store(ctx)?;
    Plan::for_script(project, python, &store, &ctx.vars, &ctx.prober)
}

/// Brings the script's entry up to date and records its use; after a
/// build, evicts what no longer fits under `PENV_STORE_MAX`.
pub(crate) fn sync(ctx: &Ctx, plan: &Plan, options: Options) -> Result<(Outcome, InUse), Error> {
    let store = store(ctx)?;
    let max = store::max(ctx.vars.store_max.as_deref())?;
    if !plan.paths.env.exists() {
        store.ensure()?;
    }
    let (outcome, in_use) = sync::sync(ctx, plan, options)?;
    Store::touch(&plan.paths);
    if matches!(outcome, Outcome::Built { .. }) {
        for (path, size) in store.evict(max, &plan.paths.env) {
            ctx.printer.status(&format!(
                "Removed `{}` ({}) from the store: least recently used, to keep it under {} (`PENV_STORE_MAX`)",
                display_path(&path),
                super::envs::size(size),
                super::envs::size(max)
            ));
        }
    }
    Ok((outcome, in_use))
}

/// The store's entries, their total size on disk and its bound, for
/// `penv cache dir`.
pub(crate) fn summary(ctx: &Ctx) -> Option<(usize, u64, Result<u64, StoreError>)> {
    let store = store(ctx).ok()?;
    let entries = store.entries();
    let size = entries
        .iter()
        .map(|e| crate::venv::found::size_and_mtime(&e.paths.env).0)
        .sum();
    Some((
        entries.len(),
        size,
        store::max(ctx.vars.store_max.as_deref()),
    ))
}
