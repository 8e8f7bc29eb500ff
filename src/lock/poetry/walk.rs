//! The packages of a `poetry.lock` one env needs, as `poetry install`
//! finds them (it solves again from the lock, whose packages are the only
//! candidates): from the project's requirements, along each locked
//! package's `[package.dependencies]` whose markers hold for the
//! interpreter (an `optional = true` one only through an extra asked for,
//! `extra == "x"` then holding), into the extras each edge turns on. Each
//! set of roots (the project's dependencies, each extra, each group) is
//! walked on its own, and a package reached only from groups or extras is
//! marked with them in PEP 751's terms (`roots`), so the selection of
//! groups and extras stays `select`'s, as for a `pylock.toml`.
//!
//! Invariant: never guesses an edge: one that names no locked package, or
//! several that neither its version nor the interpreter tells apart, is
//! an error naming it — for the project's own dependencies and its default
//! groups; an extra or another group the lock does not cover (PDM locks
//! only the groups asked for) is left out of the result, so asking for it
//! is an error then.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use pep508_rs::MarkerEnvironment;

use super::convert::package;
use super::model::{Constraint, PoetryLock, PoetryPackage};
use crate::lock::markers::evaluate_with_extras;
use crate::lock::model::PyLock;
use crate::lock::normalize_name;
use crate::lock::roots::{Root, marker};
use crate::lock::uv::fresh::Declared;

/// One edge: the package it names, the extras it turns on, the version
/// specifier (PEP 440) that tells two locked packages of a name apart.
#[derive(Debug, Clone)]
struct Edge {
    name: String,
    extras: Vec<String>,
    specifier: Option<String>,
}

/// The PEP 751 lock of what `lock` (written by `tool`) installs for an
/// interpreter with `env`, every group and extra of the project marked,
/// and the index in `lock.package` of each entry (`None`: the project
/// itself, `own`, last).
pub(crate) fn walk(
    lock: &PoetryLock,
    tool: &str,
    declared: &Declared<'_>,
    own: Own<'_>,
    env: &MarkerEnvironment,
    default_groups: &[String],
) -> Result<(PyLock, Vec<Option<usize>>), String> {
    let mut roots: Vec<(Root, &[String])> = vec![(Root::Base, declared.dependencies)];
    for (extra, reqs) in declared.extras {
        roots.push((Root::Extra(normalize_name(extra)), reqs));
    }
    for (group, reqs) in &declared.groups {
        roots.push((Root::Group(normalize_name(group)), reqs));
    }
    let defaults: BTreeSet<String> = default_groups.iter().map(|g| normalize_name(g)).collect();
    let locked = lock
        .metadata
        .locked_groups
        .as_ref()
        .map(|g| g.iter().map(|g| normalize_name(g)).collect::<BTreeSet<_>>());
    let mut reached: BTreeMap<usize, BTreeSet<Root>> = BTreeMap::new();
    let mut left_out = BTreeSet::new();
    for (which, reqs) in &roots {
        let name = match which {
            Root::Base => None,
            Root::Extra(name) | Root::Group(name) => Some(name),
        };
        // What the lock does not cover (a `pdm.lock`'s `groups` say
        // which) cannot be installed from it: left out, and asking for it
        // is `select`'s error; a default group never is.
        let required = name.is_none_or(|n| defaults.contains(n) && matches!(which, Root::Group(_)));
        if let (Some(name), Some(locked)) = (name, &locked)
            && !locked.contains(name)
            && !required
        {
            left_out.insert(which.clone());
            continue;
        }
        match walk_root(lock, reqs, declared, own.name, env) {
            Ok(seen) => {
                for index in seen {
                    reached.entry(index).or_default().insert(which.clone());
                }
            }
            Err(_) if !required => {
                left_out.insert(which.clone());
            }
            Err(why) => return Err(why),
        }
    }
    let mut packages = Vec::new();
    let mut from = Vec::new();
    for (index, roots) in reached {
        let mut entry = package(&lock.package[index], &lock.metadata)?;
        entry.marker = marker(&roots)?;
        packages.push(entry);
        from.push(Some(index));
    }
    if let Some(name) = own.name.filter(|_| own.installed) {
        packages.push(super::convert::own_project(name));
        from.push(None);
    }
    let extras: BTreeSet<String> = declared
        .extras
        .keys()
        .map(|e| normalize_name(e))
        .filter(|e| !left_out.contains(&Root::Extra(e.clone())))
        .collect();
    let groups: BTreeSet<String> = declared
        .groups
        .keys()
        .map(|g| normalize_name(g))
        .filter(|g| !left_out.contains(&Root::Group(g.clone())))
        .collect();
    let default_groups = default_groups
        .iter()
        .map(|g| normalize_name(g))
        .filter(|g| groups.contains(g))
        .collect();
    let requires_python = lock
        .metadata
        .python_versions
        .as_deref()
        .and_then(|p| crate::project::poetry_constraint(p).ok())
        .filter(|p| !p.is_empty());
    Ok((
        PyLock {
            lock_version: crate::lock::model::LOCK_VERSION.to_owned(),
            environments: None,
            requires_python,
            extras: extras.into_iter().collect(),
            dependency_groups: groups.into_iter().collect(),
            default_groups,
            created_by: tool.to_owned(),
            packages,
            tool: BTreeMap::new(),
        },
        from,
    ))
}

/// The lock's packages one set of roots reaches (by index).
fn walk_root(
    lock: &PoetryLock,
    reqs: &[String],
    declared: &Declared<'_>,
    own: Option<&str>,
    env: &MarkerEnvironment,
) -> Result<BTreeSet<usize>, String> {
    let mut stack = Vec::new();
    for edge in root_edges(reqs, declared, own, env)? {
        stack.push(follow(lock, &edge, env)?);
    }
    let mut seen: BTreeSet<(usize, Option<String>)> = BTreeSet::new();
    while let Some((index, extras)) = stack.pop() {
        let node = &lock.package[index];
        let mut next = Vec::new();
        if seen.insert((index, None)) {
            next.extend(edges(node, None, env)?);
        }
        for extra in extras {
            let extra = normalize_name(&extra);
            if seen.insert((index, Some(extra.clone()))) {
                next.extend(edges(node, Some(&extra), env)?);
            }
        }
        for edge in next {
            stack.push(follow(lock, &edge, env)?);
        }
    }
    Ok(seen.into_iter().map(|(index, _)| index).collect())
}

/// The project itself, which the lock does not list: its name (a group's
/// `"demo[test]"` means its extra `test`), and whether it is installed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Own<'a> {
    /// As `[project]` or `[tool.poetry]` names it.
    pub(crate) name: Option<&'a str>,
    /// Installed editable after the lock's packages.
    pub(crate) installed: bool,
}

/// The edges of the project's requirements `reqs` that hold here; one
/// naming the project itself (`"demo[test]"`, as PEP 735 groups and PDM
/// write) stands for its extras' requirements.
fn root_edges(
    reqs: &[String],
    declared: &Declared<'_>,
    own: Option<&str>,
    env: &MarkerEnvironment,
) -> Result<Vec<Edge>, String> {
    let own = own.map(normalize_name);
    let mut todo: Vec<String> = reqs.to_vec();
    let mut expanded = BTreeSet::new();
    let mut out = Vec::new();
    while let Some(req) = todo.pop() {
        let Some(edge) = root_edge(&req, env)? else {
            continue;
        };
        if own.as_deref() != Some(normalize_name(&edge.name).as_str()) {
            out.push(edge);
            continue;
        }
        for extra in edge.extras.iter().map(|e| normalize_name(e)) {
            if expanded.insert(extra.clone()) {
                todo.extend(
                    declared
                        .extras
                        .iter()
                        .filter(|(name, _)| normalize_name(name) == extra)
                        .flat_map(|(_, reqs)| reqs.iter().cloned()),
                );
            }
        }
    }
    Ok(out)
}

/// A requirement of the project (PEP 508, checked when it was loaded) as
/// an edge, when its marker holds here.
fn root_edge(text: &str, env: &MarkerEnvironment) -> Result<Option<Edge>, String> {
    let req = crate::requirement::parse_whole(text)
        .map_err(|why| format!("the project's requirement `{text}` cannot be read: {why}"))?;
    if !req.marker.evaluate(env, &[]) {
        return Ok(None);
    }
    let specifier = match &req.version_or_url {
        Some(pep508_rs::VersionOrUrl::VersionSpecifier(s)) => Some(s.to_string()),
        _ => None,
    };
    Ok(Some(Edge {
        name: req.name.to_string(),
        extras: req.extras.iter().map(ToString::to_string).collect(),
        specifier,
    }))
}

/// The edges of `node` that hold here: its own dependencies (`extra:
/// None`, the optional ones left out), or those its extra `extra` names.
fn edges(
    node: &PoetryPackage,
    extra: Option<&str>,
    env: &MarkerEnvironment,
) -> Result<Vec<Edge>, String> {
    let Some(extra) = extra else {
        let mut out = Vec::new();
        for (name, constraints) in &node.dependencies {
            for c in constraints.each().iter().filter(|c| !c.optional) {
                if holds(node, name, c, &[], env)? {
                    out.push(edge(name, c, &[]));
                }
            }
        }
        return Ok(out);
    };
    let entries = node
        .extras
        .iter()
        .filter(|(name, _)| normalize_name(name) == extra)
        .flat_map(|(_, entries)| entries);
    let extras = [extra.to_owned()];
    let names_extra: Vec<pep508_rs::ExtraName> =
        pep508_rs::ExtraName::from_str(extra).into_iter().collect();
    let mut out = Vec::new();
    for entry in entries {
        // `"pytest (>=6)"`, `"coverage[toml] (>=5.0.2)"`, `"x ; marker"`:
        // PEP 508 (its older parenthesised specifier).
        let req = crate::requirement::parse_whole(entry).map_err(|why| {
            format!(
                "package `{}`: extra `{extra}` names `{}`, which cannot be read: {why}",
                crate::lock::fields::shown(&node.name),
                crate::lock::fields::shown(entry)
            )
        })?;
        if !req.marker.evaluate(env, &names_extra) {
            continue;
        }
        let wanted: Vec<String> = req.extras.iter().map(ToString::to_string).collect();
        let name = req.name.to_string();
        let written = node
            .dependencies
            .iter()
            .find(|(n, _)| normalize_name(n) == normalize_name(&name));
        match written {
            Some((written, constraints)) => {
                for c in constraints.each() {
                    if holds(node, written, &c, &extras, env)? {
                        out.push(edge(written, &c, &wanted));
                    }
                }
            }
            None => out.push(Edge {
                name,
                extras: wanted,
                specifier: match &req.version_or_url {
                    Some(pep508_rs::VersionOrUrl::VersionSpecifier(s)) => Some(s.to_string()),
                    _ => None,
                },
            }),
        }
    }
    Ok(out)
}

/// Whether a dependency's constraint holds here, with `extras` asked for.
fn holds(
    node: &PoetryPackage,
    name: &str,
    c: &Constraint,
    extras: &[String],
    env: &MarkerEnvironment,
) -> Result<bool, String> {
    let mut markers = Vec::new();
    if let Some(m) = &c.markers {
        markers.push(format!("({m})"));
    }
    if let Some(python) = &c.python {
        let specifier = crate::project::poetry_constraint(python)?;
        for clause in specifier.split(',').filter(|s| !s.is_empty()) {
            let at = clause.find(|ch: char| ch.is_ascii_digit()).unwrap_or(0);
            markers.push(format!(
                "python_full_version {} '{}'",
                &clause[..at],
                &clause[at..]
            ));
        }
    }
    if let Some(platform) = &c.platform {
        markers.push(format!("sys_platform == '{}'", platform.replace('\'', "")));
    }
    if markers.is_empty() {
        return Ok(true);
    }
    let marker = markers.join(" and ");
    evaluate_with_extras(&marker, env, extras).map_err(|why| {
        format!(
            "package `{}`: the marker `{}` of its dependency on `{}` cannot be read: {why}",
            crate::lock::fields::shown(&node.name),
            crate::lock::fields::shown(&marker),
            crate::lock::fields::shown(name)
        )
    })
}

fn edge(name: &str, c: &Constraint, more_extras: &[String]) -> Edge {
    let mut extras = c.extras.clone();
    extras.extend(more_extras.iter().cloned());
    Edge {
        name: name.to_owned(),
        extras,
        specifier: c
            .version
            .as_deref()
            .and_then(|v| crate::project::poetry_constraint(v).ok()),
    }
}

/// The locked package `edge` names, with the extras it turns on: the one
/// of its name, else the one its version allows, else the one whose
/// `python-versions` allow this interpreter.
fn follow(
    lock: &PoetryLock,
    edge: &Edge,
    env: &MarkerEnvironment,
) -> Result<(usize, Vec<String>), String> {
    let name = normalize_name(&edge.name);
    let mut candidates: Vec<usize> = lock
        .package
        .iter()
        .enumerate()
        .filter(|(_, p)| normalize_name(&p.name) == name)
        .map(|(i, _)| i)
        .collect();
    if candidates.len() > 1
        && let Some(specifier) = edge
            .specifier
            .as_deref()
            .and_then(|s| pep440_rs::VersionSpecifiers::from_str(s).ok())
    {
        candidates.retain(|&i| {
            pep440_rs::Version::from_str(&lock.package[i].version)
                .is_ok_and(|v| specifier.contains(&v))
        });
    }
    if candidates.len() > 1 {
        let python = pep440_rs::Version::from_str(&env.python_full_version().to_string()).ok();
        candidates.retain(|&i| {
            let allowed = lock.package[i]
                .python_versions
                .as_deref()
                .and_then(|p| crate::project::poetry_constraint(p).ok())
                .and_then(|p| pep440_rs::VersionSpecifiers::from_str(&p).ok());
            match (allowed, &python) {
                (Some(allowed), Some(python)) => allowed.contains(python),
                _ => true,
            }
        });
    }
    match candidates[..] {
        [one] => Ok((one, edge.extras.clone())),
        [] => Err(format!(
            "a dependency names `{}`, and the lock has no such package{}",
            crate::lock::fields::shown(&edge.name),
            edge.specifier
                .as_deref()
                .filter(|s| !s.is_empty())
                .map(|s| format!(" matching `{}`", crate::lock::fields::shown(s)))
                .unwrap_or_default()
        )),
        _ => Err(format!(
            "a dependency on `{}` does not say which of its {} locked packages it means",
            crate::lock::fields::shown(&edge.name),
            candidates.len()
        )),
    }
}
