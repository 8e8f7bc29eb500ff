//! `penv tree`: the env's dependency graph, from its installed metadata
//! (`venv::metadata`: each distribution's `Requires-Dist`), with every
//! marker evaluated for the env's interpreter and the extras each
//! distribution is required with; no Python is started. `tree/walk` turns
//! the graph into the tree shown (roots, `--invert`, `--depth`, repeats and
//! cycles marked), `tree/render` writes it as text.
//!
//! Invariant: an edge is a `Requires-Dist` whose marker holds for this
//! interpreter and for the extras its distribution was asked with (by the
//! project's requirements or by another edge), computed to a fixed point;
//! a `Requires-Dist` penv cannot parse is skipped and reported, never
//! guessed at.

pub(crate) mod render;
pub(crate) mod walk;

use std::collections::{BTreeMap, BTreeSet};

use pep508_rs::{ExtraName, MarkerEnvironment, VersionOrUrl};

use crate::venv::metadata::InstalledDist;

/// The env's distributions and the requirements between them.
#[derive(Debug, Default)]
pub(crate) struct Graph {
    /// By normalized name.
    pub(crate) nodes: BTreeMap<String, Node>,
    /// A `Requires-Dist` that could not be read: `(distribution, line, why)`.
    pub(crate) unreadable: Vec<(String, String, String)>,
}

/// One installed distribution.
#[derive(Debug, Default)]
pub(crate) struct Node {
    pub(crate) version: String,
    /// Marked `REQUESTED` (asked for by name).
    pub(crate) requested: bool,
    /// The extras it is required with, normalized.
    pub(crate) extras: BTreeSet<String>,
    /// Its requirements that apply here, in `METADATA` order.
    pub(crate) deps: Vec<Edge>,
}

/// One requirement that applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Edge {
    /// The normalized name required.
    pub(crate) name: String,
    /// Its extras, normalized.
    pub(crate) extras: Vec<String>,
    /// The version specifiers (`>=1.2,<2`) or `@ URL`, re-rendered; empty for any version.
    pub(crate) required: String,
}

/// The graph of `dists` for the interpreter of `env`, the roots asked with
/// `root_extras` (normalized name → extras, from the project's requirements).
pub(crate) fn build(
    dists: &[InstalledDist],
    env: &MarkerEnvironment,
    root_extras: &BTreeMap<String, BTreeSet<String>>,
) -> Graph {
    let mut graph = Graph::default();
    // Each distribution's requirements, parsed once.
    let mut parsed = BTreeMap::new();
    for dist in dists {
        let mut reqs = Vec::new();
        for line in &dist.requires {
            match crate::requirement::parse_whole(line) {
                Ok(req) => reqs.push(req),
                Err(why) => graph
                    .unreadable
                    .push((dist.name.clone(), line.clone(), why)),
            }
        }
        parsed.insert(dist.name.clone(), reqs);
        graph.nodes.insert(
            dist.name.clone(),
            Node {
                version: dist.version.clone(),
                requested: dist.requested,
                extras: root_extras.get(&dist.name).cloned().unwrap_or_default(),
                deps: Vec::new(),
            },
        );
    }
    // Extras spread along the edges until nothing changes (each pass adds
    // at least one extra, of finitely many, or stops).
    loop {
        let mut added = Vec::new();
        for (name, reqs) in &parsed {
            for edge in edges(reqs, &graph.nodes[name].extras, env) {
                if let Some(target) = graph.nodes.get(&edge.name) {
                    for extra in edge.extras {
                        if !target.extras.contains(&extra) {
                            added.push((edge.name.clone(), extra));
                        }
                    }
                }
            }
        }
        if added.is_empty() {
            break;
        }
        for (name, extra) in added {
            graph
                .nodes
                .get_mut(&name)
                .expect("a node")
                .extras
                .insert(extra);
        }
    }
    for (name, reqs) in &parsed {
        let deps = edges(reqs, &graph.nodes[name].extras, env);
        graph.nodes.get_mut(name).expect("a node").deps = deps;
    }
    graph
}

/// The requirements of `reqs` whose markers hold for `env` and `extras`.
fn edges(
    reqs: &[pep508_rs::Requirement<pep508_rs::VerbatimUrl>],
    extras: &BTreeSet<String>,
    env: &MarkerEnvironment,
) -> Vec<Edge> {
    let extras: Vec<ExtraName> = extras
        .iter()
        .filter_map(|e| ExtraName::new(e.clone()).ok())
        .collect();
    let mut out: Vec<Edge> = Vec::new();
    for req in reqs {
        if !req.marker.evaluate(env, &extras) {
            continue;
        }
        let edge = Edge {
            name: req.name.to_string(),
            extras: req.extras.iter().map(ToString::to_string).collect(),
            required: match &req.version_or_url {
                None => String::new(),
                Some(VersionOrUrl::VersionSpecifier(specifiers)) => specifiers.to_string(),
                Some(VersionOrUrl::Url(url)) => format!("@ {url}"),
            },
        };
        // `a ; extra == 'x'` and `a[y] ; extra == 'x'`: one edge, extras merged.
        if let Some(same) = out.iter_mut().find(|e| e.name == edge.name) {
            for extra in edge.extras {
                if !same.extras.contains(&extra) {
                    same.extras.push(extra);
                }
            }
            if same.required.is_empty() {
                same.required = edge.required;
            }
        } else {
            out.push(edge);
        }
    }
    out
}

#[cfg(test)]
#[path = "tree/tests.rs"]
mod tests;
