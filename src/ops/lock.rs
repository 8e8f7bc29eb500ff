//! `penv lock`: resolve the project — its requirements, requirement files
//! and every group — with pip (`install --dry-run --ignore-installed
//! --report`) for the plan's interpreter, and write `pylock.toml` beside the
//! project file; and decide, without resolving, whether that file is still
//! the project's lock ([`freshness`]).
//!
//! pip runs in a scratch venv (`.penv/lock-<pid>`, created, seeded with the
//! pip the env would get, and removed through `venv::owned`), never in
//! `.venv`, which locking leaves alone. Pins of the existing lock reach pip
//! as constraints, so re-locking moves only what must move (or what
//! `--upgrade`/`--upgrade-package` frees); a pin a requirement no longer
//! allows is dropped. Groups are attributed as `lock::build` explains: the
//! full resolution, then one per group (and one for the requirements alone)
//! constrained to the full one's pins. Invariant: the lock is written
//! atomically, only after every resolution succeeded, and the same inputs
//! and pins give the same bytes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use super::Ctx;
use crate::Error;
use crate::credentials::Redactor;
use crate::installer;
use crate::lock::build::{LockContext, names};
use crate::lock::inputs::{Inputs, recorded_hash};
use crate::lock::model::PyLock;
use crate::lock::report::Resolution;
use crate::lock::{self, LockError, normalize_name};
use crate::plan::{Plan, Selection};
use crate::process::SignalGuard;
use crate::spec::{GroupSelection, PipSpec, Spec};
use crate::venv::{EnvPaths, create, owned, seed};

/// The first pip with `install --dry-run --report`.
const PIP_WITH_REPORT: &str = "22.2";

/// What `penv lock` may change of the existing pins.
#[derive(Debug, Clone, Default)]
pub(crate) struct Options {
    /// `--upgrade`: no pins kept.
    pub(crate) upgrade: bool,
    /// `--upgrade-package`: these names' pins dropped (normalized here).
    pub(crate) upgrade_packages: Vec<String>,
}

/// What a lock run did.
#[derive(Debug)]
pub(crate) struct Locked {
    pub(crate) path: PathBuf,
    pub(crate) packages: usize,
    /// Whether the file's bytes changed.
    pub(crate) written: bool,
    /// `Added x 1.0`, `Updated x 1.0 -> 2.0`, `Removed x 1.0`, sorted by name.
    pub(crate) changes: Vec<String>,
}

/// Whether `pylock.toml` is the lock of the project as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Freshness {
    Fresh,
    Missing,
    /// Out of date, and why.
    Stale(String),
}

/// The selection a lock is made for: every group of the project.
pub(crate) fn selection(
    plan_python: Option<String>,
    project: &crate::project::Project,
) -> Selection {
    Selection {
        python: plan_python,
        groups: GroupSelection {
            groups: project.config.groups.keys().cloned().collect(),
            no_default_groups: true,
        },
        lock: crate::plan::LockUse::Ignore,
    }
}

/// Where the project's lock is: `pylock.toml` beside the project file.
pub(crate) fn lock_path(plan: &Plan) -> PathBuf {
    plan.project.root.join(lock::LOCK_FILE_NAME)
}

/// The inputs of a lock of `plan`, which must select every group
/// ([`selection`]).
pub(crate) fn inputs(plan: &Plan) -> Inputs {
    let spec = &plan.spec;
    let mut pip = Vec::new();
    if let Some(url) = &spec.pip.index_url {
        pip.push(format!("index-url {}", json(url)));
    }
    for url in &spec.pip.extra_index_urls {
        pip.push(format!("extra-index-url {}", json(url)));
    }
    for link in &spec.pip.find_links {
        pip.push(format!("find-links {}", json(&link.location)));
    }
    for link in &spec.named_find_links {
        pip.push(format!("named-find-links {}", json(&link.location)));
    }
    if spec.pip.no_index {
        pip.push("no-index".to_owned());
    }
    pip.extend(spec.pip.args.iter().map(|a| format!("arg {a}")));
    let info = &plan.python.info;
    Inputs {
        requirements: spec.requirements.clone(),
        groups: spec.groups.clone(),
        default_groups: plan
            .project
            .config
            .default_groups
            .clone()
            .unwrap_or_default(),
        requirement_files: spec
            .requirement_files
            .iter()
            .map(|f| {
                format!(
                    "{}{} {}",
                    if f.constraint { "-c " } else { "" },
                    f.path,
                    f.sha256
                )
            })
            .collect(),
        pip,
        local_projects: spec.local_projects.iter().map(json).collect(),
        pip_version: spec.venv.pip_version.clone(),
        interpreter: format!(
            "{} {} {} {}",
            info.implementation,
            info.version,
            std::env::consts::OS,
            std::env::consts::ARCH
        ),
    }
}

/// A part of the spec as canonical JSON text, for [`inputs`].
fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("spec parts serialize")
}

/// Whether the lock beside `plan`'s project file (a plan for [`selection`])
/// is fresh, by its recorded inputs hash; resolves nothing.
pub(crate) fn freshness(plan: &Plan) -> Result<Freshness, Error> {
    let path = lock_path(plan);
    let Some(existing) = lock::read(&path)? else {
        return Ok(Freshness::Missing);
    };
    Ok(match recorded_hash(&existing) {
        Some(hash) if hash == inputs(plan).hash() => Freshness::Fresh,
        Some(_) => Freshness::Stale(
            "the project's requirements, groups, requirement files, pip options or interpreter changed since it was written".to_owned(),
        ),
        None => Freshness::Stale(format!(
            "it records no `[tool.penv] inputs-hash` (written by `{}`)",
            existing.created_by
        )),
    })
}

/// Resolves `plan` (a plan for [`selection`]) and writes the lock.
pub(crate) fn lock(ctx: &Ctx, plan: &Plan, options: &Options) -> Result<Locked, Error> {
    let path = lock_path(plan);
    let existing = lock::read(&path)?;
    let (pip, redactor) = plan
        .spec
        .pip
        .expanded(&ctx.vars.url_vars, |keys| plan.project.locate(keys))?;
    let guard = SignalGuard::install();
    let scratch = Scratch::create(&plan.paths)?;
    let resolved = resolve_all(
        ctx,
        plan,
        &pip,
        &redactor,
        &guard,
        &scratch.dir,
        existing.as_ref(),
        options,
    );
    let removed = scratch.remove();
    let (full, base, by_group) = resolved?;
    removed?;
    let context = LockContext {
        lock_dir: plan.project.root.clone(),
        project_root: plan.project.root.clone(),
        requires_python: plan
            .project
            .requires_python
            .as_ref()
            .map(|r| r.value.clone()),
        groups: plan.project.config.groups.keys().cloned().collect(),
        default_groups: plan
            .project
            .config
            .default_groups
            .clone()
            .unwrap_or_default(),
        inputs_hash: inputs(plan).hash(),
    };
    let new = lock::build::build(&full, &base, &by_group, &context)?;
    let text = lock::write::render(&new);
    let old_text = crate::text_file::read_optional(&path, lock::LOCK_FILE)
        .ok()
        .flatten();
    let written = old_text.as_deref() != Some(text.as_str());
    if written {
        crate::fs::write_atomic(&path, text.as_bytes())?;
    }
    Ok(Locked {
        path,
        packages: new.packages.len(),
        written,
        changes: changes(existing.as_ref(), &new),
    })
}

type Resolutions = (
    Resolution,
    BTreeSet<String>,
    BTreeMap<String, BTreeSet<String>>,
);

/// Seeds the scratch venv and runs every resolution.
#[expect(
    clippy::too_many_arguments,
    reason = "one call site; the parts of a run"
)]
fn resolve_all(
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
    let spec = Spec {
        pip: pip.clone(),
        ..plan.spec.clone()
    };
    let kept = kept_pins(existing, options, &spec);
    let run = |groups: BTreeMap<String, Vec<String>>, base: bool, pins: &[String], what: &str| {
        let spec = Spec {
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
    let full = run(spec.groups.clone(), true, &kept, "all")?;
    if spec.groups.is_empty() {
        let base = names(&full);
        return Ok((full, base, BTreeMap::new()));
    }
    let pins: Vec<String> = full
        .packages
        .iter()
        .map(|p| format!("{}=={}", normalize_name(&p.name), p.version))
        .collect();
    let mut base = BTreeSet::new();
    let has_base =
        !spec.requirements.is_empty() || spec.requirement_files.iter().any(|f| !f.constraint);
    if has_base {
        base = names(&run(BTreeMap::new(), true, &pins, "requirements")?);
    }
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

/// The existing lock's pins pip keeps: `name==version` for each versioned
/// package, except those `options` frees and those a requirement of `spec`
/// no longer allows.
fn kept_pins(existing: Option<&PyLock>, options: &Options, spec: &Spec) -> Vec<String> {
    let Some(existing) = existing else {
        return Vec::new();
    };
    if options.upgrade {
        return Vec::new();
    }
    let freed: BTreeSet<String> = options
        .upgrade_packages
        .iter()
        .map(|n| normalize_name(n))
        .collect();
    let allowed = allowed_versions(spec);
    existing
        .packages
        .iter()
        .filter_map(|p| {
            let name = normalize_name(&p.name);
            let version = p.version.as_deref()?;
            if freed.contains(&name) {
                return None;
            }
            if let (Some(specifiers), Ok(v)) =
                (allowed.get(&name), pep440_rs::Version::from_str(version))
                && !specifiers.iter().all(|s| s.contains(&v))
            {
                return None;
            }
            Some(format!("{name}=={version}"))
        })
        .collect()
}

/// The version specifiers each directly named package must satisfy.
fn allowed_versions(spec: &Spec) -> BTreeMap<String, Vec<pep440_rs::VersionSpecifiers>> {
    let mut allowed: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for text in spec.all_requirements() {
        // Normalized by the spec; non-ASCII ones (kept as written) are skipped,
        // as `pep508_rs` may panic on them.
        if !text.is_ascii() {
            continue;
        }
        if let Ok(req) = pep508_rs::Requirement::<pep508_rs::VerbatimUrl>::from_str(text)
            && let Some(pep508_rs::VersionOrUrl::VersionSpecifier(specifiers)) = req.version_or_url
            && let Ok(specifiers) = pep440_rs::VersionSpecifiers::from_str(&specifiers.to_string())
        {
            allowed
                .entry(normalize_name(req.name.as_ref()))
                .or_default()
                .push(specifiers);
        }
    }
    allowed
}

/// What moved between the old lock and the new one.
fn changes(old: Option<&PyLock>, new: &PyLock) -> Vec<String> {
    let versions = |lock: &PyLock| -> BTreeMap<String, String> {
        lock.packages
            .iter()
            .map(|p| {
                (
                    normalize_name(&p.name),
                    p.version.clone().unwrap_or_default(),
                )
            })
            .collect()
    };
    let old = old.map(versions).unwrap_or_default();
    let new = versions(new);
    let mut out = Vec::new();
    for (name, version) in &new {
        match old.get(name) {
            None => out.push(format!("Added `{name}` {version}")),
            Some(before) if before != version => {
                out.push(format!("Updated `{name}` {before} -> {version}"));
            }
            Some(_) => {}
        }
    }
    for (name, version) in &old {
        if !new.contains_key(name) {
            out.push(format!("Removed `{name}` {version}"));
        }
    }
    out.sort_by(|a, b| a.split('`').nth(1).cmp(&b.split('`').nth(1)));
    out
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
    let explicit = plan
        .project
        .config
        .venv
        .pip_version
        .is_some()
        .then(|| plan.project.locate(&["venv", "pip-version"]));
    let request = seed::PipRequest::new(plan.spec.venv.pip_version.as_deref(), explicit.clone());
    let sources = seed::PipSources::new(pip, &plan.project.root);
    let seed = seed::choose(
        info,
        base,
        &request,
        &sources,
        &plan.project.root,
        ctx.cache_dir.as_deref(),
        redactor,
        ctx.printer,
    )?;
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

/// The scratch venv: `.penv/lock-<pid>`, marked as penv's before anything
/// is in it, so the one deletion path (`venv::owned::remove`) takes it.
struct Scratch {
    dir: PathBuf,
    paths: EnvPaths,
}

impl Scratch {
    fn create(env: &EnvPaths) -> Result<Self, Error> {
        env.ensure_work_dir()?;
        let dir = env.work.join(format!("lock-{}", std::process::id()));
        let paths = EnvPaths::new(dir.clone());
        // Left by a killed penv whose pid this one has now.
        owned::remove(&paths, &dir, false, &mut Vec::new())?;
        crate::fs::create_dir_all(&dir)?;
        owned::write_marker(&dir, "building")?;
        Ok(Self { dir, paths })
    }

    fn remove(self) -> Result<(), Error> {
        Ok(owned::remove(
            &self.paths,
            &self.dir,
            false,
            &mut Vec::new(),
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lock_with(packages: &[(&str, &str)]) -> PyLock {
        let text = packages.iter().fold(
            "lock-version = \"1.0\"\ncreated-by = \"penv\"\n".to_owned(),
            |text, (n, v)| format!("{text}[[packages]]\nname = \"{n}\"\nversion = \"{v}\"\n"),
        );
        crate::lock::model::parse(&text, Path::new("p")).unwrap()
    }

    #[test]
    fn pins_are_kept_unless_freed_or_no_longer_allowed() {
        let old = lock_with(&[("Tiny_Pkg", "1.0"), ("other", "1.0"), ("third", "3.0")]);
        let mut spec = crate::spec::example();
        spec.requirements = vec!["other>=2".into(), "third".into()];
        spec.groups.clear();
        let options = Options::default();
        assert_eq!(
            kept_pins(Some(&old), &options, &spec),
            ["tiny-pkg==1.0", "third==3.0"]
        );
        let options = Options {
            upgrade_packages: vec!["TINY.pkg".into()],
            ..Options::default()
        };
        assert_eq!(kept_pins(Some(&old), &options, &spec), ["third==3.0"]);
        let options = Options {
            upgrade: true,
            ..Options::default()
        };
        assert!(kept_pins(Some(&old), &options, &spec).is_empty());
    }

    #[test]
    fn changes_name_what_moved() {
        let old = lock_with(&[("a", "1"), ("b", "1")]);
        let new = lock_with(&[("b", "2"), ("c", "1")]);
        assert_eq!(
            changes(Some(&old), &new),
            ["Removed `a` 1", "Updated `b` 1 -> 2", "Added `c` 1"]
        );
    }
}
