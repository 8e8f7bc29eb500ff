//! The resolutions behind a lock: a scratch venv (`.penv/lock-<env name>`)
//! seeded with the pip the env would get, and one `pip install --dry-run
//! --ignore-installed --report` per group set in it.
//!
//! Invariant: the scratch venv carries penv's build marker from before
//! anything is in it, so the one deletion path (`venv::owned::remove`)
//! takes it, and nothing here touches the project's env.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use super::{Ctx, Options};
use crate::Error;
use crate::credentials::Redactor;
use crate::installer;
use crate::lock::build::names;
use crate::lock::model::PyLock;
use crate::lock::report::Resolution;
use crate::lock::{self, LockError, normalize_name};
use crate::plan::Plan;
use crate::process::SignalGuard;
use crate::spec::{PipSpec, Spec};
use crate::venv::{EnvPaths, create, owned, seed};

/// The first pip with `install --dry-run --report`.
const PIP_WITH_REPORT: &str = "22.2";

pub(super) type Resolutions = (
    Resolution,
    BTreeSet<String>,
    BTreeMap<String, BTreeSet<String>>,
);

/// Seeds the scratch venv and runs every resolution.
#[expect(
    clippy::too_many_arguments,
    reason = "one call site; the parts of a run"
)]
pub(super) fn resolve_all(
    ctx: &Ctx,
    plan: &Plan,
    pip: &PipSpec,
    redactor: &Redactor,
    guard: &SignalGuard,
    scratch: &Path,
    existing: Option<&PyLock>,
    options: &Options,
) -> Result<Resolutions, Error> {
    seed_scratch(ctx, plan, pip, redactor, scratch)?;
    ctx.printer
        .status("Resolving with pip (`--dry-run`: nothing is installed)");
    let spec = Spec {
        pip: pip.clone(),
        ..plan.spec.clone()
    };
    let kept = super::pins::kept_pins(existing, options, &spec);
    let run = |groups: BTreeMap<String, Vec<String>>, base: bool, pins: &[String], what: &str| {
        let spec = Spec {
            group_files: spec
                .group_files
                .iter()
                .filter(|(name, _)| groups.contains_key(*name))
                .map(|(name, files)| (name.clone(), files.clone()))
                .collect(),
            package: if base { spec.package.clone() } else { None },
            extras: if base {
                spec.extras.clone()
            } else {
                BTreeMap::new()
            },
            groups,
            requirements: if base {
                spec.requirements.clone()
            } else {
                Vec::new()
            },
            requirement_files: if base {
                spec.requirement_files.clone()
            } else {
                Vec::new()
            },
            ..spec.clone()
        };
        resolve(ctx, plan, &spec, base, redactor, guard, scratch, pins, what)
    };
    // The current lock's pins are preferences, as pip-tools keeps them: when
    // the project no longer resolves with them (a requirement file now asks
    // for another version, a new package needs a newer dependency), resolve
    // once more without them rather than fail.
    let full = match run(spec.groups.clone(), true, &kept, "all") {
        Err(e) if !kept.is_empty() && !matches!(e, Error::Interrupted { .. }) => {
            ctx.printer.warn(
                "the project does not resolve with the current lock's pins: resolving again without them",
            );
            run(spec.groups.clone(), true, &[], "all")?
        }
        other => other?,
    };
    if spec.groups.is_empty() {
        let base = names(&full);
        return Ok((full, base, BTreeMap::new()));
    }
    let pins: Vec<String> = full
        .packages
        .iter()
        .map(|p| format!("{}=={}", normalize_name(&p.name), p.version))
        .collect();
    // Whatever installs without a group: requirements, requirement files and
    // `[pip] args` (`-e .`, `-r`); `resolve` asks pip nothing when that is nothing.
    let base = names(&run(BTreeMap::new(), true, &pins, "requirements")?);
    let mut by_group = BTreeMap::new();
    for (group, reqs) in &spec.groups {
        let resolved = if reqs.is_empty() {
            BTreeSet::new()
        } else {
            let only = BTreeMap::from([(group.clone(), reqs.clone())]);
            names(&run(only, false, &pins, group)?)
        };
        by_group.insert(group.clone(), resolved);
    }
    Ok((full, base, by_group))
}

/// One `pip install --dry-run --report` of `spec`, constrained to `pins`.
#[expect(
    clippy::too_many_arguments,
    reason = "one call site; the parts of a run"
)]
fn resolve(
    ctx: &Ctx,
    plan: &Plan,
    spec: &Spec,
    with_files: bool,
    redactor: &Redactor,
    guard: &SignalGuard,
    scratch: &Path,
    pins: &[String],
    what: &str,
) -> Result<Resolution, Error> {
    let report = scratch.join("penv-report.json");
    let constraints = scratch.join("penv-constraints.txt");
    if !installer::has_work(spec) {
        return Ok(Resolution {
            environment: fallback_environment(plan),
            packages: Vec::new(),
        });
    }
    let files: &[String] = if with_files {
        &plan.project.config.requirement_files
    } else {
        &[]
    };
    let mut args = installer::pip_args(spec, &plan.project.root, files);
    args.extend(["--dry-run", "--ignore-installed", "--quiet", "--report"].map(str::to_owned));
    args.push(report.display().to_string());
    if !pins.is_empty() {
        crate::fs::write_atomic(&constraints, format!("{}\n", pins.join("\n")).as_bytes())?;
        args.extend(["-c".to_owned(), constraints.display().to_string()]);
    }
    ctx.printer.verbose(&format!("resolving {what}"));
    installer::install(
        scratch,
        &plan.project.root,
        &args,
        &step_label(what),
        redactor,
        ctx.printer,
        guard,
    )
    .map_err(|e| match e {
        installer::InstallError::Pip { code, .. } => Error::Locking(LockError::Resolve {
            code,
            detail: e.detail(),
            hint: e.hint().map(|h| h.replace("penv sync", "penv lock")),
        }),
        other => Error::from(other),
    })?;
    let bytes = crate::fs::read(&report)?;
    let text = String::from_utf8_lossy(&bytes);
    lock::report::parse(&text).map_err(|message| {
        Error::Locking(LockError::Report {
            path: report.clone(),
            message,
        })
    })
}

/// The environment of a lock with nothing in it (pip was not run).
fn fallback_environment(plan: &Plan) -> BTreeMap<String, String> {
    let info = &plan.python.info;
    BTreeMap::from([
        ("python_full_version".to_owned(), info.version.clone()),
        ("python_version".to_owned(), info.major_minor()),
        (
            "implementation_name".to_owned(),
            info.implementation.clone(),
        ),
    ])
}

/// Creates the scratch venv's layout and seeds it with the pip the env
/// would get; refuses a pip without `--report`.
fn seed_scratch(
    ctx: &Ctx,
    plan: &Plan,
    pip: &PipSpec,
    redactor: &Redactor,
    scratch: &Path,
) -> Result<(), Error> {
    let info = &plan.python.info;
    let base = &plan.python.fingerprint.path;
    let progress = ctx.printer.step("Preparing a scratch venv to resolve in");
    let options = create::VenvOptions {
        system_site_packages: false,
        prompt: None,
    };
    let created = create::create_layout(base, scratch, &options);
    progress.finish();
    created?;
    let seed = crate::ops::build::choose_seed(ctx, plan, pip, redactor)?;
    let explicit = crate::ops::build::pip_version_location(plan);
    let minimum = pep440_rs::Version::from_str(PIP_WITH_REPORT).expect("a version");
    if seed.version < minimum {
        return Err(Error::Locking(LockError::PipTooOld {
            version: seed.version.to_string(),
            location: explicit.flatten(),
        }));
    }
    seed::seed_pip(info, scratch, &seed)?;
    Ok(())
}

/// The scratch venv: `.penv/lock-<env name>`, marked as penv's before anything
/// is in it, so the one deletion path (`venv::owned::remove`) takes it.
pub(super) struct Scratch {
    pub(super) dir: PathBuf,
    paths: EnvPaths,
}

impl Scratch {
    pub(super) fn create(env: &EnvPaths) -> Result<Self, Error> {
        env.ensure_work_dir()?;
        let dir = env.work.join(format!("lock-{}", env.name));
        let paths = EnvPaths::new(dir.clone());
        // Left by a killed `penv lock` (the caller holds the lock-file lock,
        // so no other is using it).
        owned::remove(&paths, &dir, false, &mut Vec::new())?;
        crate::fs::create_dir_all(&dir)?;
        owned::write_marker(&dir, "building")?;
        Ok(Self { dir, paths })
    }

    pub(super) fn remove(self) -> Result<(), Error> {
        Ok(owned::remove(
            &self.paths,
            &self.dir,
            false,
            &mut Vec::new(),
        )?)
    }
}

/// The progress line of one resolution: the whole project, the
/// requirements alone, or one group.
fn step_label(what: &str) -> String {
    match what {
        "all" => "Resolving the project with pip".to_owned(),
        "requirements" => "Resolving the requirements alone with pip".to_owned(),
        group => format!("Resolving group `{group}` with pip"),
    }
}
