//! Sync: make the env match the plan.
//!
//! The no-op path reads penv.toml, the requirement files and the state, and
//! stats the base interpreter and the env's links: no lock, no Python
//! process. Anything else happens under the env's lock, after finishing or
//! undoing whatever a dead penv left half-done.
//!
//! What is hashed is what pip installs: under the lock the plan is made
//! again (a sync that waited sees the files as they are now), and after pip
//! ran every file the spec hashes is read again; if one changed meanwhile,
//! pip may have read either version, so the build is rolled back rather
//! than recorded under a hash it may not match.

use super::Ctx;
use super::build::{build, tell_kept};
use super::commit_error;

mod foreign_fresh;
mod lock_first;

use crate::Error;
use crate::diagnostics::display_path;
use crate::fs::{self, LockOutcome};
use crate::lock::unhashed::UnhashedSource;
use crate::plan::{LockUse, Plan};
use crate::state::{State, now};
use crate::venv::owned::{Occupant, Refusal, check_env_path};
use crate::venv::txn::{Recovery, recover, swap};
use crate::venv::{Readiness, Want, relocate, stash};
pub(crate) use lock_first::{lock_first, out_of_date, readiness_with_lock};

/// How to sync.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Options {
    /// Replace a venv penv did not create (`--force`).
    pub(crate) force: bool,
    /// Rebuild even a fresh env, and never from the stash (`--reinstall`).
    pub(crate) reinstall: bool,
}

/// What [`sync`] did.
pub(crate) enum Outcome {
    /// Nothing to do.
    AlreadyFresh,
    /// Another penv did it while this one waited.
    BuiltByOther,
    /// Built, in this many seconds: from nothing, derived from another env,
    /// or cloned from the store.
    Built {
        seconds: f64,
        origin: crate::state::Origin,
    },
    /// Restored from the stash.
    Restored,
}

/// The lock [`sync`] checked the env under, for the caller to hold while it
/// uses the env: no rebuild starts until it is dropped. It is close-on-exec,
/// so `penv run` holds it until it becomes the user's command.
pub(crate) struct InUse(Option<fs::FileLock>);

impl InUse {
    /// A reader's lock (or none, when the lock file could not be opened).
    pub(crate) fn shared(lock: Option<fs::FileLock>) -> Self {
        Self(lock)
    }

    /// Holds the lock, as a reader's, through `exec` until the command
    /// exits: a script's store entry is in use while the script runs.
    pub(crate) fn hold_through_exec(&self) {
        // Before a lock goes to children: the keeper and the emptier must
        // not hold it.
        super::stored::keep_pending();
        crate::venv::owned::trash::empty_pending();
        if let Some(lock) = &self.0 {
            lock.share_through_exec();
        }
    }

    /// Holds a project's env in use until the command `penv run` becomes
    /// exits: a reader's lock on its in-use lock file
    /// ([`crate::venv::EnvPaths::in_use_lock_file`]), passed through
    /// `exec`, which prune takes before it deletes the env. Taken while
    /// this lock (the check's) is held, so no prune comes between the check
    /// and the command; this one is still let go at `exec` (close-on-exec),
    /// so a sync never waits for a command to end. The in-use lock is best
    /// effort: none when its file cannot be made (a read-only project).
    pub(crate) fn into_running(self, paths: &crate::venv::EnvPaths) -> Running {
        // Before a lock goes to children: the keeper and the emptier must
        // not hold it.
        super::stored::keep_pending();
        crate::venv::owned::trash::empty_pending();
        let in_use = fs::lock_shared(&paths.in_use_lock_file()).ok();
        if let Some(lock) = &in_use {
            lock.share_with_children();
        }
        Running {
            checked: self,
            _in_use: in_use,
        }
    }

    /// The writer's lock, no longer passed on to children.
    fn exclusive(lock: fs::FileLock) -> Self {
        lock.keep_from_children();
        Self(Some(lock))
    }
}

/// The locks a `penv run` holds into `exec`: the check's (let go there)
/// and the in-use lock (held by the command until it exits).
pub(crate) struct Running {
    checked: InUse,
    _in_use: Option<fs::FileLock>,
}

impl Running {
    /// Lets go of the check's lock now rather than at `exec`, keeping the
    /// in-use lock: for a task's dependencies, which penv runs as children
    /// and waits for, so that a sync never waits for a command to end.
    pub(crate) fn release_check(&mut self) {
        self.checked = InUse(None);
    }
}

/// Brings the env up to date ([`sync_env`]) and records it in penv's
/// registry of envs (`penv envs`).
pub(crate) fn sync(ctx: &Ctx, plan: &Plan, options: Options) -> Result<(Outcome, InUse), Error> {
    unhashed_archives(ctx, plan)?;
    // The store's bound applies to a project's env (kept there after a
    // build) as to a script's: a `PENV_STORE_MAX` that is not a size is the
    // same error for both, never a store silently turned off.
    crate::venv::store::max(ctx.vars.store_max.as_deref())?;
    let done = sync_env(ctx, plan, options)?;
    // What a killed emptier left in this env's trash goes after this sync.
    crate::venv::owned::trash::notice(&plan.paths.work);
    let rebuilt = matches!(done.0, Outcome::Built { .. } | Outcome::Restored);
    // A script's env is the store's, which records its own uses.
    if plan.script().is_some() {
        return Ok(done);
    }
    crate::registry::record(
        ctx.data_dir.as_deref(),
        &plan.paths.env,
        &plan.project.file,
        rebuilt,
    );
    Ok(done)
}

/// The archives the lock gives no hash for, among what it installs here.
/// PEP 751 requires a hash; another tool may leave it out, and pip then
/// installs the archive without checking its bytes. `--locked` (the lock
/// as CI trusts it, as with uv) refuses them; a plain sync and `--frozen`
/// (the lock as it is) install them, and say so, naming each, every time.
fn unhashed_archives(ctx: &Ctx, plan: &Plan) -> Result<(), Error> {
    let Some(lock) = &plan.spec.lock else {
        return Ok(());
    };
    let archives: Vec<String> = lock
        .unhashed
        .iter()
        .filter_map(|entry| match &entry.source {
            // Both checked when the lock was read: no control characters.
            UnhashedSource::Archive { url } => Some(format!(
                "`{}` (`{}`)",
                crate::lock::fields::shown(&entry.name),
                url
            )),
            _ => None,
        })
        .collect();
    if archives.is_empty() {
        return Ok(());
    }
    let path = crate::plan::lock_path(&plan.project);
    if plan.selection().lock == LockUse::Locked {
        return Err(crate::spec::SpecError::LockSelect {
            path,
            source: crate::lock::SelectError::UnhashedArchives { archives },
        }
        .into());
    }
    ctx.printer.warn(&format!(
        "`{}` gives no hash for the archive of {}: pip installs it without checking its bytes",
        display_path(&path),
        archives.join(", ")
    ));
    Ok(())
}

/// Brings the env up to date: the fast path without a lock when it is, else
/// under the lock: recover, re-plan, re-check, then restore from the stash
/// or rebuild.
fn sync_env(ctx: &Ctx, plan: &Plan, options: Options) -> Result<(Outcome, InUse), Error> {
    let paths = &plan.paths;
    let keep = plan.project.config.venv.keep_stashed;
    if !options.reinstall && !paths.intent().exists() {
        // A shared lock across the check and the caller's use of the env, so
        // no rebuild starts in between. A writer holding the lock sends us
        // down the slow path to wait for it; a lock file that cannot be
        // made (a read-only project) leaves the check unguarded.
        let shared = paths.lock_shared();
        // A relocatable env moved here since its last sync is fresh, but
        // its new path is recorded under the writer lock (below).
        if !matches!(shared, Ok(None))
            && let Readiness::Fresh(mut state) =
                Readiness::under_lock(paths, Want::Spec(&plan.spec, &plan.hash))
            && state.venv_path == paths.env
        {
            settle(ctx, &mut state, plan);
            return Ok((Outcome::AlreadyFresh, InUse(shared.ok().flatten())));
        }
        // `shared` is dropped here: holding it would block our own writer lock.
    }
    let timeout = ctx.vars.lock_timeout().map_err(Error::BadLockTimeout)?;
    let env_name = display_path(&paths.env);
    // A path penv would refuse is refused before `.penv/` or a lock is made:
    // a refusal touches nothing. (Checked again under the lock.)
    checked_env_path(ctx, plan, options.force)?;
    // So is an unset `${NAME}` in a `[pip]` URL (expanded again in `build`).
    plan.spec
        .pip
        .expanded(&ctx.vars.url_vars, |keys| plan.project.locate(keys))?;
    paths.ensure_work_dir()?;
    let lock = fs::lock_exclusive(&paths.lock_file(), timeout, |holder| {
        ctx.printer.status(&format!(
            "Waiting for another penv{} working on `{env_name}` (at most {}s)…",
            holder.map(|h| format!(" ({h})")).unwrap_or_default(),
            // `PENV_LOCK_TIMEOUT=1.5` waits 1.5 s: say so, not "1s".
            format!("{:.1}", timeout.as_secs_f64()).trim_end_matches(".0")
        ));
    })?;
    let waited = matches!(lock, LockOutcome::AcquiredAfterWait(..));
    let lock = lock.into_lock();
    lock.share_with_children();
    let mut kept = Vec::new();
    let recovered = recover(paths, keep, &mut kept);
    tell_kept(ctx, &kept);
    match recovered? {
        Some(Recovery::Finished) => ctx.printer.warn(&format!(
            "finished a rebuild of `{env_name}` that was interrupted (the new env was complete)"
        )),
        Some(Recovery::RolledBack { restored_old: true }) => ctx.printer.warn(&format!(
            "undid a rebuild of `{env_name}` that was interrupted: the previous env is back"
        )),
        Some(Recovery::RolledBack {
            restored_old: false,
        }) => ctx.printer.warn(&format!(
            "undid a build of `{env_name}` that was interrupted (there was no previous env to put back)"
        )),
        None => {}
    }
    let plan = &plan.again(&ctx.vars, &ctx.prober)?;
    let readiness = Readiness::under_lock(paths, Want::Spec(&plan.spec, &plan.hash));
    if !options.reinstall
        && let Readiness::Fresh(state) = &readiness
    {
        settle(ctx, &mut state.clone(), plan);
        let outcome = if waited {
            Outcome::BuiltByOther
        } else {
            Outcome::AlreadyFresh
        };
        return Ok((outcome, InUse::exclusive(lock)));
    }
    let occupant = checked_env_path(ctx, plan, options.force)?;
    // A linked stash (or stash entry) is refused before anything moves.
    stash::check(paths)?;
    if let Some(heading) = readiness.rebuild_heading(&env_name) {
        ctx.printer.status(&heading);
        if !matches!(readiness, Readiness::Fresh(_)) {
            for reason in readiness.why() {
                ctx.printer.status(&format!("  - {reason}"));
            }
        }
    }
    if matches!(occupant, Occupant::ForeignVenv) {
        ctx.printer.warn(&format!(
            "replacing `{env_name}`, a venv penv did not create (--force)"
        ));
    }
    // `keep-stashed = 0` keeps none, and restores none; `--reinstall` asks
    // for a new build.
    let mut kept = Vec::new();
    let found = if keep > 0 && !options.reinstall {
        stash::find(paths, &plan.hash, &mut kept)
    } else {
        Ok(None)
    };
    tell_kept(ctx, &kept);
    // Validated a moment ago; if its state vanished since, build instead.
    if let Some(entry) = found?
        && let Ok(Some(mut state)) = State::read(&entry)
    {
        state.last_used = now();
        state.origin = Some(crate::state::Origin::Stash);
        // A relocatable entry of a project moved since: synced here now.
        let was = std::mem::replace(&mut state.venv_path, paths.env.clone());
        let kept = swap::restore(paths, occupant, &entry, &state, keep)
            .map_err(|e| commit_error(e, &paths.env))?;
        tell_kept(ctx, &kept);
        if was != paths.env {
            let _ = relocate::point_at(&paths.env, &was, &paths.env);
        }
        return Ok((Outcome::Restored, InUse::exclusive(lock)));
    }
    if options.reinstall {
        super::stored::drop_linked_origin(ctx, &paths.env);
    }
    let (seconds, origin) = build(ctx, plan, occupant, keep, !options.reinstall)?;
    Ok((Outcome::Built { seconds, origin }, InUse::exclusive(lock)))
}

/// Whether a sync would refuse the env path, and why (`sync --check` says so
/// instead of suggesting a sync that fails).
pub(crate) fn refusal(ctx: &Ctx, plan: &Plan, force: bool) -> Option<Refusal> {
    check_env_path(
        &plan.paths.env,
        &plan.project.root,
        ctx.vars.home.as_deref(),
        force,
    )
    .err()
}

/// What is at the env path, or why penv refuses it (pointing at `[venv]
/// path` when the project file sets one).
fn checked_env_path(ctx: &Ctx, plan: &Plan, force: bool) -> Result<Occupant, Error> {
    check_env_path(
        &plan.paths.env,
        &plan.project.root,
        ctx.vars.home.as_deref(),
        force,
    )
    .map_err(|refusal| {
        let config = &plan.project.config;
        let location = (config.venv.path != crate::project::VenvConfig::default().path)
            .then(|| plan.project.locate(&["venv", "path"]))
            .flatten();
        Error::Refused { refusal, location }
    })
}

/// A fresh env's state brought up to date with what changed harmlessly, and
/// its last use recorded. Each write is best effort: a read-only env is
/// still usable.
///
/// - a relocatable env moved or copied here (called under the writer lock
///   then): its new path, and what names it (csh's activate, the fallback
///   of `activate`, `pyvenv.cfg`'s `command`) pointed here;
/// - the base binary was touched but is the same interpreter (the spec hash
///   matched): its new fingerprint, so the next sync skips the probe;
/// - site-packages moved but holds what was recorded (`__pycache__`
///   appeared): its new mtime, so the next check is one `stat` again.
fn settle(ctx: &Ctx, state: &mut State, plan: &Plan) {
    let env = &plan.paths.env;
    if state.venv_path != *env {
        ctx.printer.status(&format!(
            "`{}` was synced at `{}` (the project was moved or copied); it is relocatable, so it is used as it is",
            display_path(env),
            display_path(&state.venv_path)
        ));
        let was = std::mem::replace(&mut state.venv_path, env.clone());
        if relocate::point_at(env, &was, env).is_ok() {
            let _ = state.write(env);
        }
    }
    if state.base != plan.python.fingerprint && state.base.path == plan.python.fingerprint.path {
        state.base = plan.python.fingerprint.clone();
        let _ = state.write(env);
    }
    if let Some(built) = state.as_built.as_mut()
        && crate::venv::drift::settle(env, built)
    {
        let _ = state.write(env);
    }
    state.touch(env);
}
