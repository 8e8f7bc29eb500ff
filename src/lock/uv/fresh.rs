//! Whether a `uv.lock` is still the lock of its `pyproject.toml`, the way
//! uv decides it for `uv sync --locked`: the project's requirements as the
//! lock recorded them (`[package.metadata] requires-dist`, with each
//! extra's marked `extra == 'x'`, and `requires-dev`, groups with their
//! includes expanded) against what the file says now.
//!
//! Invariant: requirements are compared as parsed, not as written: names
//! and extras normalized, a specifier's clauses as a set, and markers in
//! `pep508_rs`'s canonical form, where equivalent markers are equal
//! (`python_version >= "3.10"` is uv's `python_full_version >= '3.10'`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::str::FromStr;

use super::model::{Requirement, UvLock};
use crate::lock::normalize_name;

/// What the project says now: `[project] dependencies`, its extras' and
/// its groups' requirements (by name, as written).
pub(crate) struct Declared<'a> {
    /// `[project] dependencies`.
    pub(crate) dependencies: &'a [String],
    /// `[project.optional-dependencies]`.
    pub(crate) extras: &'a BTreeMap<String, Vec<String>>,
    /// The dependency groups, includes expanded.
    pub(crate) groups: BTreeMap<String, Vec<String>>,
}

/// What changed since the lock was written (empty: it is the project's).
pub(crate) fn changes(lock: &UvLock, root: usize, declared: &Declared<'_>) -> Vec<String> {
    let metadata = lock.package[root].metadata.clone().unwrap_or_default();
    let mut changes = Vec::new();
    let locked: BTreeSet<String> = metadata.requires_dist.iter().map(from_lock).collect();
    let mut now: BTreeSet<String> = declared
        .dependencies
        .iter()
        .map(|r| written(r, None))
        .collect();
    for (extra, reqs) in declared.extras {
        now.extend(reqs.iter().map(|r| written(r, Some(extra))));
    }
    compare(&mut changes, "the project's requirements", &locked, &now);
    let locked_groups: BTreeMap<String, &Vec<Requirement>> = metadata
        .requires_dev
        .iter()
        .map(|(g, reqs)| (normalize_name(g), reqs))
        .collect();
    let now_groups: BTreeMap<String, &Vec<String>> = declared
        .groups
        .iter()
        .map(|(g, reqs)| (normalize_name(g), reqs))
        .collect();
    for name in locked_groups
        .keys()
        .chain(now_groups.keys())
        .collect::<BTreeSet<_>>()
    {
        match (locked_groups.get(name), now_groups.get(name)) {
            (Some(_), None) => changes.push(format!("group `{name}` is gone from the project")),
            (None, Some(_)) => changes.push(format!("group `{name}` is new")),
            (Some(locked), Some(now)) => {
                let locked = locked.iter().map(from_lock).collect();
                let now = now.iter().map(|r| written(r, None)).collect();
                compare(&mut changes, &format!("group `{name}`"), &locked, &now);
            }
            (None, None) => {}
        }
    }
    changes
}

fn compare(
    changes: &mut Vec<String>,
    what: &str,
    locked: &BTreeSet<String>,
    now: &BTreeSet<String>,
) {
    let added: Vec<&String> = now.difference(locked).collect();
    let removed: Vec<&String> = locked.difference(now).collect();
    if added.is_empty() && removed.is_empty() {
        return;
    }
    let list = |v: &[&String]| {
        v.iter()
            .map(|r| format!("`{}`", crate::lock::fields::shown(r)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut parts = Vec::new();
    if !added.is_empty() {
        parts.push(format!("{} not in the lock", list(&added)));
    }
    if !removed.is_empty() {
        parts.push(format!("{} locked and no longer asked for", list(&removed)));
    }
    changes.push(format!("{what}: {}", parts.join("; ")));
}

/// A requirement of the lock's metadata, in the compared form.
fn from_lock(req: &Requirement) -> String {
    let url = [&req.url, &req.path, &req.git, &req.editable, &req.directory]
        .into_iter()
        .flatten()
        .next();
    key(
        &req.name,
        req.extras.iter().map(String::as_str),
        req.specifier.as_deref().unwrap_or(""),
        url.map(String::as_str),
        req.marker.as_deref(),
    )
}

/// A requirement as written in `pyproject.toml` (of extra `extra`), in the
/// compared form; text that does not parse is compared as written.
fn written(text: &str, extra: Option<&str>) -> String {
    let clause = extra.map(|e| format!("extra == '{}'", normalize_name(e)));
    let as_written = || {
        format!(
            "{text}{}",
            clause
                .as_deref()
                .map(|c| format!(" ; {c}"))
                .unwrap_or_default()
        )
    };
    // Normalized first: `requirement` keeps text pep508_rs could panic on
    // from it; non-ASCII text is compared as written.
    let Ok(normalized) = crate::requirement::normalize_requirement(text) else {
        return as_written();
    };
    let Ok(req) = pep508_rs::Requirement::<pep508_rs::VerbatimUrl>::from_str(&normalized)
        .map_err(drop)
        .and_then(|r| normalized.is_ascii().then_some(r).ok_or(()))
    else {
        return as_written();
    };
    let (specifier, url) = match &req.version_or_url {
        Some(pep508_rs::VersionOrUrl::VersionSpecifier(s)) => (s.to_string(), None),
        Some(pep508_rs::VersionOrUrl::Url(u)) => (String::new(), Some(u.to_string())),
        None => (String::new(), None),
    };
    let mut marker = req.marker.clone();
    if let Some(clause) = &clause
        && let Ok(extra) = pep508_rs::MarkerTree::from_str(clause)
    {
        marker.and(extra);
    }
    key(
        req.name.as_ref(),
        req.extras.iter().map(AsRef::as_ref),
        &specifier,
        url.as_deref(),
        marker.try_to_string().as_deref(),
    )
}

/// The compared form: `name[extras] clauses @ url ; marker`, the marker
/// in `pep508_rs`'s canonical form.
fn key<'a>(
    name: &str,
    extras: impl Iterator<Item = &'a str>,
    specifier: &str,
    url: Option<&str>,
    marker: Option<&str>,
) -> String {
    let extras: BTreeSet<String> = extras.map(normalize_name).collect();
    let clauses: BTreeSet<String> = specifier
        .split(',')
        .map(|c| c.chars().filter(|c| !c.is_whitespace()).collect::<String>())
        .filter(|c| !c.is_empty())
        .collect();
    let mut out = normalize_name(name);
    if !extras.is_empty() {
        let _ = write!(
            out,
            "[{}]",
            extras.into_iter().collect::<Vec<_>>().join(",")
        );
    }
    out.push_str(&clauses.into_iter().collect::<Vec<_>>().join(","));
    if let Some(url) = url {
        out.push_str(" @ ");
        out.push_str(url);
    }
    if let Some(marker) = marker.filter(|m| !m.trim().is_empty()) {
        out.push_str(" ; ");
        out.push_str(&canonical_marker(marker));
    }
    out
}

/// A marker in `pep508_rs`'s canonical form (equivalent markers alike), or
/// as written, spaces squeezed, when it cannot be read safely.
fn canonical_marker(marker: &str) -> String {
    let squeezed = marker.split_whitespace().collect::<Vec<_>>().join(" ");
    if !marker.is_ascii() || marker.len() > 4096 {
        return squeezed;
    }
    match pep508_rs::MarkerTree::from_str(marker) {
        Ok(tree) => tree.try_to_string().unwrap_or_default(),
        Err(_) => squeezed,
    }
}
