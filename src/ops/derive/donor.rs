//! Which env a derive clones: the store's entry for the spec hash, else
//! the env being replaced, else its stash entries (see [`super`]).

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::Error;
use crate::fs::FileLock;
use crate::ops::Ctx;
use crate::plan::Plan;
use crate::state::State;
use crate::venv::EnvPaths;
use crate::venv::clone::LinkMode;

/// An env to clone the new one from.
#[derive(Debug)]
pub(crate) struct Donor {
    /// Its directory.
    pub(crate) env: PathBuf,
    /// Its state.
    pub(super) state: State,
    /// The store's env for the same spec hash: cloned, nothing else.
    pub(super) exact: bool,
    /// How its files are cloned.
    pub(super) mode: LinkMode,
    /// A reader's lock on a store entry while it is cloned (eviction takes
    /// the writer's).
    _held: Option<crate::fs::FileLock>,
}

/// The link mode: `PENV_LINK_MODE`, else `[venv] link-mode`, else `auto`,
/// as the spec's installer takes it ([`LinkMode::with_installer`]).
pub(crate) fn link_mode(ctx: &Ctx, plan: &Plan) -> Result<LinkMode, Error> {
    let mode = match &ctx.vars.link_mode {
        Some(text) => LinkMode::parse(text).map_err(|message| Error::BadEnvVar {
            name: "PENV_LINK_MODE",
            message,
        })?,
        None => plan.project.config.venv.link_mode.unwrap_or(LinkMode::Auto),
    };
    Ok(mode.with_installer(plan.spec.venv.installer))
}

/// The nearest env to derive the new one from, if any: the store's entry
/// for the spec hash (whatever pip it has, as a stash entry for the hash is
/// restored), else the env at the env path, then its stash entries, newest
/// first, with the pip a fresh build would seed (`seed`, asked only then);
/// `mode`, how the donor is to be cloned.
pub(crate) fn donor(
    ctx: &Ctx,
    plan: &Plan,
    mode: LinkMode,
    seed: impl FnOnce() -> Result<Option<String>, Error>,
) -> Result<Option<Donor>, Error> {
    if let Ok(store) = crate::ops::store(ctx)
        && plan
            .spec
            .not_shareable_without_project(&plan.project.root)
            .is_none()
    {
        let entry = plan.store_entry(&store);
        // A script's env is its entry: never its own donor.
        if entry.env != plan.paths.env
            && let Some(held) = entry_reader(ctx, &entry)
            && let Ok(Some(state)) = State::read(&entry.env)
            && state.hash == plan.hash
            && usable(plan, &entry.env, &state)
        {
            return Ok(Some(Donor {
                env: entry.env,
                state,
                exact: true,
                mode,
                _held: Some(held),
            }));
        }
        if !entry.env.exists()
            && let Some(unkept) = crate::venv::store::unkept::read(&entry)
        {
            ctx.printer.verbose(&format!(
                "the store has no env of this spec: its keep after the build in `{}` was given \
                 up ({})",
                crate::diagnostics::display_path(&unkept.env),
                unkept.why
            ));
        }
    }
    // Without pip in the env, pip cannot bring a clone to the target. With
    // the base's site-packages visible, a resolution that ignores what is
    // installed would install what a fresh build takes from the base.
    // uv's installs are known by content only from a lock (the hashes it
    // checked), and uv, not pip, brings the clone to it: with uv and no
    // lock, only the store's env.
    let uv = !plan.spec.venv.installer.is_pip();
    if plan.spec.venv.system_site_packages
        || (uv && plan.spec.lock.is_none())
        || (!uv && !plan.spec.venv.pip)
    {
        return Ok(None);
    }
    let stashed = crate::venv::stash::list(&plan.paths)
        .into_iter()
        .map(|e| e.path);
    let candidates: Vec<(PathBuf, State)> = std::iter::once(plan.paths.env.clone())
        .chain(stashed)
        .filter_map(|env| {
            let state = State::read(&env).ok().flatten()?;
            usable(plan, &env, &state).then_some((env, state))
        })
        .collect();
    if candidates.is_empty() {
        return Ok(None);
    }
    let seed = seed()?;
    Ok(candidates
        .into_iter()
        // The pip a fresh build would seed, still the pip in it (a spec or
        // lock may have installed another over the seed; pip is kept).
        .find(|(_, state)| {
            state.pip_version == seed
                && state.as_built.as_ref().is_some_and(|built| {
                    built
                        .dists
                        .iter()
                        .find(|d| d.name == "pip")
                        .map(|d| &d.version)
                        == seed.as_ref()
                })
        })
        .map(|(env, state)| Donor {
            env,
            state,
            exact: false,
            mode,
            _held: None,
        }))
}

/// How long a checkout waits for the store's entry of its spec while a
/// writer holds it: a detached penv keeping the env another checkout just
/// built (as long as a clone takes, far less than a build), or an
/// eviction; then it builds.
const KEEP_WAIT: Duration = Duration::from_secs(20);

/// A reader's lock on the store's entry `entry` (not the env being built:
/// a script's env is its entry), waited for up to [`KEEP_WAIT`] while a
/// writer holds it (making it, or evicting it); `None` when there is no
/// entry nor anyone making one, or the wait ran out.
fn entry_reader(ctx: &Ctx, entry: &EnvPaths) -> Option<FileLock> {
    if !entry.env.exists() && !entry.lock_file().exists() {
        return None;
    }
    if let Ok(Some(held)) = entry.lock_shared() {
        return Some(held);
    }
    let progress = ctx
        .printer
        .step("Waiting for the store's entry of this spec (another penv is writing it)");
    let held = crate::fs::try_lock_existing_shared(&entry.lock_file(), KEEP_WAIT);
    progress.finish();
    let held = held.ok().flatten();
    if held.is_none() {
        ctx.printer.verbose(&format!(
            "the store's entry `{}` was still being written after {} s: building instead",
            crate::diagnostics::display_path(&entry.env),
            KEEP_WAIT.as_secs()
        ));
    }
    held
}

/// Whether the env at `env`, with `state`, may be cloned for `plan`.
fn usable(plan: &Plan, env: &Path, state: &State) -> bool {
    state.is_relocatable()
        && state.base == plan.python.fingerprint
        && state.spec.venv == plan.spec.venv
        && state.as_built.as_ref().is_some_and(|built| {
            // Changed by hand since it was built: what pip would leave
            // of it (or whether pip is still there) is unknown.
            !matches!(
                crate::venv::drift::compare(env, built),
                crate::venv::drift::Contents::Changed(_)
            )
        })
        && !env.join(crate::venv::owned::BUILD_MARKER).exists()
        && crate::venv::check::check_base(env, state).broken.is_empty()
        && prompt_of(env, state) == plan.prompt()
}

/// The activation prompt an env was made with: `pyvenv.cfg`'s `prompt`,
/// else (venv's default) the name of the directory it was built as.
fn prompt_of(env: &Path, state: &State) -> String {
    let cfg = std::fs::read_to_string(env.join("pyvenv.cfg")).unwrap_or_default();
    cfg.lines()
        .find_map(|line| {
            let (key, value) = line.split_once('=')?;
            (key.trim() == "prompt").then(|| value.trim().trim_matches(['\'', '"']).to_owned())
        })
        .unwrap_or_else(|| {
            state
                .venv_path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
}

impl Donor {
    /// Clones by hard links when the donor is the env being replaced and
    /// is deleted once the new env is in (`keep-stashed = 0`, no `src/`
    /// kept aside, the same file system, `link-mode` left to `auto`): no
    /// env that stays then shares a file with the new one, and linking
    /// is many times faster than copying where there are no reflinks.
    pub(crate) fn link_when_replaced(&mut self, plan: &Plan, keep_stashed: usize) {
        if self.mode == LinkMode::Auto
            && !self.exact
            && keep_stashed == 0
            && self.env == plan.paths.env
            && !self.env.join("src").exists()
            && same_device(
                &self.env,
                plan.paths.work.parent().unwrap_or(&plan.paths.work),
            )
        {
            self.mode = LinkMode::Hardlink;
        }
    }
}

#[cfg(unix)]
fn same_device(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_device(_: &Path, _: &Path) -> bool {
    false
}
