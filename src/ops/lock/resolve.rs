//! The resolutions behind a lock: a scratch venv (`.penv/lock-<env name>`)
//! seeded with the pip the env would get, and one `pip install --dry-run
//! --ignore-installed --report` per group set in it.
//!
//! Invariant: the scratch venv carries penv's build marker from before
//! anything is in it, so the one deletion path (`venv::owned::remove`)
//! takes it, and nothing here touches the project's env.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use super::{Ctx, Options};
use crate::Error;
use crate::credentials::Redactor;
use crate::installer;
use crate::lock::model::PyLock;
use crate::lock::parts::{Parts, names};
use crate::lock::report::{Resolution, Source};
use crate::lock::{self, LockError, normalize_name};
use crate::plan::Plan;
use crate::process::SignalGuard;
use crate::spec::{PackageSpec, PipSpec, Spec};
use crate::venv::{EnvPaths, create, owned, seed};

/// The first pip with `install --dry-run --report`.
const PIP_WITH_REPORT: &str = "22.2";

pub(super) type Resolutions = (Resolution, Parts);

/// What one resolution asks pip for, beside the pip options: the whole
/// project, the requirements alone, one group, or one extra.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part<'a> {
    /// Requirements, requirement files, every group, every extra.
    All,
    /// What installs whatever is selected: the requirements, requirement
    /// files, `[pip] args` and the project itself without its extras.
    Requirements,
    /// One group, with the project itself (a group may need the project:
    /// pluggy's `testing` needs tox, which needs pluggy).
    Group(&'a str),
    /// The requirements and one extra.
    Extra(&'a str),
}

impl Part<'_> {
    /// The progress line of its resolution.
    fn label(self) -> String {
        match self {
            Self::All => "Resolving the project with pip".to_owned(),
            Self::Requirements => "Resolving the requirements alone with pip".to_owned(),
            Self::Group(group) => format!("Resolving group `{group}` with pip"),
            Self::Extra(extra) => format!("Resolving extra `{extra}` with pip"),
        }
    }

    /// `spec` narrowed to what this part installs.
    fn spec(self, spec: &Spec) -> Spec {
        let base = !matches!(self, Self::Group(_));
        let groups: BTreeMap<String, Vec<String>> = match self {
            Self::All => spec.groups.clone(),
            Self::Group(group) => spec
                .groups
                .iter()
                .filter(|(name, _)| name.as_str() == group)
                .map(|(name, reqs)| (name.clone(), reqs.clone()))
                .collect(),
            Self::Requirements | Self::Extra(_) => BTreeMap::new(),
        };
        let extra_wanted = |name: &str| match self {
            Self::All => true,
            Self::Extra(extra) => name == extra,
            Self::Requirements | Self::Group(_) => false,
        };
        Spec {
            group_files: spec
                .group_files
                .iter()
                .filter(|(name, _)| groups.contains_key(*name))
                .map(|(name, files)| (name.clone(), files.clone()))
                .collect(),
            // The project as itself, in every part: its directory, never
            // its name looked up on an index (its version, often a local
            // `1.6.1.dev179+g…`, is on none).
            package: spec.package.as_ref().map(|p| PackageSpec {
                extras: p
                    .extras
                    .iter()
                    .filter(|e| extra_wanted(e))
                    .cloned()
                    .collect(),
            }),
            extras: spec
                .extras
                .iter()
                .filter(|(name, _)| extra_wanted(name))
                .map(|(name, reqs)| (name.clone(), reqs.clone()))
                .collect(),
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
        }
    }
}

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
    // A venv's layout either way (what makes the scratch penv's to
    // remove); pip is seeded into it only to resolve with pip.
    scratch_layout(ctx, plan, scratch)?;
    let uv = if plan.spec.venv.installer.is_pip() || super::uv::pins_hashes(ctx, plan) {
        seed_scratch(ctx, plan, pip, redactor, scratch)?;
        ctx.printer
            .status("Resolving with pip (`--dry-run`: nothing is installed)");
        None
    } else {
        let uv = super::uv::find(ctx, plan, pip, redactor)?;
        ctx.printer
            .status("Resolving with uv (`uv pip compile`: nothing is installed)");
        Some(uv)
    };
    let spec = Spec {
        pip: pip.clone(),
        ..plan.spec.clone()
    };
    let kept = super::pins::kept_pins(existing, options, &spec);
    let run = |part: Part<'_>, pins: &[String]| {
        resolve(
            ctx,
            plan,
            &part.spec(&spec),
            !matches!(part, Part::Group(_)),
            redactor,
            guard,
            scratch,
            pins,
            (part, uv.as_deref()),
        )
    };
    // The current lock's pins are preferences, as pip-tools keeps them: when
    // the project no longer resolves with them (a requirement file now asks
    // for another version, a new package needs a newer dependency), resolve
    // once more without them rather than fail.
    let full = match run(Part::All, &kept) {
        Err(e) if !kept.is_empty() && !matches!(e, Error::Interrupted { .. }) => {
            ctx.printer.warn(
                "the project does not resolve with the current lock's pins: resolving again without them",
            );
            run(Part::All, &[])?
        }
        other => other?,
    };
    let extras: Vec<String> = match &spec.package {
        Some(package) => package.extras.clone(),
        None => spec.extras.keys().cloned().collect(),
    };
    if spec.groups.is_empty() && extras.is_empty() {
        let base = names(&full);
        return Ok((
            full,
            Parts {
                base,
                ..Parts::default()
            },
        ));
    }
    // One resolution when it accounts for every part: each part's packages
    // are what its requirements lead to in it (`lock::parts`). Else each
    // part is resolved apart, as pip would resolve it alone. uv's
    // resolution has no dependency graph (its `pylock.toml` records none):
    // each part apart.
    let graph = uv.is_none().then(|| attributed(plan, &spec, &full));
    match graph {
        None => ctx.printer.verbose(
            "resolving the requirements, each group and each extra apart: uv's resolution records no dependency graph",
        ),
        Some(Ok(parts)) => {
            ctx.printer
                .verbose("groups and extras attributed from the one resolution");
            return Ok((full, parts));
        }
        Some(Err(why)) => ctx.printer.status(&format!(
            "Resolving the requirements, each group and each extra apart: {why}"
        )),
    }
    let mut pins = pins_of(&full);
    if uv.is_some() {
        // uv resolves each part alone: a part whose package needs a direct
        // reference of the requirements by name finds it by its URL here.
        pins.extend(super::uv::direct_pins(&full));
    }
    // Whatever installs without a group: requirements, requirement files and
    // `[pip] args` (`-e .`, `-r`); `resolve` asks pip nothing when that is nothing.
    let mut parts = Parts {
        base: names(&run(Part::Requirements, &pins)?),
        ..Parts::default()
    };
    for (group, reqs) in &spec.groups {
        // An empty group needs nothing: pip is not asked.
        let has_files = spec.group_files.get(group).is_some_and(|f| !f.is_empty());
        let resolved = if reqs.is_empty() && !has_files {
            std::collections::BTreeSet::new()
        } else {
            names(&run(Part::Group(group), &pins)?)
        };
        parts.groups.insert(group.clone(), resolved);
    }
    for extra in &extras {
        let resolved = names(&run(Part::Extra(extra), &pins)?);
        parts.extras.insert(extra.clone(), resolved);
    }
    Ok((full, parts))
}

/// The parts of `full`, read from its dependency graph; `Err` says why
/// they cannot be.
fn attributed(plan: &Plan, spec: &Spec, full: &Resolution) -> Result<Parts, String> {
    let roots = super::roots::roots(
        spec,
        &plan.project.config.requirement_files,
        &plan.project.root,
    )?;
    let root = crate::fs::normalize_lexically(&plan.project.root);
    let project = spec.package.as_ref().and_then(|_| {
        full.packages.iter().find(|p| {
            matches!(p.source, Source::Directory { .. })
                && crate::lock::build::local_path(&p.url)
                    .is_some_and(|dir| crate::fs::normalize_lexically(&dir) == root)
        })
    });
    lock::parts::attribute(full, &roots, project.map(|p| p.name.as_str()))
}

/// The full resolution's versions as constraints of the partial ones: each
/// package pip found on an index or in `find-links`. Not a directory, a
/// checkout or a direct URL: a part that needs one names it itself (the
/// project is in every part), and its version (`1.6.1.dev179+g…`) is no
/// index's.
fn pins_of(full: &Resolution) -> Vec<String> {
    full.packages
        .iter()
        .filter(|p| !p.is_direct && matches!(p.source, Source::Archive { .. }))
        .map(|p| format!("{}=={}", normalize_name(&p.name), p.version))
        .collect()
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
    (part, uv): (Part<'_>, Option<&Path>),
) -> Result<Resolution, Error> {
    let report = scratch.join("penv-report.json");
    let constraints = scratch.join("penv-constraints.txt");
    let files: &[String] = if with_files {
        &plan.project.config.requirement_files
    } else {
        &[]
    };
    if !has_work(spec, files) {
        return Ok(Resolution {
            environment: super::markers::fallback_environment(plan),
            packages: Vec::new(),
        });
    }
    let mut args = installer::pip_args(spec, &plan.project.root, files);
    if !pins.is_empty() {
        crate::fs::write_atomic(&constraints, format!("{}\n", pins.join("\n")).as_bytes())?;
        args.extend(["-c".to_owned(), constraints.display().to_string()]);
    }
    let label = part.label();
    if let Some(uv) = uv {
        let label = label.replace("with pip", "with uv");
        ctx.printer.verbose(&label);
        let cached = part != Part::All;
        return super::uv::resolve(
            ctx,
            plan,
            uv,
            &args,
            (&label, cached),
            redactor,
            guard,
            scratch,
        );
    }
    ctx.printer.verbose(&label);
    // Not `--quiet`: pip says why a resolution is impossible ("The conflict
    // is caused by: …") at its info level, which `--quiet` drops.
    args.extend(["--dry-run", "--ignore-installed", "--report"].map(str::to_owned));
    args.push(report.display().to_string());
    installer::install(
        scratch,
        &plan.project.root,
        &args,
        &label,
        redactor,
        ctx.printer,
        guard,
    )
    .map_err(|e| match e {
        installer::InstallError::Pip { code, .. } => Error::Locking(LockError::Resolve {
            by: "pip",
            code,
            detail: e.resolution_detail(),
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

/// Whether pip has anything to resolve: the project itself, requirement
/// lines, a requirement file (`top_files`, a group's) or a requirement in
/// `[pip] args`. Not the spec's `requirement_files`: they hold every
/// group's files, whichever part is resolved.
fn has_work(spec: &Spec, top_files: &[String]) -> bool {
    spec.package.is_some()
        || !spec.all_requirements().is_empty()
        || !top_files.is_empty()
        || spec.group_files.values().any(|files| !files.is_empty())
        || crate::spec::pip_args::parse(&spec.pip.args).installs_something()
}

/// Creates the scratch venv's layout.
fn scratch_layout(ctx: &Ctx, plan: &Plan, scratch: &Path) -> Result<(), Error> {
    let base = &plan.python.fingerprint.path;
    let progress = ctx.printer.step("Preparing a scratch venv to resolve in");
    let options = create::VenvOptions {
        system_site_packages: false,
        prompt: None,
    };
    let created = create::create_layout(base, scratch, &options);
    progress.finish();
    Ok(created?)
}

/// Seeds the scratch venv with the pip the env would get; refuses a pip
/// without `--report`.
fn seed_scratch(
    ctx: &Ctx,
    plan: &Plan,
    pip: &PipSpec,
    redactor: &Redactor,
    scratch: &Path,
) -> Result<(), Error> {
    let info = &plan.python.info;
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
