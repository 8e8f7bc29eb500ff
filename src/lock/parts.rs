//! Which selectable part of a project — its requirements, each group, each
//! extra — needs which package of the lock ([`Parts`]), and finding that out
//! from the one resolution of the whole project ([`attribute`]).
//!
//! pip's report gives each package's `Requires-Dist`, so the packages a
//! part needs are what its own requirements lead to through them, markers
//! evaluated for the environment pip resolved for and extras followed: the
//! set pip would resolve for that part alone constrained to the full
//! resolution's pins, without asking pip again. Invariant: [`attribute`]
//! answers only when the walk accounts for the whole resolution — every
//! root is a named requirement, everything it leads to is in the
//! resolution, and every package of the resolution is reached — and
//! otherwise says why, so the caller resolves each part with pip instead.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use pep508_rs::{ExtraName, MarkerEnvironment, MarkerEnvironmentBuilder};

use super::normalize_name;
use super::report::{Resolution, Resolved};

/// The normalized names in a resolution.
pub(crate) fn names(resolution: &Resolution) -> BTreeSet<String> {
    resolution
        .packages
        .iter()
        .map(|p| normalize_name(&p.name))
        .collect()
}

/// Which packages each selectable part of the project needs: the names of
/// the requirements' resolution (installed whatever is selected), and of
/// each group's and each extra's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Parts {
    /// What installs without a group or an extra.
    pub(crate) base: BTreeSet<String>,
    /// By group (its key as the project writes it).
    pub(crate) groups: BTreeMap<String, BTreeSet<String>>,
    /// By extra (normalized).
    pub(crate) extras: BTreeMap<String, BTreeSet<String>>,
}

impl Parts {
    /// The marker of package `name`: none when the requirements need it,
    /// else one `'x' in dependency_groups` / `'x' in extras` per part that
    /// needs it, joined with `or`.
    pub(super) fn marker(&self, name: &str) -> Option<String> {
        if self.base.contains(name) {
            return None;
        }
        let groups = self
            .groups
            .iter()
            .filter(|(_, names)| names.contains(name))
            .map(|(group, _)| format!("'{group}' in dependency_groups"));
        let extras = self
            .extras
            .iter()
            .filter(|(_, names)| names.contains(name))
            .map(|(extra, _)| format!("'{extra}' in extras"));
        let all: Vec<String> = groups.chain(extras).collect();
        (!all.is_empty()).then(|| all.join(" or "))
    }
}

/// What one part asks pip for: requirement strings (PEP 508, named), and
/// the project itself with these extras when the part installs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Roots {
    pub(crate) requirements: Vec<String>,
    pub(crate) project: Option<Vec<String>>,
}

/// The roots of every part: as [`Parts`], by part.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct AllRoots {
    pub(crate) base: Roots,
    pub(crate) groups: BTreeMap<String, Roots>,
    pub(crate) extras: BTreeMap<String, Roots>,
}

/// The parts of `full` (the resolution of every part together), walked
/// from `roots`; `project` is the project's own name in `full`, when it is
/// installed itself. `Err` says why the walk cannot stand for pip's own
/// resolution of each part.
pub(crate) fn attribute(
    full: &Resolution,
    roots: &AllRoots,
    project: Option<&str>,
) -> Result<Parts, String> {
    let env = marker_environment(&full.environment)?;
    let by_name: BTreeMap<String, &Resolved> = full
        .packages
        .iter()
        .map(|p| (normalize_name(&p.name), p))
        .collect();
    let walk = |roots: &Roots| closure(roots, &by_name, &env, project);
    let parts = Parts {
        base: walk(&roots.base)?,
        groups: roots
            .groups
            .iter()
            .map(|(name, r)| Ok((name.clone(), walk(r)?)))
            .collect::<Result<_, String>>()?,
        extras: roots
            .extras
            .iter()
            .map(|(name, r)| Ok((name.clone(), walk(r)?)))
            .collect::<Result<_, String>>()?,
    };
    let reached: BTreeSet<&String> = parts
        .groups
        .values()
        .chain(parts.extras.values())
        .chain(std::iter::once(&parts.base))
        .flatten()
        .collect();
    if let Some(stray) = by_name.keys().find(|name| !reached.contains(name)) {
        return Err(format!(
            "pip's resolution holds `{stray}`, which no requirement penv can read leads to"
        ));
    }
    Ok(parts)
}

/// Every package `roots` lead to in `by_name`, extras followed.
fn closure(
    roots: &Roots,
    by_name: &BTreeMap<String, &Resolved>,
    env: &MarkerEnvironment,
    project: Option<&str>,
) -> Result<BTreeSet<String>, String> {
    // (normalized name, the extra whose dependencies are wanted, if any).
    let mut queue: Vec<(String, Option<String>)> = Vec::new();
    for text in &roots.requirements {
        let req = requirement(text)?;
        if req.evaluate_markers(env, &[]) {
            push(&mut queue, &req);
        }
    }
    if let Some(extras) = &roots.project {
        let Some(name) = project else {
            return Err("the project itself is not in pip's resolution".to_owned());
        };
        queue.push((normalize_name(name), None));
        queue.extend(
            extras
                .iter()
                .map(|e| (normalize_name(name), Some(e.clone()))),
        );
    }
    let mut seen = BTreeSet::new();
    let mut names = BTreeSet::new();
    while let Some((name, extra)) = queue.pop() {
        if !seen.insert((name.clone(), extra.clone())) {
            continue;
        }
        let Some(package) = by_name.get(&name) else {
            return Err(format!("`{name}` is needed but not in pip's resolution"));
        };
        names.insert(name);
        // pip follows only the extras a package provides (and warns).
        let extras = match &extra {
            Some(e) if !provides(package, e) => continue,
            Some(e) => vec![ExtraName::from_str(e).map_err(|e| e.to_string())?],
            None => Vec::new(),
        };
        for text in &package.requires_dist {
            let req = requirement(text)?;
            if req.evaluate_markers(env, &extras) {
                push(&mut queue, &req);
            }
        }
    }
    Ok(names)
}

/// Whether `package` declares `extra` (PEP 685: names compared normalized).
fn provides(package: &Resolved, extra: &str) -> bool {
    let extra = normalize_name(extra);
    package
        .provides_extra
        .iter()
        .any(|e| normalize_name(e) == extra)
}

fn push(
    queue: &mut Vec<(String, Option<String>)>,
    req: &pep508_rs::Requirement<pep508_rs::VerbatimUrl>,
) {
    let name = normalize_name(req.name.as_ref());
    queue.push((name.clone(), None));
    queue.extend(
        req.extras
            .iter()
            .map(|e| (name.clone(), Some(e.to_string()))),
    );
}

fn requirement(text: &str) -> Result<pep508_rs::Requirement<pep508_rs::VerbatimUrl>, String> {
    crate::requirement::parse_whole(text).map_err(|why| {
        format!(
            "`{}` is not a requirement penv reads: {why}",
            text.escape_debug()
        )
    })
}

/// The environment pip resolved for, from its report.
fn marker_environment(env: &BTreeMap<String, String>) -> Result<MarkerEnvironment, String> {
    let get = |key: &str| {
        env.get(key)
            .map(String::as_str)
            .ok_or_else(|| format!("pip's report gives no `{key}`"))
    };
    MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
        implementation_name: get("implementation_name")?,
        implementation_version: get("implementation_version")?,
        os_name: get("os_name")?,
        platform_machine: get("platform_machine")?,
        platform_python_implementation: get("platform_python_implementation")?,
        platform_release: get("platform_release")?,
        platform_system: get("platform_system")?,
        platform_version: get("platform_version")?,
        python_full_version: get("python_full_version")?,
        python_version: get("python_version")?,
        sys_platform: get("sys_platform")?,
    })
    .map_err(|e| format!("pip's report gives an environment penv cannot read: {e}"))
}

#[cfg(test)]
#[path = "parts_tests.rs"]
mod tests;
