//! The build's installer: the env's own pip (unchanged), or uv when the
//! spec says `installer = "uv"`, found once per build before anything is
//! created, and given every install the build would give pip.

use std::path::{Path, PathBuf};

use super::Job;
use crate::Error;
use crate::installer::{self, InstallError};
use crate::project::LinkMode;
use crate::venv::seed;

/// uv as this build runs it.
pub(crate) struct Uv {
    /// The executable.
    path: PathBuf,
    /// How uv puts files into the env (`[venv] link-mode`).
    link_mode: LinkMode,
    /// The distributions of the spec's local files (`find-links`
    /// directories, archives a requirement names), which uv is to read
    /// again rather than take from its cache.
    refresh: Vec<String>,
}

impl Job<'_> {
    /// uv when the spec asks for it, found on first use.
    pub(super) fn uv(&self) -> Result<Option<&Uv>, Error> {
        if let Some(uv) = self.uv.get() {
            return Ok(uv.as_ref());
        }
        let uv = chosen(self)?;
        Ok(self.uv.get_or_init(|| uv).as_ref())
    }

    /// Runs one of the build's installs (pip's `args`) into `env` with the
    /// spec's installer.
    pub(super) fn install(&self, env: &Path, args: &[String], step: &str) -> Result<(), Error> {
        install(self, self.uv()?, env, args, step)
    }
}

impl Uv {
    /// The executable.
    pub(super) fn path(&self) -> &Path {
        &self.path
    }
}

/// Warns about each distribution uv put into `env` whose `Requires-Python`
/// excludes the env's interpreter: uv ignores upper bounds (`<3.11`) when
/// it resolves, where pip takes an older version or fails. Nothing with pip.
pub(super) fn warn_python_excluded(job: &Job, env: &Path) {
    if job.plan.spec.venv.installer.is_pip() {
        return;
    }
    let Ok(dists) = crate::venv::metadata::read_all(env) else {
        return;
    };
    let version = &job.plan.python.info.version;
    for (dist, requires) in crate::venv::metadata::python_excluded(&dists, version) {
        job.ctx.printer.warn(&format!(
            "{} {} requires Python `{requires}`, and the env's is {version}: uv installed it \
             because it ignores the upper bounds of `Requires-Python` (pip would take another \
             version or fail); pin a version that supports {version}, or set `installer = \"pip\"`",
            dist.name, dist.version
        ));
    }
}

/// uv for `job` when its spec asks for it: on `PATH`, in penv's cache, else
/// fetched from the project's sources with the pip a build would seed.
fn chosen(job: &Job) -> Result<Option<Uv>, Error> {
    let (ctx, plan) = (job.ctx, job.plan);
    if plan.spec.venv.installer.is_pip() {
        return Ok(None);
    }
    let path = locate(ctx, plan, &job.pip, &job.redactor, || {
        Ok(job.seed()?.wheel.clone())
    })?;
    ctx.printer
        .verbose(&format!("installing with uv: `{}`", path.display()));
    let listed = job.pip.find_links.iter().flat_map(|l| &l.files);
    let files = listed.filter_map(|f| f.rsplit_once(' ').map(|(name, _)| name));
    let archives = plan.spec.local_archives.iter().map(|a| a.path.as_str());
    let mut refresh: Vec<String> = files
        .chain(archives)
        .filter_map(installer::dist_of_file)
        .collect();
    refresh.sort();
    refresh.dedup();
    Ok(Some(Uv {
        path,
        link_mode: crate::ops::derive::link_mode(ctx, plan)?,
        refresh,
    }))
}

/// uv's executable for `plan`: on `PATH`, in penv's cache, else fetched
/// from the project's sources (`pip`, expanded) with the pip wheel
/// `pip_wheel` gives (asked for only then).
pub(crate) fn locate(
    ctx: &crate::ops::Ctx,
    plan: &crate::plan::Plan,
    pip: &crate::spec::PipSpec,
    redactor: &crate::credentials::Redactor,
    pip_wheel: impl FnOnce() -> Result<PathBuf, Error>,
) -> Result<PathBuf, Error> {
    let dirs: Vec<PathBuf> = ctx
        .vars
        .path
        .as_ref()
        .map(|p| std::env::split_paths(p).collect())
        .unwrap_or_default();
    let cache = ctx.cache_dir.as_deref();
    match installer::find_uv(&dirs, cache, None, ctx.printer) {
        Ok(uv) => Ok(uv),
        Err(InstallError::NoUv { .. }) => {
            let wheel = pip_wheel()?;
            let sources = seed::PipSources::new(pip, &plan.project.root);
            let fetch = installer::Fetch {
                base: &plan.python.fingerprint.path,
                pip_wheel: &wheel,
                source_args: &sources.args,
                root: &plan.project.root,
                redactor,
            };
            Ok(installer::find_uv(&dirs, cache, Some(fetch), ctx.printer)?)
        }
        Err(e) => Err(e.into()),
    }
}

/// Runs one of the build's installs (`args`, pip's) into `env`: with pip,
/// exactly as before; with uv, translated for `uv pip`.
fn install(
    job: &Job,
    uv: Option<&Uv>,
    env: &Path,
    args: &[String],
    step: &str,
) -> Result<(), Error> {
    let (root, printer) = (&job.plan.project.root, job.ctx.printer);
    match uv {
        None => installer::install(env, root, args, step, &job.redactor, printer, &job.guard)?,
        Some(uv) => installer::install_with_uv(
            &uv.path,
            env,
            root,
            args,
            (uv.link_mode, &uv.refresh),
            step,
            &job.redactor,
            printer,
            &job.guard,
        )?,
    }
    if uv.is_some() {
        crate::venv::record::drop_uv_cache_info(env)?;
    }
    Ok(())
}
