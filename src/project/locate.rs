//! Where a key or array element of the project file is, for errors found
//! after parsing (a missing requirement file, an unset variable in a URL).

use super::Project;
use crate::diagnostics::Location;

impl Project {
    /// The location of a key or array element, e.g. `["pip", "find-links", "0"]`,
    /// relative to the penv table. Falls back to the innermost item found.
    pub(crate) fn locate(&self, keys: &[&str]) -> Option<Location> {
        let all: Vec<&str> = match keys.split_first() {
            // A script's requirements are its block's top-level `dependencies`.
            Some((&"requirements", rest)) if self.script => std::iter::once("dependencies")
                .chain(rest.iter().copied())
                .collect(),
            _ => self.prefix.iter().chain(keys).copied().collect(),
        };
        self.locate_from_top(&all)
    }

    /// The location of a key from the top of the file, outside the penv
    /// table too (`["dependency-groups", "dev", "0"]`).
    pub(crate) fn locate_from_top(&self, keys: &[&str]) -> Option<Location> {
        let mut node = Node::Item(self.doc.as_item());
        let mut span = None;
        for key in keys {
            let Some(next) = node.child(key) else { break };
            span = next.span().or(span);
            node = next;
        }
        span.map(|s| {
            let location = Location::from_span(&self.file, &self.source, s);
            if self.script {
                script_line(location)
            } else {
                location
            }
        })
    }
}

/// A location in a script's padded block (see `script`) with the line as
/// the script has it: every content line is `# ` and what the padded
/// text has after its two spaces.
pub(super) fn script_line(mut location: Location) -> Location {
    if let Some(rest) = location.text.strip_prefix("  ") {
        location.text = format!("# {rest}");
    }
    location
}

/// A step of a walk through a parsed TOML document.
#[derive(Clone, Copy)]
enum Node<'a> {
    Item(&'a toml_edit::Item),
    Value(&'a toml_edit::Value),
}

impl<'a> Node<'a> {
    fn child(self, key: &str) -> Option<Node<'a>> {
        let value = match self {
            Node::Item(toml_edit::Item::Table(t)) => return t.get(key).map(Node::Item),
            Node::Item(toml_edit::Item::Value(v)) | Node::Value(v) => v,
            Node::Item(_) => return None,
        };
        match value {
            toml_edit::Value::InlineTable(t) => t.get(key).map(Node::Value),
            toml_edit::Value::Array(a) => key.parse().ok().and_then(|i| a.get(i)).map(Node::Value),
            _ => None,
        }
    }

    fn span(self) -> Option<std::ops::Range<usize>> {
        match self {
            Node::Item(i) => i.span(),
            Node::Value(v) => v.span(),
        }
    }
}
