//! The tree shown from a [`Graph`]: which distributions are its roots, and
//! each one's children (its requirements, or with `--invert` what requires
//! it), down to a depth. A distribution already expanded elsewhere, or a
//! root met below another (it is expanded as a root), is shown marked and
//! not expanded again (as `uv tree` marks repeats); one that requires
//! itself through the others above it is marked as a cycle.
//!
//! Roots, without names asked for: the distributions marked `REQUESTED`
//! (the project's own requirements), then any not reached from them (the
//! seeded pip, something installed by hand), so every installed
//! distribution appears. In an env installed from a lock pip marked every
//! entry `REQUESTED`: the roots are then those nothing requires. Inverted:
//! the distributions that require nothing installed, with what requires
//! them below.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::Graph;

/// How a node of the tree is marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Mark {
    /// Already expanded above: its children are not shown again.
    Repeated,
    /// It is one of its own ancestors here.
    Cycle,
    /// Required, its marker holds, but it is not installed.
    Missing,
}

/// One node of the tree shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct TreeNode {
    pub(crate) name: String,
    /// `None` when not installed.
    pub(crate) version: Option<String>,
    /// The extras it is required with, along this edge.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) extras: Vec<String>,
    /// The edge's specifiers (`>=1.2`), from parent to child (inverted: from child to parent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) required: Option<String>,
    /// Marked `REQUESTED` in the env.
    pub(crate) requested: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) mark: Option<Mark>,
    /// Whether `--depth` cut its children off.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub(crate) truncated: bool,
    pub(crate) dependencies: Vec<TreeNode>,
}

/// What to show.
#[derive(Debug, Default)]
pub(crate) struct Options {
    /// Roots asked for by name (normalized); empty: the default roots.
    pub(crate) packages: Vec<String>,
    pub(crate) invert: bool,
    /// Levels below the roots; `None`: all.
    pub(crate) depth: Option<usize>,
    /// Whether pip's `REQUESTED` marks say what the project asked for (not
    /// in an env installed from a lock, where pip marks every entry).
    pub(crate) requested_roots: bool,
}

/// A child link: (name, extras, required).
type Link = (String, Vec<String>, String);

/// The tree of `graph` as `options` ask. Names asked for must be installed
/// (the caller checks).
pub(crate) fn walk(graph: &Graph, options: &Options) -> Vec<TreeNode> {
    let children = links(graph, options.invert);
    let roots = if options.packages.is_empty() {
        default_roots(graph, &children, options.invert, options.requested_roots)
    } else {
        options.packages.clone()
    };
    let mut walker = Walker {
        graph,
        roots: roots.iter().cloned().collect(),
        children: &children,
        depth: options.depth,
        expanded: BTreeSet::new(),
        path: Vec::new(),
    };
    roots
        .iter()
        .map(|root| walker.node(&(root.clone(), Vec::new(), String::new()), 0, true))
        .collect()
}

/// Each node's child links: its edges, or inverted, the edges into it.
fn links(graph: &Graph, invert: bool) -> BTreeMap<String, Vec<Link>> {
    let mut out: BTreeMap<String, Vec<Link>> = BTreeMap::new();
    for (name, node) in &graph.nodes {
        out.entry(name.clone()).or_default();
        for edge in &node.deps {
            let (from, to) = if invert {
                (&edge.name, name)
            } else {
                (name, &edge.name)
            };
            if invert && !graph.nodes.contains_key(from) {
                continue;
            }
            out.entry(from.clone()).or_default().push((
                to.clone(),
                edge.extras.clone(),
                edge.required.clone(),
            ));
        }
    }
    out
}

fn default_roots(
    graph: &Graph,
    children: &BTreeMap<String, Vec<Link>>,
    invert: bool,
    requested: bool,
) -> Vec<String> {
    let mut roots: Vec<String> = if invert {
        children
            .iter()
            .filter(|(name, _)| {
                graph.nodes[*name]
                    .deps
                    .iter()
                    .all(|e| !graph.nodes.contains_key(&e.name))
            })
            .map(|(name, _)| name.clone())
            .collect()
    } else {
        graph
            .nodes
            .iter()
            .filter(|(_, n)| requested && n.requested)
            .map(|(name, _)| name.clone())
            .collect()
    };
    // Then whatever is not reached: first those nothing points to, then
    // (a cycle of its own) the first name left in a cycle, until all are.
    let mut reached = reach(children, &roots);
    loop {
        let pointed: BTreeSet<&String> = children
            .iter()
            .filter(|(name, _)| !reached.contains(*name))
            .flat_map(|(_, links)| links.iter().map(|l| &l.0))
            .collect();
        let left: Vec<String> = graph
            .nodes
            .keys()
            .filter(|n| !reached.contains(*n))
            .cloned()
            .collect();
        let Some(first) = left.first() else {
            return roots;
        };
        let free: Vec<String> = left
            .iter()
            .filter(|n| !pointed.contains(n))
            .cloned()
            .collect();
        // None is free: every one left is in or below a cycle; one in it first.
        let in_cycle = left.iter().find(|n| {
            let below: Vec<String> = children[*n].iter().map(|l| l.0.clone()).collect();
            reach(children, &below).contains(*n)
        });
        let new = if free.is_empty() {
            vec![in_cycle.unwrap_or(first).clone()]
        } else {
            free
        };
        reached.extend(reach(children, &new));
        roots.extend(new);
    }
}

/// Every name reachable from `from` (itself included).
fn reach(children: &BTreeMap<String, Vec<Link>>, from: &[String]) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<String> = from.to_vec();
    while let Some(name) = stack.pop() {
        if seen.insert(name.clone()) {
            for link in children.get(&name).into_iter().flatten() {
                stack.push(link.0.clone());
            }
        }
    }
    seen
}

struct Walker<'a> {
    graph: &'a Graph,
    /// Expanded at the top, so below another only marked.
    roots: BTreeSet<String>,
    children: &'a BTreeMap<String, Vec<Link>>,
    depth: Option<usize>,
    expanded: BTreeSet<String>,
    path: Vec<String>,
}

impl Walker<'_> {
    fn node(&mut self, link: &Link, level: usize, root: bool) -> TreeNode {
        let (name, extras, required) = link;
        let installed = self.graph.nodes.get(name);
        let mut out = TreeNode {
            name: name.clone(),
            version: installed.map(|n| n.version.clone()),
            extras: extras.clone(),
            required: (!root && !required.is_empty()).then(|| required.clone()),
            requested: installed.is_some_and(|n| n.requested),
            mark: None,
            truncated: false,
            dependencies: Vec::new(),
        };
        let links = self.children.get(name).map_or(&[][..], Vec::as_slice);
        if installed.is_none() {
            out.mark = Some(Mark::Missing);
        } else if self.path.contains(name) {
            out.mark = Some(Mark::Cycle);
        } else if links.is_empty() {
        } else if self.expanded.contains(name) || (!root && self.roots.contains(name)) {
            out.mark = Some(Mark::Repeated);
        } else if self.depth.is_some_and(|d| level >= d) {
            out.truncated = true;
        } else {
            self.expanded.insert(name.clone());
            self.path.push(name.clone());
            out.dependencies = links
                .iter()
                .map(|l| self.node(l, level + 1, false))
                .collect();
            self.path.pop();
        }
        out
    }
}
