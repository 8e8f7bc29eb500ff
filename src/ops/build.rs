//! Build: a new env for the plan, in a transaction. A relocatable env is
//! built beside the env (`.penv/new-<name>`) and swapped in whole once
//! complete, so `.venv` stays the complete old env until that instant; an
//! env that turns out bound to its path (see `venv::relocate`) is built at
//! the env path instead, the old env moved aside under an intent record.
//! Either way the state is written last, and any failure or interrupt
//! leaves (or puts back) the old env.

use std::path::Path;

use super::artifacts::Recorder;

mod passes;
pub(crate) mod uv;

use super::{Ctx, commit_error, derive};
use crate::Error;
use crate::diagnostics::display_path;
use crate::installer;
use crate::plan::Plan;
use crate::process::SignalGuard;
use crate::state::{AsBuilt, Origin, State, now};
use crate::venv::kept::Kept;
use crate::venv::owned::Occupant;
use crate::venv::relocate::{self, Relocation};
use crate::venv::txn::swap::Beside;
use crate::venv::txn::{NewEnv, Txn};
use crate::venv::{create, seed};
use passes::lock_passes;

/// Says where each `src/` penv kept (rather than deleted with its env) went.
pub(crate) fn tell_kept(ctx: &Ctx, kept: &[Kept]) {
    for k in kept {
        ctx.printer.warn(&format!(
            "kept `src/` of the replaced env `{}`, which may hold your work ({}): it is now at `{}`",
            display_path(&k.from),
            k.reasons.join("; "),
            display_path(&k.to)
        ));
    }
}

/// What a build needs besides the plan.
struct Job<'a> {
    ctx: &'a Ctx<'a>,
    plan: &'a Plan,
    pip: crate::spec::PipSpec,
    redactor: crate::credentials::Redactor,
    guard: SignalGuard,
    /// Whether the new env may be cloned from the nearest one
    /// (`ops::derive`); not for `--reinstall`.
    derive: bool,
    /// The pip to seed, chosen once (the donor check needs it too).
    seed: std::cell::OnceCell<seed::Seed>,
    /// uv, when the spec asks for it: found (or fetched) once, when an
    /// install first needs it (a store clone may need none).
    uv: std::cell::OnceCell<Option<uv::Uv>>,
}

impl Job<'_> {
    /// The pip a fresh build seeds, chosen on first use.
    fn seed(&self) -> Result<seed::Seed, Error> {
        if let Some(seed) = self.seed.get() {
            return Ok(seed.clone());
        }
        let seed = choose_seed(self.ctx, self.plan, &self.pip, &self.redactor)?;
        Ok(self.seed.get_or_init(|| seed).clone())
    }
}

/// Builds the env for `plan` in place of `occupant`, keeping `keep` stashed
/// envs; rolls back on any failure or interrupt. Returns how many seconds
/// it took.
pub(crate) fn build(
    ctx: &Ctx,
    plan: &Plan,
    occupant: Occupant,
    keep: usize,
    derive: bool,
) -> Result<(f64, Origin), Error> {
    let start = std::time::Instant::now();
    let guard = SignalGuard::install();
    // `${NAME}` in `[pip]` URLs is expanded now, for pip only; an unset one
    // fails before anything is touched.
    let (pip, redactor) = plan
        .spec
        .pip
        .expanded(&ctx.vars.url_vars, |keys| plan.project.locate(keys))?;
    let job = Job {
        ctx,
        plan,
        pip,
        redactor,
        guard,
        derive,
        seed: std::cell::OnceCell::new(),
        uv: std::cell::OnceCell::new(),
    };
    // An env recorded as bound to its path is built in place at once: what
    // made it so (an editable checkout in the env) is usually still asked for.
    let bound = crate::state::State::read(&plan.paths.env)
        .ok()
        .flatten()
        .is_some_and(|s| s.relocatable == Some(false));
    if cfg!(unix) && !bound {
        match build_beside(&job, occupant, keep)? {
            Ok(origin) => return Ok((start.elapsed().as_secs_f64(), origin)),
            Err(relocation) => {
                ctx.printer.verbose(&format!(
                    "`{}` cannot be made relocatable, so it is built in place (the old env moved aside meanwhile):",
                    display_path(&plan.paths.env)
                ));
                for why in &relocation.blockers {
                    ctx.printer.verbose(&format!("  - {why}"));
                }
            }
        }
    }
    build_in_place(&job, occupant, keep)?;
    Ok((start.elapsed().as_secs_f64(), Origin::Built))
}

/// Builds a relocatable env in `.penv/` and swaps it in; `Ok` says where
/// it came from. `Err`: it turned out bound to its path, so it was
/// discarded (with the env untouched) and is to be built in place.
fn build_beside(
    job: &Job,
    occupant: Occupant,
    keep: usize,
) -> Result<Result<Origin, Relocation>, Error> {
    let donor = if job.derive {
        let mode = derive::link_mode(job.ctx, job.plan)?;
        derive::donor(job.ctx, job.plan, mode, || {
            Ok(if job.plan.spec.venv.pip {
                Some(job.seed()?.version.to_string())
            } else {
                None
            })
        })?
    } else {
        None
    };
    let mut donor = donor;
    if let Some(donor) = donor.as_mut() {
        donor.link_when_replaced(job.plan, keep);
    }
    if let Some(donor) = &donor {
        match build_beside_from(job, occupant, keep, Some(donor)) {
            // pip refusing the spec would refuse it again: that error is
            // the build's. Anything else is the clone's, and a fresh build
            // may well succeed.
            Err(Error::RolledBack { source, .. })
                if !matches!(*source, Error::Interrupted { .. } | Error::Install(_))
                    && job.guard.received().is_none() =>
            {
                job.ctx.printer.warn(&format!(
                    "deriving the env from `{}` failed, so it is built from nothing: {source}",
                    display_path(&donor.env)
                ));
            }
            done => return done,
        }
    }
    build_beside_from(job, occupant, keep, None)
}

/// [`build_beside`], from `donor` when there is one.
fn build_beside_from(
    job: &Job,
    occupant: Occupant,
    keep: usize,
    donor: Option<&derive::Donor>,
) -> Result<Result<Origin, Relocation>, Error> {
    let paths = &job.plan.paths;
    let beside = Beside::begin(paths, occupant, &job.plan.hash)?;
    let dir = beside.dir();
    let (as_built, pip_version, relocation, origin) = match build_checked(job, &dir, donor) {
        Ok(built) => built,
        Err(err) => {
            let restored = beside.rollback()?;
            return Err(failed(job, err, restored));
        }
    };
    if let Some(signal) = job.guard.received() {
        let restored = beside.rollback()?;
        return Err(Error::Interrupted { signal, restored });
    }
    if !relocation.relocatable() {
        beside.rollback()?;
        return Ok(Err(relocation));
    }
    let state = new_state(job.plan, as_built, pip_version, true, origin.clone());
    let kept = beside
        .commit(&state, keep)
        .map_err(|e| commit_error(e, &paths.env))?;
    tell_kept(job.ctx, &kept);
    let install = |env: &Path, args: &[String], step: &str| job.install(env, args, step);
    super::stored::offer_to_store(job.ctx, job.plan, &state, &install);
    Ok(Ok(origin))
}

/// Builds the env at its own path, the old one moved aside meanwhile.
fn build_in_place(job: &Job, occupant: Occupant, keep: usize) -> Result<(), Error> {
    let paths = &job.plan.paths;
    let txn = Txn::begin(paths, occupant, &job.plan.hash, &NewEnv::Build)?;
    let (as_built, pip_version, relocation, origin) = match build_checked(job, &paths.env, None) {
        Ok(built) => built,
        Err(err) => {
            let restored = txn.rollback()?;
            return Err(failed(job, err, restored));
        }
    };
    if let Some(signal) = job.guard.received() {
        let restored = txn.rollback()?;
        return Err(Error::Interrupted { signal, restored });
    }
    let state = new_state(
        job.plan,
        as_built,
        pip_version,
        relocation.relocatable(),
        origin,
    );
    let kept = txn
        .commit(&state, keep)
        .map_err(|e| commit_error(e, &paths.env))?;
    tell_kept(job.ctx, &kept);
    Ok(())
}

/// The error of a build that failed with `err` (an interrupt, if one came,
/// is what is told), once the old env is back (`restored`: there was one).
fn failed(job: &Job, err: Error, restored: bool) -> Error {
    if let Some(signal) = job.guard.received() {
        return Error::Interrupted { signal, restored };
    }
    Error::RolledBack {
        source: Box::new(err),
        env: job.plan.paths.env.clone(),
        restored,
    }
}

/// Builds into `dir` (or derives it from `donor`), relocates it, checks
/// that the inputs did not change meanwhile, and warns about what uv put
/// in that excludes the env's Python.
fn build_checked(
    job: &Job,
    dir: &Path,
    donor: Option<&derive::Donor>,
) -> Result<(AsBuilt, Option<String>, Relocation, Origin), Error> {
    let (pip_version, relocation, origin, recorder) = if let Some(donor) = donor {
        let install = |args: &[String], step: &str| job.install(dir, args, step);
        let (pip, redactor) = (&job.pip, &job.redactor);
        let derived = derive::derive(
            job.ctx, job.plan, dir, donor, pip, redactor, &job.guard, &install,
        )?;
        (
            derived.pip_version,
            derived.relocation,
            derived.origin,
            derived.recorder,
        )
    } else {
        let (pip_version, relocation, recorder) = build_into(job, dir)?;
        (pip_version, relocation, Origin::Built, recorder)
    };
    if job.guard.received().is_none()
        && let Some(changed) = job.plan.changed_since_built()?
    {
        return Err(changed);
    }
    // What the env is, recorded after the relocation pass rewrote `bin/`.
    let mut as_built = crate::venv::drift::record(dir)?;
    recorder.finish(&mut as_built);
    uv::warn_python_excluded(job, dir);
    Ok((as_built, pip_version, relocation, origin))
}

/// The state of a new env for `plan`, to be used at the env path.
fn new_state(
    plan: &Plan,
    as_built: AsBuilt,
    pip_version: Option<String>,
    relocatable: bool,
    origin: Origin,
) -> State {
    State {
        format: crate::state::STATE_FORMAT,
        hash: plan.hash.clone(),
        spec: plan.spec.clone(),
        base: plan.python.fingerprint.clone(),
        base_stdlib: Some(plan.python.info.stdlib.clone()),
        venv_path: plan.paths.env.clone(),
        relocatable: Some(relocatable),
        penv_version: env!("CARGO_PKG_VERSION").to_owned(),
        pip_version,
        created: now(),
        last_used: now(),
        as_built: Some(as_built),
        selection: Some(plan.selection().groups.clone()).filter(|g| !g.is_default()),
        origin: Some(origin),
    }
}

/// Builds the env in `dir` (the env path, or the staging directory beside
/// it), then relocates it; returns the version of the pip seeded, if any,
/// and what the relocation found.
fn build_into(job: &Job, dir: &Path) -> Result<(Option<String>, Relocation, Recorder), Error> {
    let (ctx, plan, pip, guard) = (job.ctx, job.plan, &job.pip, &job.guard);
    let interrupted = || {
        guard.received().map(|signal| Error::Interrupted {
            signal,
            restored: false,
        })
    };
    let uv = job.uv()?;
    let info = &plan.python.info;
    let base = &plan.python.fingerprint.path;
    let env = dir;
    let progress = ctx.printer.step(&format!(
        "Creating venv with {} {}",
        info.implementation, info.version
    ));
    // Built beside the env, venv would take the staging directory's name
    // for the prompt: the env's own name is what it would take in place.
    let prompt = plan
        .spec
        .venv
        .prompt
        .clone()
        .or_else(|| (dir != plan.paths.env.as_path()).then(|| plan.paths.name.clone()));
    let options = create::VenvOptions {
        system_site_packages: plan.spec.venv.system_site_packages,
        prompt,
    };
    let created = match &uv {
        Some(uv) => create::create_layout_with_uv(uv.path(), base, env, &options),
        None => create::create_layout(base, env, &options),
    };
    progress.finish();
    created?;
    if let Some(e) = interrupted() {
        return Err(e);
    }
    if plan.spec.venv.system_site_packages {
        ctx.printer.warn("`system-site-packages = true`: packages of the base interpreter are visible in the env and may satisfy or shadow its requirements");
    }
    let mut pip_version = None;
    if plan.spec.venv.pip {
        let seed = job.seed()?;
        seed::seed_pip(info, env, &seed)?;
        pip_version = Some(seed.version.to_string());
    }
    if let Some(e) = interrupted() {
        return Err(e);
    }
    // uv writes no `--report`: what it installs from a lock is recorded
    // by the hashes it checked, anything else has no recorded identity.
    let reporting = pip_version.as_deref().filter(|_| uv.is_none());
    let mut recorder = Recorder::new(&plan.paths, reporting);
    if installer::has_work(&plan.spec) {
        let spec = crate::spec::Spec {
            pip: pip.clone(),
            ..plan.spec.clone()
        };
        // A requirement file holding credentials is removed once pip ran.
        let (passes, _secret) = match &spec.lock {
            Some(lock) => lock_passes(ctx, plan, &spec, lock)?,
            None => (
                vec![(
                    installer::pip_args(
                        &spec,
                        &plan.project.root,
                        &plan.project.config.requirement_files,
                    ),
                    "Installing requirements with pip",
                )],
                None,
            ),
        };
        let mut steps = passes;
        if spec.lock.is_some()
            && let Some(own) = installer::own_project_args(&spec, &plan.project.root)
        {
            steps.push((own, "Installing the project itself (editable) with pip"));
        }
        for (args, step) in steps {
            job.install(env, &recorder.args(args), step)?;
            recorder.read();
        }
        if let Some(lock) = &spec.lock {
            recorder.installed_locked(&lock.selected);
        }
    }
    // After every install: what pip and venv wrote with `dir` in it.
    let started = std::time::Instant::now();
    let relocation = relocate::relocate(dir, &plan.paths.env)?;
    ctx.printer.verbose(&format!(
        "relocation: {} files rewritten, {} left naming the build path, in {:.1} ms",
        relocation.rewritten,
        relocation.blockers.len(),
        started.elapsed().as_secs_f64() * 1000.0
    ));
    Ok((pip_version, relocation, recorder))
}

/// The pip to seed an env of `plan` with: `[venv] pip-version`, from the
/// project's sources (`pip`, its `[pip]` options with `${NAME}` expanded).
pub(crate) fn choose_seed(
    ctx: &Ctx,
    plan: &Plan,
    pip: &crate::spec::PipSpec,
    redactor: &crate::credentials::Redactor,
) -> Result<seed::Seed, Error> {
    let request = seed::PipRequest::new(
        plan.spec.venv.pip_version.as_deref(),
        pip_version_location(plan),
    );
    let sources = seed::PipSources::new(pip, &plan.project.root);
    Ok(seed::choose(
        &plan.python.info,
        &plan.python.fingerprint.path,
        &request,
        &sources,
        &plan.project.root,
        ctx.cache_dir.as_deref(),
        redactor,
        ctx.printer,
    )?)
}

/// Where the project file sets `[venv] pip-version`, when it does (`Some`
/// with no location when the file sets it but it cannot be pointed at).
#[expect(
    clippy::option_option,
    reason = "what `seed::PipRequest::new` takes: whether the file sets it, and where"
)]
pub(crate) fn pip_version_location(plan: &Plan) -> Option<Option<crate::diagnostics::Location>> {
    plan.project
        .config
        .venv
        .pip_version
        .is_some()
        .then(|| plan.project.locate(&["venv", "pip-version"]))
}
