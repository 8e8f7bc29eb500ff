//! Where a foreign lock's walk reached a package from: the project's own
//! dependencies, one of its extras, one of its groups; and the PEP 751
//! marker that says so (`'dev' in dependency_groups or 'x' in extras`),
//! so that choosing groups and extras stays `select`'s, as for a
//! `pylock.toml`.
//!
//! Invariant: a name that could end the quoted string of the marker is
//! refused, never quoted into it.

use std::collections::BTreeSet;

/// What a set of roots is: the project's own dependencies, an extra, a group.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Root {
    /// The project's own dependencies.
    Base,
    /// One of its extras (normalized).
    Extra(String),
    /// One of its dependency groups (normalized).
    Group(String),
}

/// The PEP 751 marker of a package reached from `roots`: none when the
/// project's own dependencies reach it, else its groups and extras.
pub(crate) fn marker(roots: &BTreeSet<Root>) -> Result<Option<String>, String> {
    if roots.contains(&Root::Base) {
        return Ok(None);
    }
    let mut terms = Vec::new();
    for root in roots {
        let (name, set) = match root {
            Root::Base => continue,
            Root::Extra(name) => (name, "extras"),
            Root::Group(name) => (name, "dependency_groups"),
        };
        // Normalized names are letters, digits and `-`: nothing that ends
        // the quoted string; anything else is refused here.
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
        {
            return Err(format!(
                "the group or extra `{}` is not a valid name",
                crate::lock::fields::shown(name)
            ));
        }
        terms.push(format!("'{name}' in {set}"));
    }
    Ok(Some(terms.join(" or ")))
}
