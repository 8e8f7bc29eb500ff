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

mod put;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use super::Ctx;
use super::derive::link_mode;
use crate::diagnostics::display_path;
use crate::fs::FileLock;
use crate::plan::Plan;
use crate::state::{Origin, State};
use crate::venv::EnvPaths;
use crate::venv::clone::LinkMode;
use crate::venv::store::unkept;
pub(crate) use put::PipRun;
use put::{Without, left_out, put};

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
    let entry = plan.store_entry(&store);
    if entry.env.exists() || store.ensure().is_err() || entry.ensure_work_dir().is_err() {
        return;
    }
    let Ok(lock) = crate::fs::lock_exclusive(&entry.lock_file(), Duration::ZERO, |_| {}) else {
        return;
    };
    // A keep given up before is history once this one begins.
    unkept::clear(&entry);
    let mode = link_mode(ctx, plan).unwrap_or(LinkMode::Auto);
    let project = state
        .spec
        .package
        .as_ref()
        .and_then(|p| crate::spec::own::read(&plan.project.root, p).ok())
        .map(|own| own.name);
    // A project whose files cannot be left out of the clone is uninstalled
    // from it by the build's installer: that keep is done here.
    let leavable = project
        .as_deref()
        .is_none_or(|name| left_out(&plan.paths.env, name).is_some());
    if leavable
        && cfg!(unix)
        && let Some(listing) = crate::venv::drift::listing_digest(&plan.paths.env)
    {
        ctx.printer.verbose(&format!(
            "keeping a clone in the store, `{}`, once the command is done (a detached penv)",
            display_path(&entry.env)
        ));
        store.evict(max, &entry.env);
        let job = KeepJob {
            env: plan.paths.env.clone(),
            entry: entry.env.clone(),
            hash: plan.hash.clone(),
            link_mode: mode.name().to_owned(),
            project,
            listing,
        };
        queued().push(Keep {
            job,
            lock: lock.into_lock(),
        });
        return;
    }
    let started = std::time::Instant::now();
    let without = project.as_deref().map(|name| Without {
        name,
        pip: Some(pip),
    });
    match put(
        &entry,
        &plan.paths.env,
        state,
        mode,
        without.as_ref(),
        &|| true,
    ) {
        Ok(()) => {
            ctx.printer.verbose(&format!(
                "kept a clone in the store, `{}`, in {:.0} ms",
                display_path(&entry.env),
                started.elapsed().as_secs_f64() * 1000.0
            ));
        }
        Err(e) => {
            ctx.printer
                .verbose(&format!("the env was not kept in the store: {e}"));
            unkept::record(&entry, &plan.paths.env, &plan.hash, &e.to_string());
        }
    }
    drop(lock);
    store.evict(max, &entry.env);
}

/// A keep left to a detached penv (`penv store-keep`) once the command's
/// work is done, so no sync waits for the copy: the store's writer's lock
/// on the entry, taken by the sync, goes to that penv (inherited), so a
/// checkout of the same spec meanwhile waits for the entry rather than
/// build it.
struct Keep {
    job: KeepJob,
    lock: FileLock,
}

/// What `penv store-keep` is told (its command line).
pub(crate) struct KeepJob {
    /// The project's env: the clone's source.
    pub(crate) env: PathBuf,
    /// The store's entry to put it in.
    pub(crate) entry: PathBuf,
    /// The spec hash the env must still have.
    pub(crate) hash: String,
    /// How its files are cloned ([`LinkMode::name`]).
    pub(crate) link_mode: String,
    /// The package project left out of the clone.
    pub(crate) project: Option<String>,
    /// The env's listing as the sync left it
    /// ([`crate::venv::drift::listing_digest`]).
    pub(crate) listing: String,
}

impl KeepJob {
    /// `penv store-keep ENV --entry …`.
    fn args(&self) -> Vec<std::ffi::OsString> {
        let mut args: Vec<std::ffi::OsString> = vec![
            COMMAND.into(),
            self.env.clone().into(),
            "--entry".into(),
            self.entry.clone().into(),
            "--hash".into(),
            self.hash.clone().into(),
            "--link-mode".into(),
            self.link_mode.clone().into(),
            "--listing".into(),
            self.listing.clone().into(),
        ];
        if let Some(project) = &self.project {
            args.extend(["--project".into(), project.into()]);
        }
        args
    }
}

/// The keeps this process queued.
static QUEUED: Mutex<Vec<Keep>> = Mutex::new(Vec::new());

fn queued() -> std::sync::MutexGuard<'static, Vec<Keep>> {
    QUEUED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The name of the hidden command that keeps an env in the store.
pub(crate) const COMMAND: &str = "store-keep";

/// Starts a detached `penv store-keep` for each keep queued (the entry's
/// lock passed to it); where none can be started, keeps the env here.
/// Called when the command's work is done, before a lock is passed on to
/// children and before the trash's emptier starts (neither inherits the
/// entry's lock).
pub(crate) fn keep_pending() {
    let queued = std::mem::take(&mut *queued());
    for keep in queued {
        keep.lock.share_with_children();
        let started = crate::process::start_detached(&keep.job.args());
        keep.lock.keep_from_children();
        if !started {
            keep_now(&keep.job);
        }
    }
}

/// The middle of [`keep_pending`]: starts the keeper and returns, so the
/// keeper is nobody's child.
pub(crate) fn detach(job: &KeepJob) -> std::io::Result<()> {
    crate::process::spawn_detached(&job.args())
}

/// `penv store-keep`: clones the env into the store's entry when it is
/// still the env of the spec hash (the entry's writer's lock is the one
/// inherited from the sync). It takes no lock on the env, so no sync ever
/// waits for it: it checks instead that the env was not changed or
/// replaced while it was cloned ([`Watch`]), and keeps nothing if it was.
pub(crate) fn keeper(job: &KeepJob) {
    // The store removed meanwhile (`penv envs prune --store`, by hand):
    // nothing made again.
    if EnvPaths::new(job.entry.clone()).work.is_dir() {
        keep_now(job);
    }
}

/// What says the env is still the one it was when a clone of it began: its
/// directory (device, inode, and change time: a rename sets it, so a swap
/// that took the env away and brought it back from the stash shows), and
/// its state's creation time.
#[derive(PartialEq, Eq)]
struct Watch {
    dir: (u64, u64, i64, i64),
    created: u64,
}

impl Watch {
    fn of(env: &Path, state: &State) -> Option<Self> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt as _;
            let meta = std::fs::symlink_metadata(env).ok()?;
            Some(Self {
                dir: (meta.dev(), meta.ino(), meta.ctime(), meta.ctime_nsec()),
                created: state.created,
            })
        }
        #[cfg(not(unix))]
        {
            let _ = (env, state);
            None
        }
    }
}

/// Clones the job's env, when it is still the env of its spec hash built
/// here with the listing the sync left, into the store's entry (its
/// writer's lock held by the caller); a keep given up is recorded beside
/// the entry, with why ([`unkept`]).
fn keep_now(job: &KeepJob) {
    let entry = EnvPaths::new(job.entry.clone());
    if let Err(why) = try_keep(job, &entry) {
        unkept::record(&entry, &job.env, &job.hash, &why);
    }
}

/// [`keep_now`]'s work: why nothing was kept, when nothing was.
fn try_keep(job: &KeepJob, entry: &EnvPaths) -> Result<(), String> {
    let env = job.env.as_path();
    let mode = LinkMode::parse(&job.link_mode)?;
    let state = State::read(env)
        .ok()
        .flatten()
        .filter(|s| {
            s.hash == job.hash
                && s.is_relocatable()
                && !matches!(s.origin, Some(Origin::Store { .. }))
        })
        .ok_or("the env was rebuilt or removed before it was cloned")?;
    let listed = || crate::venv::drift::listing_digest(env).as_deref() == Some(&*job.listing);
    if !listed() {
        return Err("files were added to the env or taken from it after the build".to_owned());
    }
    let before = Watch::of(env, &state);
    let unchanged = || {
        before.is_some()
            && listed()
            && State::read(env)
                .ok()
                .flatten()
                .as_ref()
                .and_then(|now| Watch::of(env, now))
                == before
    };
    let project = job.project.as_deref();
    let without = project.map(|name| Without { name, pip: None });
    put(entry, env, &state, mode, without.as_ref(), &unchanged).map_err(|e| e.to_string())
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
