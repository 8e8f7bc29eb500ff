//! The project itself in a derive, when its dependencies are static
//! (`spec::own`): pip resolves its dependencies in its place, so the
//! resolution builds nothing, and the clone's editable install of it is
//! kept when its metadata files did not change (else installed again,
//! `--no-deps`, once).
//!
//! Invariant: the target is the one a fresh build resolves — the project's
//! requirements are the ones its metadata gives pip (dependencies and the
//! selected extras', self-references expanded), each marked `REQUESTED`
//! only when the user names it too, the project itself marked — and the
//! project is kept only when a fresh build would write the same files:
//! the same metadata files, the same pip options, installed editable from
//! this directory, its files as its `RECORD` says.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::requirement::{normalize_name, package_name};
use crate::spec::Spec;
use crate::spec::own::OwnMetadata;

/// A package project whose dependencies are static.
#[derive(Debug)]
pub(super) struct StaticProject {
    pub(super) own: OwnMetadata,
    /// The names the user's requirements name (not through the project).
    named: BTreeSet<String>,
}

impl StaticProject {
    /// The project of `spec` at `root`, when its dependencies are static
    /// and every other top-level requirement names a package that is not
    /// the project (a path, a URL without a name or an editable is pip's
    /// to name: the project is then resolved by pip, built).
    pub(super) fn of(spec: &Spec, root: &Path) -> Option<Self> {
        let package = spec.package.as_ref()?;
        if spec.lock.is_some()
            || !spec.local_archives.is_empty()
            || spec.local_projects.iter().any(|p| p.path != ".")
        {
            return None;
        }
        let own = crate::spec::own::read(root, package).ok()?;
        let mut texts: Vec<String> = spec
            .all_requirements()
            .into_iter()
            .map(str::to_owned)
            .collect();
        for file in spec.requirement_files.iter().filter(|f| !f.constraint) {
            for line in &file.lines {
                if line.starts_with('-') {
                    let words = shlex::split(line)?;
                    let named = crate::spec::pip_args::parse(&words);
                    if !named.editables.is_empty() || !named.requirements.is_empty() {
                        return None;
                    }
                } else {
                    texts.push(crate::spec::local::requirement_part(line));
                }
            }
        }
        let args = crate::spec::pip_args::parse(&spec.pip.args);
        if !args.editables.is_empty() {
            return None;
        }
        texts.extend(args.requirements.into_iter().map(|(_, t)| t));
        let mut named = BTreeSet::new();
        for text in texts {
            let name = normalize_name(&package_name(&text)?);
            if name == own.name {
                return None;
            }
            named.insert(name);
        }
        Some(Self { own, named })
    }

    /// The spec pip resolves instead of `spec`: the project replaced by
    /// its requirements.
    pub(super) fn resolving(&self, spec: &Spec) -> Spec {
        let mut requirements = spec.requirements.clone();
        requirements.extend(self.own.requirements.iter().cloned());
        Spec {
            package: None,
            requirements,
            ..spec.clone()
        }
    }

    /// `requested` (from the resolution of [`Self::resolving`]) as a fresh
    /// build marks it: the project's requirements only when the user names
    /// them too, the project itself.
    pub(super) fn mark(&self, requested: &mut BTreeMap<String, bool>) {
        for text in &self.own.requirements {
            if let Some(name) = package_name(text).map(|n| normalize_name(&n))
                && !self.named.contains(&name)
                && let Some(flag) = requested.get_mut(&name)
            {
                *flag = false;
            }
        }
        requested.insert(self.own.name.clone(), true);
    }

    /// Whether the clone at `dir` (of an env built for `donor`) holds the
    /// project as a fresh build of `spec` at `root` installs it.
    pub(super) fn keep(&self, donor: &Spec, spec: &Spec, dir: &Path, root: &Path) -> bool {
        crate::venv::record::read(dir)
            .is_ok_and(|records| keeps(&self.own.name, donor, spec, (dir, &records), root))
    }
}

/// Whether the env at `dir` (built for `donor`; `records`, its `RECORD`s)
/// holds the project `name` as a fresh build of `spec` at `root` installs
/// it: its metadata files
/// unchanged (both specs hash them), the same pip options, installed
/// editable from `root`, its files as its `RECORD` says. A lock's
/// (`spec.lock`) derive asks it too: the project is installed after the
/// lock's selection, `--no-deps`, which writes the same files.
pub(super) fn keeps(
    name: &str,
    donor: &Spec,
    spec: &Spec,
    (dir, records): (&Path, &crate::venv::record::Records),
    root: &Path,
) -> bool {
    let metadata = |s: &Spec| {
        s.local_projects
            .iter()
            .find(|p| p.path == ".")
            .map(|p| p.metadata.clone())
    };
    if donor.package.is_none()
        || metadata(donor).is_none()
        || metadata(donor) != metadata(spec)
        || donor.pip.args != spec.pip.args
        || donor.pip.compile_bytecode != spec.pip.compile_bytecode
    {
        return false;
    }
    let Some(rows) = records.dists.get(name) else {
        return false;
    };
    if records.altered(dir, name).is_some() {
        return false;
    }
    rows.iter()
        .find(|r| r.path.ends_with("direct_url.json"))
        .and_then(|r| crate::fs::read(&dir.join(&r.path)).ok())
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .is_some_and(|url| {
            url["dir_info"]["editable"] == true
                && url["url"]
                    .as_str()
                    .and_then(crate::spec::local::file_url_path)
                    .is_some_and(|p| p == root)
        })
}
