//! `just graph`: the import graph of `src/`, file by file, and its cycles.
//!
//! Each file is a module (`src/ops/build.rs` is `ops::build`, a `mod.rs`
//! its folder's). An edge goes from a file to the file of every module it
//! names — `use crate::…`, `use super::…` (braces expanded) and paths
//! written inline (`crate::venv::store::max(…)`, `super::script::store`) —
//! resolved to the deepest module that has a file. A `mod x;` declaration
//! is not an edge (it says where a file is, not what it uses), and neither
//! is a file naming an ancestor's items (`super::Ctx` from `ops/build.rs`):
//! a folder's `mod.rs` holds what its files share. A cycle is a strongly
//! connected set of more than one file. `lib.rs`'s map says there is none;
//! this test holds it to that, and every file to 450 lines but the few in
//! `KNOWN_LONG` (debt, each bounded by its count today).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The module path of every source file.
fn modules(src: &Path) -> BTreeMap<Vec<String>, PathBuf> {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(src).into_iter().flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let relative = path.strip_prefix(src).unwrap();
        let mut parts: Vec<String> = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let last = parts.pop().unwrap();
        let stem = last.trim_end_matches(".rs");
        if !matches!(stem, "mod" | "lib" | "main") {
            parts.push(stem.to_owned());
        }
        if stem == "main" {
            continue;
        }
        out.insert(parts, path.to_owned());
    }
    out
}

/// Removes `//` comments and the contents of string literals, roughly:
/// enough that a path in a doc comment or a message is not an import.
fn code_of(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut in_string = false;
        let mut prev = ' ';
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if !in_string && c == '/' && chars.peek() == Some(&'/') {
                break;
            }
            if c == '"' && prev != '\\' && prev != '\'' {
                in_string = !in_string;
                out.push(' ');
            } else if !in_string {
                out.push(c);
            }
            prev = if prev == '\\' && c == '\\' { ' ' } else { c };
        }
        out.push('\n');
    }
    out
}

/// Every path a file names: inline `crate::a::b` and `super::a`, and the
/// leaves of `use` trees (`use crate::a::{b, c::d}` → `crate::a::b`,
/// `crate::a::c::d`).
fn paths_in(code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let bytes: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        let at_word_start = i == 0 || !(bytes[i - 1].is_alphanumeric() || bytes[i - 1] == '_');
        let rest: String = bytes[i..bytes.len().min(i + 7)].iter().collect();
        if at_word_start && (rest.starts_with("crate::") || rest.starts_with("super::")) {
            let (tree, end) = read_tree(&bytes, i);
            expand(&tree, &mut Vec::new(), &mut out);
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

/// The text of a path, with a trailing `{…}` group, starting at `start`.
fn read_tree(chars: &[char], start: usize) -> (String, usize) {
    let mut depth = 0usize;
    let mut i = start;
    let mut text = String::new();
    while i < chars.len() {
        let c = chars[i];
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            c if depth == 0 && !(c.is_alphanumeric() || c == '_' || c == ':') => break,
            _ => {}
        }
        text.push(c);
        i += 1;
    }
    (text, i)
}

/// The leaves of a `use` tree's text.
fn expand(tree: &str, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        let mut path = prefix.clone();
        path.extend(
            tree.split("::")
                .map(str::trim)
                .filter(|s| !s.is_empty() && *s != "self")
                .map(str::to_owned),
        );
        let path: Vec<String> = path
            .into_iter()
            .map(|s| s.split(" as ").next().unwrap_or(&s).trim().to_owned())
            .collect();
        out.push(path);
        return;
    };
    let head: Vec<String> = tree[..open]
        .split("::")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let depth = prefix.len();
    prefix.extend(head);
    let mut level = 0;
    let mut part = String::new();
    for c in inner.chars().chain(std::iter::once(',')) {
        match c {
            '{' => level += 1,
            '}' => level -= 1,
            ',' if level == 0 => {
                if !part.trim().is_empty() {
                    expand(&part, prefix, out);
                }
                part.clear();
                continue;
            }
            _ => {}
        }
        part.push(c);
    }
    prefix.truncate(depth);
}

/// The file a path names from module `from`: the deepest module with a
/// file along it, when that is neither `from` nor one of its ancestors.
fn target(
    path: &[String],
    from: &[String],
    modules: &BTreeMap<Vec<String>, PathBuf>,
) -> Option<Vec<String>> {
    let mut absolute: Vec<String> = Vec::new();
    let mut rest = path;
    match rest.first().map(String::as_str) {
        Some("crate") => rest = &rest[1..],
        Some("super") => {
            absolute = from.to_vec();
            while rest.first().map(String::as_str) == Some("super") {
                absolute.pop();
                rest = &rest[1..];
            }
        }
        _ => return None,
    }
    absolute.extend(rest.iter().cloned());
    let found = (0..=absolute.len())
        .rev()
        .map(|n| absolute[..n].to_vec())
        .find(|m| modules.contains_key(m))?;
    let is_ancestor = from.starts_with(&found);
    (!is_ancestor).then_some(found)
}

/// The strongly connected sets of more than one node (Tarjan).
fn cycles(edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<Vec<Vec<String>>> {
    struct State<'a> {
        edges: &'a BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        index: BTreeMap<&'a Vec<String>, usize>,
        low: BTreeMap<&'a Vec<String>, usize>,
        stack: Vec<&'a Vec<String>>,
        on_stack: BTreeSet<&'a Vec<String>>,
        out: Vec<Vec<Vec<String>>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a Vec<String>) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.edges.get(v).into_iter().flatten() {
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut set = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                set.push(w.clone());
                if w == v {
                    break;
                }
            }
            if set.len() > 1 {
                set.sort();
                s.out.push(set);
            }
        }
    }
    let mut state = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !state.index.contains_key(v) {
            visit(&mut state, v);
        }
    }
    state.out
}

/// Each module → the modules it names.
type Edges = BTreeMap<Vec<String>, BTreeSet<Vec<String>>>;

/// The graph of `src/`: each module's file, and what each module names.
fn graph() -> (BTreeMap<Vec<String>, PathBuf>, Edges) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let modules = modules(&src);
    let mut edges = Edges::new();
    for (module, file) in &modules {
        let code = code_of(&std::fs::read_to_string(file).unwrap());
        let set = edges.entry(module.clone()).or_default();
        for path in paths_in(&code) {
            if let Some(to) = target(&path, module, &modules)
                && &to != module
            {
                set.insert(to);
            }
        }
    }
    (modules, edges)
}

fn name(module: &[String]) -> String {
    if module.is_empty() {
        "lib".to_owned()
    } else {
        module.join("::")
    }
}

/// The most lines a source file has.
const MAX_LINES: usize = 450;

/// Files still over [`MAX_LINES`], each with the count it may not grow
/// past: debt to split, not a licence (a file leaves this list when split).
const KNOWN_LONG: &[(&str, usize)] = &[];

#[test]
fn no_file_imports_in_a_cycle_and_none_grows_past_its_bound() {
    let (modules, edges) = graph();
    let found = cycles(&edges);
    let edge_count: usize = edges.values().map(BTreeSet::len).sum();
    println!(
        "{} files, {edge_count} import edges, {} cycles",
        modules.len(),
        found.len()
    );
    for set in &found {
        let names: Vec<String> = set.iter().map(|m| name(m)).collect();
        println!("cycle: {}", names.join(" ↔ "));
        for from in set {
            for to in edges[from].iter().filter(|t| set.contains(t)) {
                println!("  {} → {}", name(from), name(to));
            }
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut long = Vec::new();
    for file in modules.values() {
        let lines = std::fs::read_to_string(file).unwrap().lines().count();
        let name = file.strip_prefix(&src).unwrap().display().to_string();
        let ceiling = KNOWN_LONG
            .iter()
            .find(|(known, _)| *known == name)
            .map_or(MAX_LINES, |(_, ceiling)| *ceiling);
        if lines > MAX_LINES {
            println!("over {MAX_LINES} lines: {name} ({lines})");
        }
        if lines > ceiling {
            long.push(format!("{name} ({lines} lines, at most {ceiling})"));
        }
    }
    assert!(
        found.is_empty(),
        "{} import cycles (see above)",
        found.len()
    );
    assert!(long.is_empty(), "files over their bound: {long:?}");
}

#[test]
fn use_trees_expand_to_their_leaves() {
    let paths = paths_in("use crate::a::{b, c::{d, e as f}, self};\nlet x = super::g::h(1);");
    let shown: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
    assert_eq!(
        shown,
        [
            "crate::a::b",
            "crate::a::c::d",
            "crate::a::c::e",
            "crate::a",
            "super::g::h"
        ]
    );
    assert!(paths_in(&code_of("// crate::x::y\nlet s = \"crate::z\";")).is_empty());
}
