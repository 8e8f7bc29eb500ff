//! What a derive brings its clone to: the target (a lock's selection, or
//! what pip resolves for the spec as a fresh build would install it), and
//! which of the clone's distributions are kept — each only when it is the
//! target's by content (see [`Keeping::new`]).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::donor::Donor;
use crate::Error;
use crate::installer;
use crate::lock::report::{Resolution, Source};
use crate::lock::select::Selected;
use crate::lock::unhashed::{Unhashed, UnhashedSource};
use crate::ops::Ctx;
use crate::plan::Plan;
use crate::process::SignalGuard;
use crate::requirement::normalize_name;
use crate::state::Artifact;
use crate::venv::record;

/// What a derive keeps of its clone, and what it uninstalls.
#[derive(Debug, Default)]
pub(super) struct Keeping {
    /// Kept, by normalized name, with the artifact each was installed
    /// from (`None` for pip, which is kept as the seed put it).
    pub(super) kept: BTreeMap<String, Option<Artifact>>,
    /// Uninstalled before the target's missing distributions are installed.
    pub(super) remove: BTreeSet<String>,
}

impl Keeping {
    /// A distribution of the clone is kept when it is the one a fresh build
    /// installs, by content: the target's version from the same artifact
    /// (sha256, as recorded when it was installed), with the same options
    /// that change installed files (bytecode compilation, `[pip] args`),
    /// and its files in site-packages still the bytes its `RECORD` names.
    /// pip stays (it does the work). Then every kept distribution that
    /// shares a file with one uninstalled is uninstalled too, and installed
    /// again from its artifact: pip's uninstall takes the shared file.
    pub(super) fn new(
        donor: &Donor,
        spec: &crate::spec::Spec,
        target: &Target,
        installed: &BTreeMap<String, String>,
        dir: &Path,
    ) -> Result<Self, Error> {
        let donor_spec = &donor.state.spec;
        let same_options = donor_spec.pip.compile_bytecode == spec.pip.compile_bytecode
            && donor_spec.pip.args == spec.pip.args;
        let artifacts = donor
            .state
            .as_built
            .as_ref()
            .map(|b| &b.artifacts)
            .cloned()
            .unwrap_or_default();
        // A lock's files are installed as direct references (`name @ url`),
        // but for those the project's sources hold (`by_name`): pip writes
        // `direct_url.json` for them, not for an index's.
        let wanted: BTreeMap<String, (Option<&str>, Option<Artifact>)> = target
            .selected
            .iter()
            .map(|s| {
                let artifact = crate::ops::artifacts::sha256_of(&s.hashes).map(|sha256| Artifact {
                    sha256: sha256.to_owned(),
                    direct_url: s
                        .direct_url()
                        .filter(|_| !target.from_index)
                        .map(str::to_owned),
                });
                (normalize_name(&s.name), (s.version.as_deref(), artifact))
            })
            .collect();
        let records = record::read(dir)?;
        let mut out = Self::default();
        for (name, version) in installed {
            if name == "pip" {
                out.kept.insert(name.clone(), None);
                continue;
            }
            // …and its files still the artifact's (not edited in place).
            let same = same_options
                && wanted.get(name).is_some_and(|(want_version, want)| {
                    *want_version == Some(version.as_str())
                        && want.is_some()
                        && artifacts.get(name) == want.as_ref()
                })
                && records.altered(dir, name).is_none();
            if same {
                out.kept.insert(name.clone(), artifacts.get(name).cloned());
            } else {
                out.remove.insert(name.clone());
            }
        }
        if out.remove.is_empty() {
            return Ok(out);
        }
        let owners = records.owners();
        loop {
            let drawn: BTreeSet<String> = record::shared(&owners)
                .filter(|(_, names)| names.iter().any(|n| out.remove.contains(n)))
                .flat_map(|(_, names)| names.iter())
                .filter(|n| out.kept.contains_key(*n))
                .cloned()
                .collect();
            if drawn.is_empty() {
                return Ok(out);
            }
            if drawn.contains("pip") {
                return Err(Error::Derive {
                    message: "a distribution to uninstall shares files with pip".to_owned(),
                });
            }
            for name in drawn {
                out.kept.remove(&name);
                out.remove.insert(name);
            }
        }
    }
}

/// The packages an env is to hold.
#[derive(Debug, Default)]
pub(super) struct Target {
    /// Files to install hash-checked (a lock's), or pins (a resolution's).
    pub(super) selected: Vec<Selected>,
    /// Trees, checkouts and archives without a hash.
    pub(super) unhashed: Vec<Unhashed>,
    /// `selected` came from a resolution: installed as `name==version`
    /// from the index, as a fresh build installs them.
    pub(super) from_index: bool,
    /// Whether pip marks each one `REQUESTED` in a fresh build (named by
    /// the user, not a dependency), by normalized name: a resolution says
    /// which; every entry of a lock is named in pip's requirement file.
    pub(super) requested: BTreeMap<String, bool>,
}

impl Target {
    /// A lock's selection: every entry named in pip's requirement file.
    pub(super) fn of_lock(lock: &crate::spec::LockSpec) -> Self {
        Self {
            selected: lock.selected.clone(),
            unhashed: lock.unhashed.clone(),
            from_index: false,
            requested: lock
                .selected
                .iter()
                .map(|s| &s.name)
                .chain(lock.unhashed.iter().map(|u| &u.name))
                .map(|n| (normalize_name(n), true))
                .collect(),
        }
    }
}

/// What pip would install for `spec` into a fresh env, resolved in the
/// clone (`--ignore-installed`: what is there does not count).
pub(super) fn resolve(
    ctx: &Ctx,
    plan: &Plan,
    spec: &crate::spec::Spec,
    dir: &Path,
    redactor: &crate::credentials::Redactor,
    guard: &SignalGuard,
) -> Result<Resolution, Error> {
    let report = plan
        .paths
        .work
        .join(format!("{}.derive.json", plan.paths.name));
    let mut args = installer::pip_args(
        spec,
        &plan.project.root,
        &plan.project.config.requirement_files,
    );
    args.extend(["--dry-run", "--ignore-installed", "--quiet", "--report"].map(str::to_owned));
    args.push(report.display().to_string());
    installer::install(
        dir,
        &plan.project.root,
        &args,
        "Resolving with pip (`--dry-run`: nothing is installed)",
        redactor,
        ctx.printer,
        guard,
    )?;
    let text = String::from_utf8_lossy(&crate::fs::read(&report)?).into_owned();
    let _ = crate::fs::delete_file(&report);
    crate::lock::report::parse(&text).map_err(|message| Error::Derive {
        message: format!(
            "pip's report `{}` is not what penv reads: {message}",
            report.display()
        ),
    })
}

/// The target of a resolution: each package from the index as a pin, each
/// tree or direct archive to install after them.
pub(super) fn target_of(resolution: &Resolution) -> Result<Target, Error> {
    let mut target = Target {
        from_index: true,
        ..Target::default()
    };
    for resolved in &resolution.packages {
        target
            .requested
            .insert(normalize_name(&resolved.name), resolved.requested);
        match &resolved.source {
            Source::Archive { hashes } if !resolved.is_direct => target.selected.push(Selected {
                name: resolved.name.clone(),
                version: Some(resolved.version.clone()),
                url: resolved.url.clone(),
                hashes: hashes
                    .iter()
                    .map(|(algorithm, hex)| format!("{algorithm}:{hex}"))
                    .collect(),
                by_name: false,
            }),
            Source::Archive { .. } => target.unhashed.push(Unhashed {
                name: resolved.name.clone(),
                version: Some(resolved.version.clone()),
                source: UnhashedSource::Archive {
                    url: resolved.url.clone(),
                },
            }),
            Source::Directory { editable } => {
                let path = crate::spec::local::file_url_path(&resolved.url).ok_or_else(|| {
                    Error::Derive {
                        message: format!("`{}` is not a local directory", resolved.url),
                    }
                })?;
                target.unhashed.push(Unhashed {
                    name: resolved.name.clone(),
                    version: Some(resolved.version.clone()),
                    source: UnhashedSource::Directory {
                        path: path.display().to_string(),
                        editable: *editable,
                    },
                });
            }
            // A checkout's subdirectory is not in pip's report: build it
            // from nothing rather than guess.
            Source::Vcs { .. } => {
                return Err(Error::Derive {
                    message: format!("`{}` is a version-control checkout", resolved.name),
                });
            }
        }
    }
    Ok(target)
}
