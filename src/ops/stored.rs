//! Projects' envs in the machine-wide store: after a build, an env whose
//! spec hash covers everything that decides it ([`crate::spec::Spec::not_shareable`])
//! is offered there as a clone, so another checkout of the same spec clones
//! it with no pip run (`ops::derive`'s exact donor). A package project
//! whose dependencies are static (`spec::own`) is offered without the
//! project: its files are not cloned, as a derive leaves out what it
//! uninstalls (`derive::left_out`; the build's installer, pip or uv,
//! uninstalls it from the clone only where that cannot be done): the other
//! checkout installs its own, `--no-deps`.
//!
//! Invariant: an entry is put in place whole, like any env (built beside
//! and committed); the store is a cache, so every failure here is only
//! said with `-v`.

use std::path::Path;
use std::time::Duration;

use super::Ctx;
use super::derive::link_mode;
use crate::Error;
use crate::diagnostics::display_path;
use crate::plan::Plan;
use crate::state::{Origin, State};
use crate::venv::clone::{self, LinkMode};
use crate::venv::relocate;

/// Offers the env just built at the env path to the store, by its spec
/// hash, as a clone (so another checkout of the same spec gets it without
/// pip): only a relocatable env that does not point into its project, and
/// not one cloned from the store. Best effort: the store is a cache.
pub(crate) fn offer_to_store(ctx: &Ctx, plan: &Plan, state: &State, pip: &PipRun) {
    // What the hash does not capture cannot be shared (`Spec::not_shareable`:
    // the project itself, local projects, variables, unhashed URLs…).
    if !state.is_relocatable()
        || matches!(state.origin, Some(Origin::Store { .. }))
        || plan.script().is_some()
    {
        return;
    }
    if let Some(why) = state.spec.not_shareable_without_project(&plan.project.root) {
        ctx.printer
            .verbose(&format!("the env is not kept in the store: {why}"));
        return;
    }
    let Ok(store) = super::store(ctx) else {
        return;
    };
    // `PENV_STORE_MAX=0`: no room for a project's env.
    let max = match crate::venv::store::max(ctx.vars.store_max.as_deref()) {
        Ok(max) if max > 0 => max,
        _ => return,
    };
    let entry = store.entry(&plan.hash);
    if entry.env.exists() || store.ensure().is_err() || entry.ensure_work_dir().is_err() {
        return;
    }
    let Ok(lock) = crate::fs::lock_exclusive(&entry.lock_file(), Duration::ZERO, |_| {}) else {
        return;
    };
    let mode = link_mode(ctx, plan).unwrap_or(LinkMode::Auto);
    let started = std::time::Instant::now();
    let project = state
        .spec
        .package
        .as_ref()
        .and_then(|p| crate::spec::own::read(&plan.project.root, p).ok())
        .map(|own| own.name);
    let without = project.as_deref().map(|name| Without { name, pip });
    match put(&entry, &plan.paths.env, state, mode, without.as_ref()) {
        Ok(()) => {
            crate::venv::store::Store::touch(&entry);
            crate::venv::store::Store::record_size(&entry);
            ctx.printer.verbose(&format!(
                "kept a clone in the store, `{}`, in {:.0} ms",
                display_path(&entry.env),
                started.elapsed().as_secs_f64() * 1000.0
            ));
        }
        Err(e) => ctx
            .printer
            .verbose(&format!("the env was not kept in the store: {e}")),
    }
    drop(lock);
    store.evict(max, &entry.env);
}

/// Before `sync --reinstall` of an env cloned from the store by hard links:
/// the store's entry shares its files, which a reinstall is usually asked
/// for because they were edited in place, so the entry is dropped (another
/// checkout then builds, or gets the reinstalled env once it is offered).
pub(crate) fn drop_linked_origin(ctx: &Ctx, env: &Path) {
    let Ok(Some(state)) = State::read(env) else {
        return;
    };
    let Some(Origin::Store {
        from, link_mode, ..
    }) = &state.origin
    else {
        return;
    };
    if link_mode != LinkMode::Hardlink.name() {
        return;
    }
    if let Ok(store) = super::store(ctx)
        && store.remove_entry(from)
    {
        ctx.printer.verbose(&format!(
            "dropped `{}` from the store: it shares its files with the env reinstalled",
            display_path(from)
        ));
    }
}

/// How the store runs an install (pip's arguments, into an env, with a
/// progress line): the build's installer, pip or uv.
pub(crate) type PipRun<'a> = dyn Fn(&Path, &[String], &str) -> Result<(), Error> + 'a;

/// The project taken out of a clone before it is stored.
struct Without<'a> {
    /// Its PEP 503 name.
    name: &'a str,
    pip: &'a PipRun<'a>,
}

/// Clones `env` (with `state`) into the store entry `entry`, built beside
/// it and put in place whole, like any env; `without`, the project
/// uninstalled from the clone by the build's installer (its dependencies
/// stay).
fn put(
    entry: &crate::venv::EnvPaths,
    env: &Path,
    state: &State,
    mode: LinkMode,
    without: Option<&Without>,
) -> Result<(), Error> {
    let beside = crate::venv::txn::swap::Beside::begin(
        entry,
        crate::venv::owned::Occupant::Nothing,
        &state.hash,
    )?;
    let dir = beside.dir();
    // The project's files not cloned, when they are its own (as a derive
    // leaves out what it uninstalls): the same tree as `pip uninstall`
    // leaves, with no installer run.
    let left_out = match without {
        Some(w) => {
            super::derive::left_out::of(env, &std::collections::BTreeSet::from([w.name.to_owned()]))
                .ok()
                .filter(|l| l.dists.contains(w.name))
        }
        None => None,
    };
    let no_paths = std::collections::BTreeSet::new();
    let left_paths = left_out.as_ref().map_or(&no_paths, |l| &l.paths);
    let without = without.filter(|_| left_out.is_none());
    let built = clone::clone_tree_without(env, &dir, mode, left_paths)
        .map_err(Error::from)
        .and_then(|_| match without {
            Some(w) => (w.pip)(
                &dir,
                &[
                    "uninstall".to_owned(),
                    "--yes".to_owned(),
                    "--disable-pip-version-check".to_owned(),
                    w.name.to_owned(),
                ],
                "Keeping the env in the store, without the project",
            ),
            None => Ok(()),
        })
        .and_then(|()| {
            Ok(relocate::relocate_clone(
                &dir,
                &state.venv_path,
                &entry.env,
            )?)
        })
        .and_then(|_| Ok(crate::venv::drift::record(&dir)?));
    let as_built = match built {
        Ok(mut as_built) => {
            as_built.artifacts = state
                .as_built
                .as_ref()
                .map(|b| b.artifacts.clone())
                .unwrap_or_default();
            let dists = &as_built.dists;
            as_built
                .artifacts
                .retain(|name, _| dists.iter().any(|d| &d.name == name));
            as_built
        }
        Err(e) => {
            beside.rollback()?;
            return Err(e);
        }
    };
    let stored = State {
        venv_path: entry.env.clone(),
        as_built: Some(as_built),
        ..state.clone()
    };
    beside
        .commit(&stored, 0)
        .map_err(|e| super::commit_error(e, &entry.env))?;
    Ok(())
}
