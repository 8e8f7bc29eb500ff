//! `penv lock`: resolve the project — its requirements, requirement files
//! and every group — with pip (`install --dry-run --ignore-installed
//! --report`) for the plan's interpreter, or with `uv pip compile` when the
//! installer is uv (`uv`), and write `pylock.toml` beside the project file; and decide, without resolving, whether that file is still
//! the project's lock ([`freshness`]).
//!
//! pip runs in a scratch venv (`.penv/lock-<env name>`, one `penv lock` at a time, created, seeded with the
//! pip the env would get, and removed through `venv::owned`), never in
//! `.venv`, which locking leaves alone. Pins of the existing lock reach pip
//! as constraints, so re-locking moves only what must move (or what
//! `--upgrade`/`--upgrade-package` frees); a pin a requirement no longer
//! allows is dropped. Groups and extras are attributed as `lock::build`
//! explains: the full resolution, then one for the requirements alone, one
//! per group and one per extra, constrained to the full one's pins; the
//! project itself is in each, as its directory. Invariant: the lock is written
//! atomically, only after every resolution succeeded, and the same inputs
//! and pins give the same bytes.

use std::path::PathBuf;

use super::Ctx;
use crate::Error;
use crate::lock;
use crate::lock::build::LockContext;
use crate::lock::inputs::{Inputs, recorded_hash};
use crate::plan::{Plan, Selection};
use crate::process::SignalGuard;
use crate::spec::GroupSelection;
use pins::changes;
use resolve::{Scratch, resolve_all};

mod markers;
mod pins;
mod resolve;
mod roots;
mod uv;

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
pub(crate) fn selection(plan_python: Option<String>) -> Selection {
    Selection {
        python: plan_python,
        // Every group and every extra: a lock holds what any sync may ask for.
        groups: GroupSelection {
            all_groups: true,
            all_extras: true,
            ..GroupSelection::default()
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
    // A lock is committed: no secret from `[pip] args` goes into it.
    pip.extend(
        spec.pip
            .args
            .iter()
            .map(|a| format!("arg {}", crate::credentials::redact_text(a))),
    );
    let info = &plan.python.info;
    Inputs {
        requirements: spec.requirements.clone(),
        groups: spec.groups.clone(),
        default_groups: plan.project.default_groups.clone(),
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
        package: spec
            .package
            .as_ref()
            .map(|p| p.editable(std::path::Path::new("-e ."))),
        extras: spec.extras.clone(),
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
/// is fresh, by its recorded inputs hash; resolves nothing. A stale one
/// says what changed, from the inputs `[tool.penv]` records.
pub(crate) fn freshness(plan: &Plan) -> Result<Freshness, Error> {
    let path = lock_path(plan);
    let Some(existing) = lock::read(&path)? else {
        return Ok(Freshness::Missing);
    };
    let now = inputs(plan);
    Ok(match recorded_hash(&existing) {
        Some(hash) if hash == now.hash() => Freshness::Fresh,
        Some(_) => {
            let changes = lock::inputs::changes(&existing, &now);
            Freshness::Stale(if changes.is_empty() {
                "the project's requirements, groups, requirement files, pip options or interpreter changed since it was written".to_owned()
            } else {
                changes.join("; ")
            })
        }
        None => Freshness::Stale(format!(
            "it records no `[tool.penv] inputs-hash` (written by `{}`)",
            existing.created_by
        )),
    })
}

/// Resolves `plan` (a plan for [`selection`]) and writes the lock.
pub(crate) fn lock(ctx: &Ctx, plan: &Plan, options: &Options) -> Result<Locked, Error> {
    let path = lock_path(plan);
    // A lock penv refuses to read is refused before anything is made; it is
    // read again under the lock below (another `penv lock` may write it).
    lock::read(&path)?;
    // One `penv lock` at a time per project: the next one starts from the
    // pins this one writes, and the scratch venv is this one's alone.
    plan.paths.ensure_work_dir()?;
    let timeout = ctx.vars.lock_timeout()?;
    let lock_file = plan
        .paths
        .work
        .join(format!("lock-{}.lock", plan.paths.name));
    let _held = crate::fs::lock_exclusive(&lock_file, timeout, |holder| {
        ctx.printer.status(&format!(
            "Waiting for another `penv lock`{} (at most {:.0}s)…",
            holder.map(|h| format!(" ({h})")).unwrap_or_default(),
            timeout.as_secs_f64()
        ));
    })?
    .into_lock();
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
    let (full, parts) = resolved?;
    removed?;
    let context = LockContext {
        lock_dir: plan.project.root.clone(),
        project_root: plan.project.root.clone(),
        requires_python: plan
            .project
            .requires_python
            .as_ref()
            .map(|r| r.value.clone()),
        groups: plan.project.groups.keys().cloned().collect(),
        default_groups: plan.project.default_groups.clone(),
        extras: plan.project.extras.keys().cloned().collect(),
        inputs: inputs(plan),
        index: crate::spec::the_one_index(&plan.spec.pip),
    };
    let new = lock::build::build(&full, &parts, &context)?;
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
