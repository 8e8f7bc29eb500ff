//! `penv sync`: make the env match the spec.
//!
//! The no-op path reads penv.toml, the requirement files and the state, and
//! stats the base interpreter and the env's links: no lock, no Python
//! process. Anything else happens under the env's lock, after finishing or
//! undoing whatever a dead penv left half-done.
//!
//! What is hashed is what pip installs: under the lock the spec is computed
//! again (a sync that waited sees the files as they are now), and after pip
//! ran every file the spec hashes is read again; if one changed meanwhile,
//! pip may have read either version, so the build is rolled back rather
//! than recorded under a hash it may not match.

use std::process::ExitCode;

use super::{Ctx, Wanted};
use crate::Error;
use crate::cli::SyncArgs;
use crate::diagnostics::display_path;
use crate::fs::{self, LockOutcome};
use crate::installer;
use crate::process::SignalGuard;
use crate::state::{AsBuilt, State, now};
use crate::venv::kept::Kept;
use crate::venv::owned::{Occupant, check_env_path};
use crate::venv::txn::{CommitError, Recovery, Source, Txn, recover};
use crate::venv::{self, EnvStatus, create, seed, stash};

pub(super) fn sync(ctx: &Ctx, args: &SyncArgs) -> Result<ExitCode, Error> {
    let project = ctx.project()?;
    let wanted = ctx.wanted(project, &args.spec)?;
    let env_name = display_path(&wanted.paths.env);
    if args.check {
        let status = venv::inspect_now(&wanted.paths, &wanted.spec, &wanted.hash);
        if let EnvStatus::Fresh(_) = status {
            ctx.printer.status(&format!("`{env_name}` is up to date"));
            return Ok(ExitCode::SUCCESS);
        }
        let mut reasons = status.reasons().to_vec();
        if matches!(status, EnvStatus::Missing) {
            reasons.push("it does not exist".to_owned());
        }
        ctx.printer
            .status(&format!("`{env_name}` is {}:", status.name()));
        for reason in &reasons {
            ctx.printer.status(&format!("  - {reason}"));
        }
        // What to run: a plain sync, unless it would refuse the path.
        match check_env_path(
            &wanted.paths.env,
            &wanted.project.root,
            ctx.home(),
            args.force,
        ) {
            Err(refusal) => {
                ctx.printer
                    .status(&format!("`penv sync` would refuse: {refusal}"));
                ctx.printer.status(&format!("hint: {}", refusal.hint()));
            }
            Ok(_) => ctx.printer.status(&format!(
                "Run `penv sync{}{}` to update it.",
                args.spec.as_command_line(),
                if args.force { " --force" } else { "" }
            )),
        }
        return Ok(ExitCode::from(1));
    }
    let (outcome, _in_use) = ensure_synced(ctx, &wanted, args.force, args.reinstall)?;
    let python = &wanted.python.info;
    match outcome {
        Outcome::AlreadyFresh => ctx.printer.status(&format!(
            "`{env_name}` is up to date ({} {})",
            python.implementation, python.version
        )),
        Outcome::BuiltByOther => ctx.printer.status(&format!(
            "`{env_name}` was brought up to date by another penv"
        )),
        Outcome::Built { seconds } => ctx.printer.status(&format!(
            "Built `{env_name}` ({} {}) in {seconds:.1}s",
            python.implementation, python.version
        )),
        Outcome::Restored => ctx.printer.status(&format!(
            "Restored `{env_name}` from the stash (built before for this spec)"
        )),
    }
    Ok(ExitCode::SUCCESS)
}

/// What [`ensure_synced`] did.
pub(super) enum Outcome {
    /// Nothing to do.
    AlreadyFresh,
    /// Another penv did it while this one waited.
    BuiltByOther,
    /// Built from scratch.
    Built {
        /// How long it took.
        seconds: f64,
    },
    /// Restored from the stash.
    Restored,
}

/// Brings the env up to date: the fast path without a lock when it is, else
/// under the lock: recover, re-check, then restore from the stash or rebuild.
/// `reinstall` rebuilds even a fresh env, and never from the stash.
pub(super) fn ensure_synced(
    ctx: &Ctx,
    wanted: &Wanted,
    force: bool,
    reinstall: bool,
) -> Result<(Outcome, InUse), Error> {
    let paths = &wanted.paths;
    let keep = wanted.project.config.venv.keep_stashed;
    let lock_path = paths.lock_file();
    if !reinstall && !paths.intent().exists() {
        // A shared lock across the check and the caller's use of the env, so
        // no rebuild starts in between. A writer holding the lock sends us
        // down the slow path to wait for it; a lock file that cannot be
        // made (a read-only project) leaves the check unguarded.
        let shared = paths.lock_shared();
        if !matches!(shared, Ok(None))
            && let EnvStatus::Fresh(mut state) = venv::inspect(paths, &wanted.spec, &wanted.hash)
        {
            refresh_recorded_base(&mut state, wanted);
            settle_contents(&mut state, wanted);
            state.touch(&paths.env);
            return Ok((Outcome::AlreadyFresh, InUse(shared.ok().flatten())));
        }
        // `shared` is dropped here: holding it would block our own writer lock.
    }
    let timeout = ctx.env.lock_timeout().map_err(Error::BadLockTimeout)?;
    let env_name = display_path(&paths.env);
    // A path penv would refuse is refused before `.penv/` or a lock is made:
    // a refusal touches nothing. (Checked again under the lock.)
    checked_env_path(ctx, wanted, force)?;
    // So is an unset `${NAME}` in a `[pip]` URL (expanded again in `build`).
    wanted
        .spec
        .pip
        .expanded(&ctx.env.url_vars, |keys| wanted.project.locate(keys))?;
    paths.ensure_work_dir()?;
    let lock = fs::lock_exclusive(&lock_path, timeout, |holder| {
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
    let refreshed = ctx.wanted_again(wanted)?;
    let wanted = &refreshed;
    let status = venv::inspect(paths, &wanted.spec, &wanted.hash);
    if !reinstall && let EnvStatus::Fresh(state) = &status {
        let mut state = state.clone();
        refresh_recorded_base(&mut state, wanted);
        settle_contents(&mut state, wanted);
        state.touch(&paths.env);
        let outcome = if waited {
            Outcome::BuiltByOther
        } else {
            Outcome::AlreadyFresh
        };
        return Ok((outcome, InUse::exclusive(lock)));
    }
    let occupant = checked_env_path(ctx, wanted, force)?;
    // A linked stash (or stash entry) is refused before anything moves.
    stash::check(paths)?;
    match &status {
        EnvStatus::Missing => {}
        EnvStatus::Stale(_, reasons) | EnvStatus::Broken(_, reasons) => {
            ctx.printer
                .status(&format!("Recreating `{env_name}` ({}):", status.name()));
            for reason in reasons {
                ctx.printer.status(&format!("  - {reason}"));
            }
        }
        EnvStatus::Fresh(_) => ctx
            .printer
            .status(&format!("Reinstalling `{env_name}` (--reinstall)")),
    }
    if matches!(occupant, Occupant::ForeignVenv) {
        ctx.printer.warn(&format!(
            "replacing `{env_name}`, a venv penv did not create (--force)"
        ));
    }
    // `keep-stashed = 0` keeps none, and restores none; `--reinstall` asks
    // for a new build.
    let mut kept = Vec::new();
    let found = if keep > 0 && !reinstall {
        stash::find(paths, &wanted.hash, &mut kept)
    } else {
        Ok(None)
    };
    tell_kept(ctx, &kept);
    if let Some(entry) = found? {
        let txn = Txn::begin(paths, occupant, &wanted.hash, &Source::Restore(entry))?;
        match State::read(&paths.env) {
            Ok(Some(mut state)) => {
                state.last_used = now();
                let kept = txn
                    .commit(&state, keep)
                    .map_err(|e| commit_error(e, &paths.env))?;
                tell_kept(ctx, &kept);
                return Ok((Outcome::Restored, InUse::exclusive(lock)));
            }
            _ => {
                // Validated a moment ago; if it vanished, build instead.
                txn.rollback()?;
            }
        }
    }
    let outcome = build(ctx, wanted, occupant, keep)?;
    Ok((outcome, InUse::exclusive(lock)))
}

/// The lock [`ensure_synced`] checked the env under, for the caller to hold
/// while it uses the env: no rebuild starts until it is dropped. It is
/// close-on-exec, so `penv run` holds it until it becomes the user's command.
pub(super) struct InUse(#[expect(dead_code, reason = "held for its drop")] Option<fs::FileLock>);

impl InUse {
    /// A reader's lock (or none, when the lock file could not be opened).
    pub(super) fn shared(lock: Option<fs::FileLock>) -> Self {
        Self(lock)
    }

    /// The writer's lock, no longer passed on to children.
    fn exclusive(lock: fs::FileLock) -> Self {
        lock.keep_from_children();
        Self(Some(lock))
    }
}

/// What is at the env path, or why penv refuses it (pointing at `[venv]
/// path` when the project file sets one).
fn checked_env_path(ctx: &Ctx, wanted: &Wanted, force: bool) -> Result<Occupant, Error> {
    check_env_path(&wanted.paths.env, &wanted.project.root, ctx.home(), force).map_err(|refusal| {
        let config = &wanted.project.config;
        let location = (config.venv.path != crate::project::VenvConfig::default().path)
            .then(|| wanted.project.locate(&["venv", "path"]))
            .flatten();
        Error::Refused { refusal, location }
    })
}

/// Says where each `src/` penv kept (rather than deleted with its env) went.
fn tell_kept(ctx: &Ctx, kept: &[Kept]) {
    for k in kept {
        ctx.printer.warn(&format!(
            "kept `src/` of the replaced env `{}`, which may hold your work ({}): it is now at `{}`",
            display_path(&k.from),
            k.reasons.join("; "),
            display_path(&k.to)
        ));
    }
}

/// A failed commit as the user sees it: rolled back (the old env is back),
/// or left for the next penv to finish or undo.
fn commit_error(e: CommitError, env: &std::path::Path) -> Error {
    match e {
        CommitError::RolledBack { source, restored } => Error::RolledBack {
            source: Box::new(Error::Fs(source)),
            env: env.to_owned(),
            restored,
        },
        CommitError::Unsettled(e) => Error::Fs(e),
    }
}

/// site-packages moved but holds what was recorded (`__pycache__` appeared):
/// record its new mtime, so the next check is one `stat` again.
fn settle_contents(state: &mut State, wanted: &Wanted) {
    if let Some(built) = state.as_built.as_mut()
        && venv::drift::settle(&wanted.paths.env, built)
    {
        // Best effort, as `touch`: a read-only env is still usable.
        let _ = state.write(&wanted.paths.env);
    }
}

/// The base binary was touched but is the same interpreter (the spec hash
/// matched): record its new fingerprint so the next sync skips the probe.
fn refresh_recorded_base(state: &mut State, wanted: &Wanted) {
    if state.base != wanted.python.fingerprint && state.base.path == wanted.python.fingerprint.path
    {
        state.base = wanted.python.fingerprint.clone();
        let _ = state.write(&wanted.paths.env);
    }
}

fn build(ctx: &Ctx, wanted: &Wanted, occupant: Occupant, keep: usize) -> Result<Outcome, Error> {
    let start = std::time::Instant::now();
    let paths = &wanted.paths;
    let guard = SignalGuard::install();
    // `${NAME}` in `[pip]` URLs is expanded now, for pip only; an unset one
    // fails before anything is touched.
    let (pip, redactor) = wanted
        .spec
        .pip
        .expanded(&ctx.env.url_vars, |keys| wanted.project.locate(keys))?;
    let txn = Txn::begin(paths, occupant, &wanted.hash, &Source::Build)?;
    let built = build_into(ctx, wanted, &pip, &redactor, &guard).and_then(|built| {
        if guard.received().is_some() {
            return Ok(built);
        }
        match wanted.changed_since_built()? {
            Some(changed) => Err(changed),
            None => Ok(built),
        }
    });
    match built {
        Ok((as_built, pip_version)) => {
            let state = State {
                format: crate::state::STATE_FORMAT,
                hash: wanted.hash.clone(),
                spec: wanted.spec.clone(),
                base: wanted.python.fingerprint.clone(),
                base_stdlib: Some(wanted.python.info.stdlib.clone()),
                venv_path: paths.env.clone(),
                penv_version: env!("CARGO_PKG_VERSION").to_owned(),
                pip_version,
                created: now(),
                last_used: now(),
                as_built: Some(as_built),
            };
            if let Some(signal) = guard.received() {
                let restored = txn.rollback()?;
                return Err(Error::Interrupted { signal, restored });
            }
            let kept = txn
                .commit(&state, keep)
                .map_err(|e| commit_error(e, &paths.env))?;
            tell_kept(ctx, &kept);
            Ok(Outcome::Built {
                seconds: start.elapsed().as_secs_f64(),
            })
        }
        Err(err) => {
            let restored = txn.rollback()?;
            if let Some(signal) = guard.received() {
                return Err(Error::Interrupted { signal, restored });
            }
            Err(Error::RolledBack {
                source: Box::new(err),
                env: paths.env.clone(),
                restored,
            })
        }
    }
}

/// Builds the env; returns what it is (the last step before its state) and
/// the version of the pip seeded, if any.
fn build_into(
    ctx: &Ctx,
    wanted: &Wanted,
    pip: &crate::spec::PipSpec,
    redactor: &crate::credentials::Redactor,
    guard: &SignalGuard,
) -> Result<(AsBuilt, Option<String>), Error> {
    let interrupted = || {
        guard.received().map(|signal| Error::Interrupted {
            signal,
            restored: false,
        })
    };
    let info = &wanted.python.info;
    let base = &wanted.python.fingerprint.path;
    let env = &wanted.paths.env;
    let progress = ctx.printer.step(&format!(
        "Creating venv with {} {}",
        info.implementation, info.version
    ));
    let options = create::VenvOptions {
        system_site_packages: wanted.spec.venv.system_site_packages,
        prompt: wanted.spec.venv.prompt.clone(),
    };
    let created = create::create_layout(base, env, &options);
    progress.finish();
    created?;
    if let Some(e) = interrupted() {
        return Err(e);
    }
    if wanted.spec.venv.system_site_packages {
        ctx.printer.warn("`system-site-packages = true`: packages of the base interpreter are visible in the env and may satisfy or shadow its requirements");
    }
    let mut pip_version = None;
    if wanted.spec.venv.pip {
        let explicit = wanted
            .project
            .config
            .venv
            .pip_version
            .is_some()
            .then(|| wanted.project.locate(&["venv", "pip-version"]));
        let request = seed::PipRequest::new(wanted.spec.venv.pip_version.as_deref(), explicit);
        let sources = seed::PipSources::new(pip, &wanted.project.root);
        let seed = seed::choose(
            info,
            base,
            &request,
            &sources,
            &wanted.project.root,
            ctx.cache_dir.as_deref(),
            redactor,
            ctx.printer,
        )?;
        seed::seed_pip(info, env, &seed)?;
        pip_version = Some(seed.version.to_string());
    }
    if let Some(e) = interrupted() {
        return Err(e);
    }
    if installer::has_work(&wanted.spec) {
        let spec = crate::spec::Spec {
            pip: pip.clone(),
            ..wanted.spec.clone()
        };
        let args = installer::pip_args(
            &spec,
            &wanted.project.root,
            &wanted.project.config.requirement_files,
        );
        installer::install(
            env,
            &wanted.project.root,
            &args,
            redactor,
            ctx.printer,
            guard,
        )
        .map_err(|e| match e {
            installer::InstallError::Interrupted(signal) => Error::Interrupted {
                signal,
                restored: false,
            },
            other => Error::Install(other),
        })?;
    }
    Ok((venv::drift::record(env)?, pip_version))
}
