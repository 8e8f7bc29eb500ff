//! Putting a clone of a project's env into the store: built beside the
//! entry and committed whole, like any env, with the project left out when
//! it is a package project's; kept only when it holds what the env was
//! built with.

use std::path::Path;

use crate::Error;
use crate::state::{AsBuilt, State};
use crate::venv::clone::{self, LinkMode};
use crate::venv::relocate;

/// What a clone of `env` leaves out to be without project `name` (its own
/// files), when they are its own.
pub(super) fn left_out(env: &Path, name: &str) -> Option<crate::ops::derive::left_out::LeftOut> {
    crate::ops::derive::left_out::of(env, &std::collections::BTreeSet::from([name.to_owned()]))
        .ok()
        .filter(|l| l.dists.contains(name))
}

/// How the store runs an install (pip's arguments, into an env, with a
/// progress line): the build's installer, pip or uv.
pub(crate) type PipRun<'a> = dyn Fn(&Path, &[String], &str) -> Result<(), Error> + 'a;

/// The project taken out of a clone before it is stored.
pub(super) struct Without<'a> {
    /// Its PEP 503 name.
    pub(super) name: &'a str,
    /// The build's installer, to uninstall it where its files cannot be
    /// left out (none in a detached keeper: the keep is then not made).
    pub(super) pip: Option<&'a PipRun<'a>>,
}

/// Clones `env` (with `state`) into the store entry `entry`, built beside
/// it and put in place whole, like any env; `without`, the project
/// uninstalled from the clone by the build's installer (its dependencies
/// stay). The clone is put in place only when it holds the distributions
/// the env was built with and `unchanged` says the env was not replaced
/// while it was cloned. A keep killed half-way (a CI job's or a
/// container's end) is undone first, as a sync undoes an interrupted
/// rebuild; an entry in place (another penv's) stays. Once in place, the
/// entry's use and size are recorded for eviction.
pub(super) fn put(
    entry: &crate::venv::EnvPaths,
    env: &Path,
    state: &State,
    mode: LinkMode,
    without: Option<&Without>,
    unchanged: &dyn Fn() -> bool,
) -> Result<(), Error> {
    crate::venv::txn::recover(entry, 0, &mut Vec::new())?;
    if entry.env.exists() {
        return Ok(());
    }
    let beside = crate::venv::txn::swap::Beside::begin(
        entry,
        crate::venv::owned::Occupant::Nothing,
        &state.hash,
    )?;
    let dir = beside.dir();
    // The project's files not cloned, when they are its own (as a derive
    // leaves out what it uninstalls): the same tree as `pip uninstall`
    // leaves, with no installer run.
    let project = without.map(|w| w.name);
    let left_out = without.and_then(|w| left_out(env, w.name));
    let no_paths = std::collections::BTreeSet::new();
    let left_paths = left_out.as_ref().map_or(&no_paths, |l| &l.paths);
    let without = without.filter(|_| left_out.is_none());
    let built = clone::clone_tree_without(env, &dir, mode, left_paths)
        .map_err(Error::from)
        .and_then(|_| match without {
            Some(Without { pip: None, .. }) => {
                let why = std::io::Error::other("the project's files are not its own alone");
                Err(crate::fs::FsError::new("leave the project out of", env, why).into())
            }
            Some(Without {
                name,
                pip: Some(pip),
            }) => pip(
                &dir,
                &[
                    "uninstall".to_owned(),
                    "--yes".to_owned(),
                    "--disable-pip-version-check".to_owned(),
                    (*name).to_owned(),
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
        .and_then(|_| Ok(crate::venv::drift::record(&dir)?))
        .and_then(|as_built| same_dists(state, &as_built, project).map(|()| as_built))
        .and_then(|as_built| {
            if unchanged() {
                return Ok(as_built);
            }
            let why = std::io::Error::other("it was replaced while it was cloned");
            Err(crate::fs::FsError::new("keep", env, why).into())
        });
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
        .map_err(|e| crate::ops::commit_error(e, &entry.env))?;
    crate::venv::store::Store::touch(entry);
    crate::venv::store::Store::record_size(entry);
    crate::venv::store::unkept::clear(entry);
    Ok(())
}

/// The clone holds the distributions the env was built with (but the
/// project left out): anything installed into the env or removed from it
/// since the build (a keeper clones it after the command returned) is not
/// the spec's, and such a clone is not kept.
fn same_dists(state: &State, clone: &AsBuilt, project: Option<&str>) -> Result<(), Error> {
    let built = state.as_built.as_ref().map(|b| &b.dists);
    let expected = built
        .into_iter()
        .flatten()
        .filter(|d| Some(d.name.as_str()) != project);
    if expected.eq(clone.dists.iter()) {
        return Ok(());
    }
    let why = std::io::Error::other("its distributions are no longer the ones it was built with");
    Err(crate::fs::FsError::new("keep", &state.venv_path, why).into())
}
