//! Derive, don't rebuild: a new env starts as a clone of the nearest env
//! with the same interpreter — the store's env for the same spec hash (then
//! no pip runs at all), else the env being replaced, else its newest stash
//! entry — and pip brings the clone to exactly the target set: what the
//! lock selects, or what `pip install --dry-run --ignore-installed
//! --report` resolves for the spec (the resolution a fresh build would
//! install); it uninstalls what the target lacks and installs, `--no-deps`,
//! what is missing or at another version. A package project whose
//! dependencies are static is resolved without building it, and kept when
//! unchanged (`own_project`); from the store, it is installed `--no-deps`.
//!
//! Invariant: a donor is only an env penv built that finds itself from its
//! own location (relocatable), for the same base interpreter, venv options
//! and activation prompt, with the pip a fresh build would seed, holding
//! the distributions it was built with (not changed by hand); anything
//! else is built from nothing. The donor is never written: the clone is
//! made in the staging directory and swapped in like any new env. After a
//! build, a relocatable env that does not point into its project is
//! offered to the store, so another checkout of the same spec (a new
//! clone, a `git worktree add`) gets it by cloning.

use std::collections::BTreeMap;
use std::path::Path;

use super::Ctx;
use super::artifacts::Recorder;

mod donor;
pub(super) mod left_out;
mod own_project;
mod removal;
mod target;

use crate::Error;
use crate::diagnostics::display_path;
use crate::installer;
use crate::lock::select::Selected;
use crate::plan::Plan;
use crate::process::SignalGuard;
use crate::requirement::normalize_name;
use crate::spec::LockSpec;
use crate::state::Origin;
use crate::venv::clone;
use crate::venv::record;
use crate::venv::relocate::{self, Relocation};
pub(crate) use donor::{Donor, donor, link_mode};
use target::{Keeping, Target, resolve, target_of};

/// What [`derive`] did.
pub(crate) struct Derived {
    pub(crate) pip_version: Option<String>,
    pub(crate) relocation: Relocation,
    pub(crate) origin: Origin,
    /// What each distribution was installed from: the donor's for those
    /// kept, pip's report for those installed.
    pub(crate) recorder: Recorder,
}

/// How a derive runs an install into its clone: the build's installer
/// (the env's pip, or uv), given pip's arguments and the progress line.
pub(crate) type Install<'a> = &'a dyn Fn(&[String], &str) -> Result<(), Error>;

/// Clones `donor` into `dir` (the staging directory) and brings it to the
/// plan's target set with `install`; relocates it. pip's errors are the
/// build's errors.
#[expect(
    clippy::too_many_arguments,
    reason = "the build's values a derive runs with, passed as they are"
)]
pub(crate) fn derive(
    ctx: &Ctx,
    plan: &Plan,
    dir: &Path,
    donor: &Donor,
    pip: &crate::spec::PipSpec,
    redactor: &crate::credentials::Redactor,
    guard: &SignalGuard,
    install: Install,
) -> Result<Derived, Error> {
    let mode = donor.mode;
    let spec = crate::spec::Spec {
        pip: pip.clone(),
        ..plan.spec.clone()
    };
    // The target known before cloning — a lock's, or requirements only
    // taken away (read from the donor's metadata) — decides what to keep
    // on the donor, and what goes is not cloned (no `pip uninstall`).
    let early = if donor.exact {
        None
    } else if let Some(lock) = &spec.lock {
        Some(Target::of_lock(lock))
    } else {
        removal::target(donor, &spec, plan.python.info.markers.as_ref(), &donor.env)
            .inspect_err(|why| {
                ctx.printer
                    .verbose(&format!("resolving with pip: not only a removal ({why})"));
            })
            .ok()
    };
    // A locked package project's own editable install, kept as without a
    // lock when a fresh build would write the same files (and it shares
    // none with another distribution, which the lock may take away).
    let locked_project = spec
        .lock
        .as_ref()
        .filter(|_| !donor.exact)
        .and(spec.package.as_ref())
        .and_then(|p| crate::spec::own::read(&plan.project.root, p).ok())
        .map(|own| own.name)
        .filter(|name| {
            crate::venv::record::read(&donor.env).is_ok_and(|records| {
                own_project::keeps(
                    name,
                    &donor.state.spec,
                    &spec,
                    (&donor.env, &records),
                    &plan.project.root,
                ) && !crate::venv::record::shared(&records.owners())
                    .any(|(_, names)| names.contains(name))
            })
        });
    let prepared = match &early {
        Some(target) => {
            let installed = installed_in(&donor.env)?;
            let mut keeping = Keeping::new(donor, &spec, target, &installed, &donor.env)?;
            if let Some(name) = &locked_project {
                keeping.remove.remove(name);
                keeping.kept.insert(name.clone(), None);
            }
            let left_out = left_out::of(&donor.env, &keeping.remove)?;
            Some((installed, keeping, left_out))
        }
        None => None,
    };
    let progress = ctx
        .printer
        .step(&format!("Cloning `{}`", display_path(&donor.env)));
    let no_paths = std::collections::BTreeSet::new();
    let left_paths = prepared.as_ref().map_or(&no_paths, |(_, _, l)| &l.paths);
    let cloned = clone::clone_tree_without(&donor.env, dir, mode, left_paths);
    progress.finish();
    let cloned = cloned?;
    let link_mode = cloned.mode.name().to_owned();
    // The project itself, `--no-deps` (a store clone's, or one whose
    // metadata changed), its artifact recorded as the rest.
    let install_own_project = |recorder: &mut Recorder, args: Vec<String>| {
        install(
            &recorder.args(args),
            "Installing the project itself (editable) with pip",
        )
        .map_err(|e| in_clone(e, "install into"))?;
        recorder.read();
        Ok::<(), Error>(())
    };
    // pip's `--report` says what it installed; uv writes none (and refuses
    // the option).
    let reporting = donor
        .state
        .pip_version
        .as_deref()
        .filter(|_| spec.venv.installer.is_pip());
    if donor.exact {
        let mut recorder = Recorder::carried(&donor.state);
        let project = spec.package.is_some();
        // The store keeps a package project's env without the project: the
        // checkout's own is installed, `--no-deps` (its dependencies are
        // the entry's, by the hash).
        if let Some(args) = installer::own_project_args(&spec, &plan.project.root) {
            recorder = Recorder::new(&plan.paths, reporting);
            recorder.carry(&donor.state);
            install_own_project(&mut recorder, args)?;
        }
        let relocation = relocate::relocate_clone(dir, &donor.state.venv_path, &plan.paths.env)?;
        return Ok(Derived {
            pip_version: donor.state.pip_version.clone(),
            relocation,
            origin: Origin::Store {
                from: donor.env.clone(),
                link_mode,
                project,
            },
            recorder,
        });
    }
    let root = &plan.project.root;
    let project = own_project::StaticProject::of(&spec, root);
    let target = match (early, &spec.lock) {
        (Some(target), _) => target,
        (None, Some(lock)) => Target::of_lock(lock),
        (None, None) if installer::has_work(&spec) => {
            // A static project: its dependencies resolved in its place.
            let resolving = project.as_ref().map(|p| p.resolving(&spec));
            let resolving = resolving.as_ref().unwrap_or(&spec);
            // A project without dependencies leaves pip nothing to resolve.
            let mut target = if installer::has_work(resolving) {
                target_of(&resolve(ctx, plan, resolving, dir, redactor, guard)?)?
            } else {
                Target::default()
            };
            if let Some(project) = &project {
                project.mark(&mut target.requested);
            }
            target
        }
        (None, None) => Target::default(),
    };
    // What was left out is not in the clone: nothing to uninstall.
    let (installed, mut keeping, left_dists) =
        if let Some((installed, mut keeping, left_out)) = prepared {
            keeping.remove.retain(|n| !left_out.dists.contains(n));
            (installed, keeping, left_out.dists.len())
        } else {
            let installed = installed_in(dir)?;
            let keeping = Keeping::new(donor, &spec, &target, &installed, dir)?;
            (installed, keeping, 0)
        };
    // The static project, installed as a fresh build installs it: kept.
    let keep_project = project
        .as_ref()
        .filter(|p| p.keep(&donor.state.spec, &spec, dir, root))
        .map(|p| p.own.name.clone());
    if let Some(name) = keep_project {
        keeping.remove.remove(&name);
        keeping.kept.insert(name, None);
    }
    let own_install = (spec.lock.is_some() && locked_project.is_none())
        || project
            .as_ref()
            .is_some_and(|p| !keeping.kept.contains_key(&p.own.name));
    // Installed again: pip's install replaces it (one pip run less).
    if let Some(p) = project.as_ref().filter(|_| own_install) {
        keeping.remove.remove(&p.own.name);
    }
    let kept = keeping.kept.len();
    let remove: Vec<&String> = keeping.remove.iter().collect();
    let missing: Vec<Selected> = target
        .selected
        .iter()
        .filter(|s| {
            let name = normalize_name(&s.name);
            !(keeping.kept.contains_key(&name)
                && installed.get(&name).map(String::as_str) == s.version.as_deref())
        })
        .cloned()
        .collect();
    let mut recorder = Recorder::new(&plan.paths, reporting);
    for (name, artifact) in &keeping.kept {
        if let (Some(version), Some(artifact)) = (installed.get(name), artifact) {
            recorder.keep(name, version, artifact);
        }
    }
    ctx.printer.verbose(&format!(
        "derived from `{}`: {kept} kept, {} to remove, {} to install",
        display_path(&donor.env),
        remove.len(),
        missing.len() + target.unhashed.len() + usize::from(own_install)
    ));
    if !remove.is_empty() {
        let mut args: Vec<String> = ["uninstall", "--yes", "--disable-pip-version-check"]
            .map(str::to_owned)
            .to_vec();
        args.extend(remove.iter().map(|n| (*n).clone()));
        install(&args, "Removing what the spec no longer has with pip")
            // A distribution pip cannot uninstall (no `RECORD`: installed by
            // distutils or by hand) is the clone's problem, not the spec's: a
            // build from nothing never has to remove it.
            .map_err(|e| in_clone(e, "uninstall from"))?;
    }
    let installs = missing.len() + target.unhashed.len();
    let installed_count = installs + usize::from(own_install && spec.package.is_some());
    if installs > 0 {
        let requirements = plan
            .paths
            .work
            .join(format!("{}.derive.txt", plan.paths.name));
        let (text, secret) = if target.from_index {
            (installer::pinned_requirements(&missing), false)
        } else {
            let lock = LockSpec {
                selected: missing.clone(),
                unhashed: Vec::new(),
                ..spec.lock.clone().unwrap_or_default()
            };
            installer::lock_requirements(&lock, &spec.pip)?
        };
        if !missing.is_empty() {
            if secret {
                crate::fs::write_atomic_private(&requirements, text.as_bytes())?;
            } else {
                crate::fs::write_atomic(&requirements, text.as_bytes())?;
            }
            let args = if target.from_index {
                installer::pinned_args(&spec, root, &requirements)
            } else {
                installer::lock_args(&spec, root, &requirements)
            };
            let done = install(&recorder.args(args), "Installing what is missing with pip");
            let _ = crate::fs::delete_file(&requirements);
            done.map_err(|e| in_clone(e, "install into"))?;
            recorder.read();
            if !target.from_index {
                recorder.installed_locked(&missing);
            }
        }
        let tail = crate::spec::Spec {
            lock: Some(LockSpec {
                unhashed: target.unhashed.clone(),
                ..LockSpec::default()
            }),
            ..spec.clone()
        };
        if let Some(args) = installer::unhashed_args(&tail, root)? {
            install(
                &recorder.args(args),
                "Installing local and VCS entries with pip",
            )
            .map_err(|e| in_clone(e, "install into"))?;
            recorder.read();
        }
    }
    if own_install && let Some(args) = installer::own_project_args(&spec, root) {
        install_own_project(&mut recorder, args)?;
    }
    // `pip install --no-deps -r` marks everything it installs `REQUESTED`,
    // a dependency too, and a kept one is marked as the donor's build
    // named it: each is marked as a fresh build marks it.
    // pip itself is left as the seed put it.
    let mut requested = target.requested.clone();
    requested.remove("pip");
    record::set_requested(dir, &requested)?;
    // Two distributions writing one file, one of them installed now: which
    // one's bytes stay depends on the order pip installs them in, which a
    // clone cannot reproduce. A build from nothing decides it as pip does.
    let owners = record::owners(dir)?;
    if let Some((path, names)) = record::shared(&owners)
        .find(|(_, names)| names.iter().any(|n| !keeping.kept.contains_key(n)))
    {
        return Err(Error::Derive {
            message: format!(
                "{} both install `{}`",
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(" and "),
                path.display()
            ),
        });
    }
    let relocation = relocate::relocate_clone(dir, &donor.state.venv_path, &plan.paths.env)?;
    Ok(Derived {
        pip_version: donor.state.pip_version.clone(),
        relocation,
        origin: Origin::Derived {
            from: donor.env.clone(),
            link_mode,
            kept,
            installed: installed_count,
            removed: remove.len() + left_dists,
        },
        recorder,
    })
}

/// Each distribution installed in `env`, by normalized name: its version.
fn installed_in(env: &Path) -> Result<BTreeMap<String, String>, Error> {
    Ok(crate::venv::drift::record(env)?
        .dists
        .into_iter()
        .map(|d| (d.name, d.version))
        .collect())
}

/// pip failing in a clone, after the resolution succeeded, is the clone's
/// problem, not the spec's (a distribution without `RECORD` to uninstall,
/// a pip option the pinned install lacks): the env is then built from
/// nothing. An interrupted pip stays an interruption.
fn in_clone(e: Error, what: &str) -> Error {
    match e {
        Error::Install(e) => Error::Derive {
            message: format!("the installer could not {what} the clone: {e}"),
        },
        other => other,
    }
}
