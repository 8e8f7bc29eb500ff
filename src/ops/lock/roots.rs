//! What each selectable part of the project asks pip for, read from the
//! spec as [`AllRoots`] for `lock::parts::attribute`: the requirements and
//! the requirement lines of the top files (includes followed, constraints
//! left out), each group's requirements and files, each extra's, and the
//! project itself in every part, as `resolve` resolves them apart.
//!
//! Invariant: a part with something penv cannot name — an `-e`, a path or
//! URL without a name, a requirement in `[pip] args`, an include penv did
//! not read — is an `Err` saying so, and the lock resolves each part with
//! pip instead of guessing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::lock::parts::{AllRoots, Roots};
use crate::spec::{FileSpec, Spec, pip_args};

/// The roots of every part of `spec` (the whole project's, `[pip]` as pip
/// gets it), whose top requirement files are `top_files`, at `root`.
pub(super) fn roots(spec: &Spec, top_files: &[String], root: &Path) -> Result<AllRoots, String> {
    if pip_args::parse(&spec.pip.args).installs_something() {
        return Err("`[pip] args` name requirements".to_owned());
    }
    let files = Files::new(spec, root);
    let base_requirements = [
        spec.requirements.clone(),
        files.requirements(top_files.iter().map(|f| root.join(f)))?,
    ]
    .concat();
    let project = |extras: Vec<String>| spec.package.as_ref().map(|_| extras);
    let mut all = AllRoots {
        base: Roots {
            requirements: base_requirements.clone(),
            project: project(Vec::new()),
        },
        ..AllRoots::default()
    };
    for (group, requirements) in &spec.groups {
        let group_files = spec.group_files.get(group).into_iter().flatten();
        let from_files = files.requirements(group_files.map(|f| root.join(f)))?;
        all.groups.insert(
            group.clone(),
            Roots {
                requirements: [requirements.clone(), from_files].concat(),
                project: project(Vec::new()),
            },
        );
    }
    let extras: Vec<String> = match &spec.package {
        Some(package) => package.extras.clone(),
        None => spec.extras.keys().cloned().collect(),
    };
    for extra in extras {
        let own = spec.extras.get(&extra).cloned().unwrap_or_default();
        all.extras.insert(
            extra.clone(),
            Roots {
                requirements: [base_requirements.clone(), own].concat(),
                project: project(vec![extra]),
            },
        );
    }
    Ok(all)
}

/// The spec's requirement files by absolute path.
struct Files<'a> {
    by_path: BTreeMap<PathBuf, &'a FileSpec>,
}

impl<'a> Files<'a> {
    fn new(spec: &'a Spec, root: &Path) -> Self {
        Self {
            by_path: spec
                .requirement_files
                .iter()
                .map(|f| (crate::fs::normalize_lexically(&root.join(&f.path)), f))
                .collect(),
        }
    }

    /// The requirement lines of `tops` and of the files they include
    /// with `-r` (not `-c`: constraints install nothing), each file once.
    fn requirements(&self, tops: impl Iterator<Item = PathBuf>) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        let mut queue: Vec<PathBuf> = tops.map(|p| crate::fs::normalize_lexically(&p)).collect();
        while let Some(path) = queue.pop() {
            if !seen.insert(path.clone()) {
                continue;
            }
            let Some(file) = self.by_path.get(&path) else {
                return Err(format!("penv did not read `{}`", path.display()));
            };
            let dir = path.parent().unwrap_or(Path::new("/"));
            for line in &file.lines {
                if let Some((target, constraint)) = crate::spec::reqfile::include_target(line) {
                    if target.contains("://") || target.contains("${") {
                        return Err(format!("`{}` includes `{target}`", file.path));
                    }
                    if !constraint {
                        queue.push(crate::fs::normalize_lexically(&dir.join(target)));
                    }
                } else if line.starts_with('-') {
                    let words = shlex::split(line).unwrap_or_default();
                    if pip_args::parse(&words).installs_something() {
                        return Err(format!("`{}` has the line `{line}`", file.path));
                    }
                } else {
                    out.push(crate::spec::local::requirement_part(line));
                }
            }
        }
        Ok(out)
    }
}
