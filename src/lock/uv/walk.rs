//! The packages of a `uv.lock` one env needs, as `uv sync --frozen` finds
//! them: from the project, along the graph's edges whose markers hold for
//! the interpreter, into the extras each edge turns on; from the project's
//! extras and dependency groups too. Each set of roots (the project's own
//! dependencies, each extra, each group) is walked on its own, and a
//! package reached only from groups or extras is marked with them in PEP
//! 751's terms (`'dev' in dependency_groups or 'x' in extras`), so the
//! selection of groups and extras stays `select`'s, as for a `pylock.toml`.
//!
//! Invariant: the result names every package at most once per walk and
//! never guesses an edge: an edge that names no package, or more than one,
//! is an error naming it.

use std::collections::{BTreeMap, BTreeSet};

use pep508_rs::MarkerEnvironment;

use super::convert::package;
use super::model::{Dependency, UvLock, UvPackage};
use crate::lock::markers::{Sets, evaluate};
use crate::lock::model::PyLock;
use crate::lock::normalize_name;
use crate::lock::roots::{Root, marker};

/// Why a walk failed: a phrase.
pub(crate) type WalkError = String;

/// The PEP 751 lock of what `lock` installs for an interpreter with
/// `env`, with every group and extra of the project marked, and the index
/// in `lock.package` of each entry. `root` is the project's package.
pub(crate) fn walk(
    lock: &UvLock,
    root: usize,
    lock_dir: &std::path::Path,
    env: &MarkerEnvironment,
    default_groups: &[String],
) -> Result<(PyLock, Vec<usize>), WalkError> {
    let project = &lock.package[root];
    let mut roots: Vec<(Root, Vec<&Dependency>)> = vec![(Root::Base, vec![])];
    for (extra, deps) in &project.optional_dependencies {
        roots.push((Root::Extra(normalize_name(extra)), deps.iter().collect()));
    }
    for (group, deps) in &project.dev_dependencies {
        roots.push((Root::Group(normalize_name(group)), deps.iter().collect()));
    }
    // Which roots reach each package.
    let mut reached: BTreeMap<usize, BTreeSet<Root>> = BTreeMap::new();
    reached.entry(root).or_default().insert(Root::Base);
    for (which, edges) in &roots {
        let mut seen = BTreeSet::new();
        let start = match which {
            // The project's own dependencies: its node, without extras.
            Root::Base => vec![(root, vec![])],
            _ => edges
                .iter()
                .filter_map(|e| follow(lock, e, env).transpose())
                .collect::<Result<Vec<_>, _>>()?,
        };
        let mut stack = start;
        while let Some((index, extras)) = stack.pop() {
            let node = &lock.package[index];
            let mut next: Vec<&Dependency> = Vec::new();
            if seen.insert((index, None)) {
                next.extend(&node.dependencies);
            }
            for extra in extras {
                let extra = normalize_name(&extra);
                if seen.insert((index, Some(extra.clone()))) {
                    next.extend(optional(node, &extra));
                }
            }
            for edge in next {
                if let Some(to) = follow(lock, edge, env)? {
                    stack.push(to);
                }
            }
        }
        for (index, _) in seen {
            reached.entry(index).or_default().insert(which.clone());
        }
    }
    let mut packages = Vec::new();
    let mut from = Vec::new();
    for (index, roots) in reached {
        let Some(mut entry) = package(&lock.package[index], lock_dir)? else {
            continue; // virtual: nothing to install
        };
        entry.marker = marker(&roots)?;
        packages.push(entry);
        from.push(index);
    }
    let extras: BTreeSet<String> = project
        .optional_dependencies
        .keys()
        .chain(project.metadata.iter().flat_map(|m| &m.provides_extras))
        .map(|e| normalize_name(e))
        .collect();
    let groups: BTreeSet<String> = project
        .dev_dependencies
        .keys()
        .chain(project.metadata.iter().flat_map(|m| m.requires_dev.keys()))
        .map(|g| normalize_name(g))
        .collect();
    let default_groups = default_groups
        .iter()
        .map(|g| normalize_name(g))
        .filter(|g| groups.contains(g))
        .collect();
    Ok((
        PyLock {
            lock_version: crate::lock::model::LOCK_VERSION.to_owned(),
            environments: None,
            requires_python: lock.requires_python.clone(),
            extras: extras.into_iter().collect(),
            dependency_groups: groups.into_iter().collect(),
            default_groups,
            created_by: "uv".to_owned(),
            packages,
            tool: BTreeMap::new(),
        },
        from,
    ))
}

/// The edges of `node`'s extra `extra`.
fn optional<'a>(node: &'a UvPackage, extra: &str) -> impl Iterator<Item = &'a Dependency> {
    node.optional_dependencies
        .iter()
        .filter(move |(name, _)| normalize_name(name) == extra)
        .flat_map(|(_, deps)| deps)
}

/// Where `edge` leads when its marker holds here: the package and the
/// extras it turns on.
fn follow(
    lock: &UvLock,
    edge: &Dependency,
    env: &MarkerEnvironment,
) -> Result<Option<(usize, Vec<String>)>, WalkError> {
    if let Some(marker) = &edge.marker
        && !evaluate(marker, env, &Sets::default()).map_err(|why| {
            format!(
                "the marker `{}` of the dependency on `{}` cannot be read: {why}",
                crate::lock::fields::shown(marker),
                crate::lock::fields::shown(&edge.name)
            )
        })?
    {
        return Ok(None);
    }
    let name = normalize_name(&edge.name);
    let candidates: Vec<usize> = lock
        .package
        .iter()
        .enumerate()
        .filter(|(_, p)| normalize_name(&p.name) == name)
        .filter(|(_, p)| edge.version.is_none() || p.version == edge.version)
        .filter(|(_, p)| edge.source.as_ref().is_none_or(|s| *s == p.source))
        .map(|(i, _)| i)
        .collect();
    match candidates[..] {
        [one] => Ok(Some((one, edge.extra.clone()))),
        [] => Err(format!(
            "a dependency names `{}`{}, and the lock has no such package",
            crate::lock::fields::shown(&edge.name),
            edge.version
                .as_deref()
                .map(|v| format!(" {}", crate::lock::fields::shown(v)))
                .unwrap_or_default()
        )),
        _ => Err(format!(
            "a dependency on `{}` does not say which of its {} packages it means",
            crate::lock::fields::shown(&edge.name),
            candidates.len()
        )),
    }
}
