//! `penv tree`'s text: one line per node, `name[extras] vVERSION`, drawn
//! with box characters as `uv tree` and `pipdeptree` draw theirs, and a
//! mark after a node not expanded: `(*)` shown above, `(cycle)`,
//! `(missing)`, `(…)` cut off by `--depth`.

use std::fmt::Write as _;

use super::walk::{Mark, TreeNode};

/// The lines of the tree of `roots`.
pub(crate) fn text(roots: &[TreeNode]) -> Vec<String> {
    let mut out = Vec::new();
    for root in roots {
        out.push(label(root));
        children(root, "", &mut out);
    }
    out
}

fn children(node: &TreeNode, prefix: &str, out: &mut Vec<String>) {
    let count = node.dependencies.len();
    for (i, child) in node.dependencies.iter().enumerate() {
        let last = i + 1 == count;
        out.push(format!(
            "{prefix}{}{}",
            if last { "└── " } else { "├── " },
            label(child)
        ));
        let deeper = format!("{prefix}{}", if last { "    " } else { "│   " });
        children(child, &deeper, out);
    }
}

fn label(node: &TreeNode) -> String {
    let mut line = node.name.clone();
    if !node.extras.is_empty() {
        let _ = write!(line, "[{}]", node.extras.join(","));
    }
    if let Some(version) = &node.version {
        let _ = write!(line, " v{version}");
    }
    if let Some(required) = &node.required {
        let _ = write!(line, " ({required})");
    }
    match node.mark {
        Some(Mark::Repeated) => line.push_str(" (*)"),
        Some(Mark::Cycle) => line.push_str(" (cycle)"),
        Some(Mark::Missing) => line.push_str(" (missing)"),
        None if node.truncated => line.push_str(" (…)"),
        None => {}
    }
    line
}
