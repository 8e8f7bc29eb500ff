//! Using an env as it is, without a sync (`which`, `run --no-sync`): only
//! an env [`Readiness::usable`] says may be used is handed out, and `run`
//! holds a reader's lock from the check until it becomes the command, so
//! no rebuild starts in between.

use std::path::Path;

use super::sync::InUse;
use crate::Error;
use crate::plan::Plan;
use crate::venv::{EnvPaths, Readiness, Want};

/// The env at `paths` if it may be used as built, whatever spec it was
/// built for (`which`); else the error saying why and what to do (`sync`:
/// the command that rebuilds it, keeping its selection).
pub(crate) fn as_built(
    paths: &EnvPaths,
    sync: &str,
    when_rebuilding: &str,
) -> Result<Readiness, Error> {
    let readiness = Readiness::now(paths, Want::AsBuilt);
    if readiness.usable() {
        Ok(readiness)
    } else {
        Err(not_ready(&paths.env, &readiness, sync, when_rebuilding))
    }
}

/// The plan's env, to be used without a sync (`run --no-sync`), under a
/// reader's lock the caller holds while it uses the env. A stale env is
/// used (its readiness says why it is stale, for a warning).
pub(crate) fn without_sync(
    plan: &Plan,
    data_dir: Option<&Path>,
    when_rebuilding: &str,
) -> Result<(Readiness, InUse), Error> {
    let paths = &plan.paths;
    let shared = paths.lock_shared();
    if matches!(shared, Ok(None)) {
        return Err(not_ready(
            &paths.env,
            &Readiness::Rebuilding,
            &plan.sync_command(),
            when_rebuilding,
        ));
    }
    let readiness = plan.readiness();
    if !readiness.usable() {
        return Err(not_ready(
            &paths.env,
            &readiness,
            &plan.sync_command(),
            when_rebuilding,
        ));
    }
    // A use like any other for `penv envs` (at most one write an hour).
    crate::registry::record(data_dir, &paths.env, &plan.project.file, false);
    Ok((readiness, InUse::shared(shared.ok().flatten())))
}

/// The error for an env that cannot be used as it is.
fn not_ready(env: &Path, readiness: &Readiness, sync: &str, when_rebuilding: &str) -> Error {
    Error::EnvNotReady {
        env: env.to_owned(),
        status: readiness.name(),
        reasons: readiness.why(),
        hint: readiness.hint(sync, when_rebuilding),
    }
}
