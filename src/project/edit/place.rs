//! Which TOML array holds the requirements an edit is about.
//!
//! Invariant: the place is chosen from the file's contents alone, the same
//! way for `add` and `remove`: penv's own keys when the file has them
//! (`requirements`, `[groups]`, `[tool.penv]`), else the standard ones of
//! a `pyproject.toml` (`[project] dependencies`, PEP 735
//! `[dependency-groups]`), else penv's keys, created.

use toml_edit::{Array, DocumentMut, Item, TableLike, Value};

use super::{EditError, new_array, new_table};

/// Which kind of file is edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    /// `penv.toml`: the keys at the top level.
    PenvToml,
    /// `pyproject.toml`: `[tool.penv]`, `[project]`, `[dependency-groups]`.
    Pyproject,
}

/// The keys of the array, from the document's root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub(crate) keys: Vec<String>,
}

impl Place {
    /// The array the requirements of `group` (or the main ones) are in.
    pub(crate) fn choose(doc: &DocumentMut, layout: Layout, group: Option<&str>) -> Self {
        let keys: Vec<&str> = match (layout, group) {
            (Layout::PenvToml, None) => vec!["requirements"],
            (Layout::PenvToml, Some(g)) => group_keys(doc, &["groups", g]),
            (Layout::Pyproject, None) => {
                if exists(doc, &["tool", "penv", "requirements"]) || !exists(doc, &["project"]) {
                    vec!["tool", "penv", "requirements"]
                } else {
                    vec!["project", "dependencies"]
                }
            }
            (Layout::Pyproject, Some(g)) => {
                if exists(doc, &["tool", "penv", "groups", g]) {
                    group_keys(doc, &["tool", "penv", "groups", g])
                } else if exists(doc, &["dependency-groups"]) || exists(doc, &["project"]) {
                    vec!["dependency-groups", g]
                } else {
                    vec!["tool", "penv", "groups", g]
                }
            }
        };
        Self {
            keys: keys.into_iter().map(str::to_owned).collect(),
        }
    }

    /// How messages name it: `` `requirements` ``, `` `[groups] dev` ``,
    /// `` `[project] dependencies` ``.
    pub(crate) fn label(&self) -> String {
        match self.keys.split_last() {
            Some((last, [])) => format!("`{last}`"),
            Some((last, tables)) => format!("`[{}] {last}`", tables.join(".")),
            None => "the file".to_owned(),
        }
    }

    /// Refuses a place the file says is not static: `[project] dependencies`
    /// listed in `[project] dynamic`.
    pub(crate) fn check_editable(&self, doc: &DocumentMut) -> Result<(), EditError> {
        if self.keys == ["project", "dependencies"]
            && doc
                .get("project")
                .and_then(|p| p.get("dynamic"))
                .and_then(Item::as_array)
                .is_some_and(|a| a.iter().any(|v| v.as_str() == Some("dependencies")))
        {
            return Err(EditError::Dynamic);
        }
        Ok(())
    }

    /// The array, when it is there (read only).
    pub(crate) fn array<'d>(&self, doc: &'d DocumentMut) -> Option<&'d Array> {
        let keys: Vec<&str> = self.keys.iter().map(String::as_str).collect();
        get(doc, &keys)?.as_array()
    }

    /// The array, created (with the tables on the way) when `create` is
    /// set, else `None` when it is not there.
    pub(crate) fn array_mut<'d>(
        &self,
        doc: &'d mut DocumentMut,
        create: bool,
    ) -> Result<Option<&'d mut Array>, EditError> {
        let (last, tables) = self.keys.split_last().expect("a place has keys");
        let mut table: &mut dyn TableLike = doc.as_table_mut();
        for (depth, key) in tables.iter().enumerate() {
            if !table.contains_key(key) {
                if !create {
                    return Ok(None);
                }
                // `[tool]` stays implicit above `[tool.penv]`.
                let implicit = depth + 1 < tables.len();
                table.insert(key, new_table(implicit));
            }
            let item = table.get_mut(key).expect("present");
            table = item
                .as_table_like_mut()
                .ok_or_else(|| self.wrong(depth + 1))?;
        }
        if !table.contains_key(last) {
            if !create {
                return Ok(None);
            }
            table.insert(last, new_array());
            space_inline(table, last);
        }
        match table.get_mut(last).expect("present") {
            Item::Value(Value::Array(array)) => Ok(Some(array)),
            _ => Err(EditError::WrongType {
                place: self.clone(),
                expected: "an array of strings",
            }),
        }
    }

    fn wrong(&self, depth: usize) -> EditError {
        EditError::WrongType {
            place: Self {
                keys: self.keys[..depth].to_vec(),
            },
            expected: "a table",
        }
    }
}

/// In an inline table (`{ a = 1 }`), the space before `}` is the last
/// value's suffix: it moves to the value just inserted under `key`.
fn space_inline(table: &mut dyn TableLike, key: &str) {
    let keys: Vec<String> = table.iter().map(|(k, _)| k.to_owned()).collect();
    let [.., before, added] = keys.as_slice() else {
        return;
    };
    if added != key {
        return;
    }
    let Some(Item::Value(previous)) = table.get_mut(before) else {
        return;
    };
    let Some(space) = previous
        .decor()
        .suffix()
        .and_then(|s| s.as_str())
        .map(str::to_owned)
    else {
        return;
    };
    if !space.trim().is_empty() {
        return;
    }
    previous.decor_mut().set_suffix("");
    if let Some(Item::Value(value)) = table.get_mut(key) {
        value.decor_mut().set_suffix(space);
    }
}

/// A group's keys: the group itself when it is an array, its
/// `requirements` when it is a table (`{ requirement-files = […] }`).
fn group_keys<'k>(doc: &DocumentMut, keys: &[&'k str]) -> Vec<&'k str> {
    let mut out = keys.to_vec();
    if get(doc, keys).is_some_and(Item::is_table_like) {
        out.push("requirements");
    }
    out
}

fn exists(doc: &DocumentMut, keys: &[&str]) -> bool {
    get(doc, keys).is_some()
}

fn get<'d>(doc: &'d DocumentMut, keys: &[&str]) -> Option<&'d Item> {
    let mut item = doc.as_item();
    for key in keys {
        item = item.as_table_like()?.get(key)?;
    }
    Some(item)
}
