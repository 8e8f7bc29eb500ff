//! Editing the requirements of a project file in place (`penv add`,
//! `penv remove`): which TOML array holds them, and adding, replacing or
//! removing one of its strings.
//!
//! Invariant: the file's bytes change only on the lines of the entries
//! edited — comments, key order, quoting, indentation, trailing commas,
//! line endings (CRLF stays CRLF) and a UTF-8 byte order mark elsewhere
//! survive as they were, so `add X` then `remove X` gives the file back
//! byte for byte. `toml_edit` edits a copy without the mark and with LF
//! line ends (it writes LF), and only the span where that copy changed is
//! spliced into the original bytes, in the file's own line ending
//! ([`splice`]); the decor of a new or removed element is chosen here so
//! that the array keeps its layout. Names match as PEP 503 says
//! (`Typing_Extensions` is `typing-extensions`). Pure: text in, text out.

use toml_edit::{Array, DocumentMut, Item, Table, Value};

use crate::requirement::{self, Parsed, normalize_name};

mod array;
mod place;
#[cfg(test)]
mod tests;

pub(crate) use place::{Layout, Place};

/// What an edit did to one requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Change {
    /// Appended.
    Added(String),
    /// An entry for the same package, replaced in place: (old, new).
    Replaced(String, String),
    /// Already there as asked (or asked without a version, and there with one).
    Unchanged(String),
    /// Removed.
    Removed(String),
}

/// An edited file: its new text and what changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Edited {
    pub(crate) text: String,
    pub(crate) place: Place,
    pub(crate) changes: Vec<Change>,
}

/// Why an edit cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// The file does not parse (it changed since it was loaded).
    #[error("invalid TOML: {0}")]
    Toml(String),
    /// A key on the way to the requirements is not a table, or they are not an array.
    #[error("{} is not {expected}", place.label())]
    WrongType {
        /// Where.
        place: Place,
        /// "an array of strings", "a table".
        expected: &'static str,
    },
    /// `[project] dynamic` names `dependencies`: a build backend computes them.
    #[error(
        "`[project] dependencies` is listed in `[project] dynamic`: the build backend computes it, so it cannot be edited"
    )]
    Dynamic,
    /// The package is named by more than one entry (different markers, say).
    #[error("`{name}` is in {} more than once ({})", place.label(), entries.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", "))]
    Ambiguous {
        /// The package.
        name: String,
        /// Where.
        place: Place,
        /// The entries naming it.
        entries: Vec<String>,
    },
    /// The env comes from another tool's lock (`uv.lock`, `poetry.lock`),
    /// which penv does not write: an edit would change nothing it installs.
    #[error(
        "its requirements are locked in `{lock}`, which penv does not write: the env would not change"
    )]
    ForeignLock {
        /// The lock's file name.
        lock: String,
        /// The other tool's command that makes the edit and locks again
        /// (`uv add 'rich>=13'`, `poetry remove rich`).
        command: String,
    },
    /// The requirements are in Poetry's or PDM's tables, which penv reads
    /// and does not edit: a `[project]` or `[dependency-groups]` entry it
    /// added would hide them.
    #[error(
        "{table} holds these requirements, and penv reads it but does not edit it (what penv would write in `[project]` or `[dependency-groups]` would hide it)"
    )]
    ForeignTable {
        /// The table, in backticks.
        table: String,
        /// The other tool's command that makes the edit.
        command: String,
    },
    /// `remove` of a package the place does not name.
    #[error("`{name}` is not in {}", place.label())]
    NotThere {
        /// The package as given.
        name: String,
        /// Where it was looked for.
        place: Place,
        /// What is there, as written.
        present: Vec<String>,
        /// The other places that name it: a group, or `None` for the main
        /// requirements.
        elsewhere: Vec<Option<String>>,
    },
}

impl EditError {
    /// What to do about it.
    pub(crate) fn hint(&self) -> String {
        match self {
            Self::Toml(_) => "fix the file's syntax, then run the command again".to_owned(),
            Self::WrongType { expected, .. } => {
                format!("make it {expected}, or edit the file by hand")
            }
            Self::Dynamic => "edit where the build backend takes them from, or remove `dependencies` from `dynamic` and list them in `[project] dependencies`".to_owned(),
            Self::ForeignTable { command, .. } => format!(
                "run `{command}`, or move the requirements to `[project]` and `[dependency-groups]` by hand"
            ),
            Self::ForeignLock { command, .. } => format!(
                "run `{command}` (it edits `pyproject.toml` and locks again), then `penv sync`; or run `penv lock` first: penv's `pylock.toml` then comes first, and `penv add`/`remove` lock it again"
            ),
            Self::Ambiguous { .. } => "edit the file by hand: penv does not guess which entry is meant".to_owned(),
            Self::NotThere { name, elsewhere, .. } if !elsewhere.is_empty() => elsewhere
                .iter()
                .map(|place| match place {
                    Some(group) => format!("it is in group `{group}`: `penv remove --group {group} {name}`"),
                    None => format!("it is in the main requirements: `penv remove {name}`"),
                })
                .collect::<Vec<_>>()
                .join("; "),
            Self::NotThere { present, .. } if present.is_empty() => "there is nothing there to remove".to_owned(),
            Self::NotThere { present, .. } => format!(
                "it holds {}",
                present.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ")
            ),
        }
    }
}

/// Adds `requirements` to the place `group` selects in `text`: a package
/// already there has its entry replaced in place (kept, when the new one
/// gives no version and the old one does), a new one is appended.
pub(crate) fn add(
    text: &str,
    layout: Layout,
    group: Option<&str>,
    requirements: &[Parsed],
) -> Result<Edited, EditError> {
    splice(text, |lf| add_lf(lf, layout, group, requirements))
}

fn add_lf(
    text: &str,
    layout: Layout,
    group: Option<&str>,
    requirements: &[Parsed],
) -> Result<Edited, EditError> {
    let mut doc = parse(text)?;
    let place = Place::choose(&doc, layout, group);
    place.check_editable(&doc)?;
    let array = place.array_mut(&mut doc, true)?.expect("created");
    let mut changes = Vec::new();
    for req in requirements {
        let found = matching(array, &req.name);
        match found.as_slice() {
            [] => {
                array::push(array, &req.text);
                changes.push(Change::Added(req.text.clone()));
            }
            [(_, old)] if old == &req.text => {
                changes.push(Change::Unchanged(old.clone()));
            }
            // No version asked for: the entry's stays, with the extras and
            // marker asked for (`requests[socks]` over `requests>=2.30`).
            [(i, old)] if !req.versioned => {
                let same = crate::requirement::normalize_requirement(old).ok();
                match crate::requirement::merged(old, &req.text)
                    .filter(|m| Some(m) != same.as_ref())
                {
                    Some(merged) => {
                        array::replace(array, *i, &merged);
                        changes.push(Change::Replaced(old.clone(), merged));
                    }
                    None => changes.push(Change::Unchanged(old.clone())),
                }
            }
            [(i, old)] => {
                array::replace(array, *i, &req.text);
                changes.push(Change::Replaced(old.clone(), req.text.clone()));
            }
            many => {
                return Err(EditError::Ambiguous {
                    name: req.name.clone(),
                    place,
                    entries: many.iter().map(|(_, e)| e.clone()).collect(),
                });
            }
        }
    }
    Ok(Edited {
        text: doc.to_string(),
        place,
        changes,
    })
}

/// Removes every entry naming one of `names` from the place `group`
/// selects; a name with no entry is an error saying what is there.
pub(crate) fn remove(
    text: &str,
    layout: Layout,
    group: Option<&str>,
    names: &[String],
) -> Result<Edited, EditError> {
    splice(text, |lf| remove_lf(lf, layout, group, names))
}

fn remove_lf(
    text: &str,
    layout: Layout,
    group: Option<&str>,
    names: &[String],
) -> Result<Edited, EditError> {
    let mut doc = parse(text)?;
    let place = Place::choose(&doc, layout, group);
    place.check_editable(&doc)?;
    let mut changes = Vec::new();
    let others = doc.clone();
    let elsewhere = |name: &str| holding(&others, layout, group, &normalize_name(name));
    let Some(array) = place.array_mut(&mut doc, false)? else {
        let name = names.first().cloned().unwrap_or_default();
        return Err(EditError::NotThere {
            elsewhere: elsewhere(&name),
            name,
            place,
            present: Vec::new(),
        });
    };
    for name in names {
        let found = matching(array, &normalize_name(name));
        if found.is_empty() {
            return Err(EditError::NotThere {
                name: name.clone(),
                present: strings(array),
                elsewhere: elsewhere(name),
                place,
            });
        }
        for (i, old) in found.into_iter().rev() {
            array::remove(array, i);
            changes.push(Change::Removed(old));
        }
    }
    Ok(Edited {
        text: doc.to_string(),
        place,
        changes,
    })
}

/// The places other than `group`'s whose requirements name `name`
/// (normalized): each group of the file, or `None` for the main ones.
fn holding(
    doc: &DocumentMut,
    layout: Layout,
    group: Option<&str>,
    name: &str,
) -> Vec<Option<String>> {
    let tables: &[&[&str]] = match layout {
        Layout::PenvToml => &[&["groups"]],
        Layout::Pyproject => &[&["tool", "penv", "groups"], &["dependency-groups"]],
    };
    let mut groups: Vec<String> = Vec::new();
    for keys in tables {
        let mut item = Some(doc.as_item());
        for key in *keys {
            item = item.and_then(|i| i.as_table_like()?.get(key));
        }
        if let Some(table) = item.and_then(Item::as_table_like) {
            groups.extend(table.iter().map(|(k, _)| k.to_owned()));
        }
    }
    let candidates = std::iter::once(None).chain(groups.into_iter().map(Some));
    let mut out: Vec<Option<String>> = Vec::new();
    for candidate in candidates {
        if candidate.as_deref() == group || out.contains(&candidate) {
            continue;
        }
        let place = Place::choose(doc, layout, candidate.as_deref());
        if place
            .array(doc)
            .is_some_and(|array| !matching(array, name).is_empty())
        {
            out.push(candidate);
        }
    }
    out
}

/// The entry naming `name` in the place `group` selects, as written, when
/// there is exactly one.
pub(crate) fn find(text: &str, layout: Layout, group: Option<&str>, name: &str) -> Option<String> {
    let mut doc = parse(text).ok()?;
    let place = Place::choose(&doc, layout, group);
    let array = place.array_mut(&mut doc, false).ok()??;
    match matching(array, &normalize_name(name)).as_slice() {
        [(_, entry)] => Some(entry.clone()),
        _ => None,
    }
}

fn parse(text: &str) -> Result<DocumentMut, EditError> {
    text.strip_prefix(BOM)
        .unwrap_or(text)
        .parse::<DocumentMut>()
        .map_err(|e| EditError::Toml(e.message().trim_end().to_owned()))
}

/// The UTF-8 byte order mark some editors (Notepad) put first.
const BOM: char = '\u{feff}';

/// Runs `edit` on `text` without its byte order mark and with LF line ends,
/// then gives back `text` with only the span where the edit changed that
/// copy replaced: the span's line ends written as the file's own (CRLF
/// when most of its lines end so), every other byte as it was.
fn splice(
    text: &str,
    edit: impl FnOnce(&str) -> Result<Edited, EditError>,
) -> Result<Edited, EditError> {
    let (bom, original) = match text.strip_prefix(BOM) {
        Some(rest) => (&text[..BOM.len_utf8()], rest),
        None => ("", text),
    };
    let lf = original.replace("\r\n", "\n");
    let mut edited = edit(&lf)?;
    let new = &edited.text;
    let mut start = lf
        .bytes()
        .zip(new.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    while !lf.is_char_boundary(start) || !new.is_char_boundary(start) {
        start -= 1;
    }
    let mut common_end = lf[start..]
        .bytes()
        .rev()
        .zip(new[start..].bytes().rev())
        .take_while(|(a, b)| a == b)
        .count();
    while !lf.is_char_boundary(lf.len() - common_end)
        || !new.is_char_boundary(new.len() - common_end)
    {
        common_end -= 1;
    }
    let crlf = original.matches("\r\n").count();
    let eol = if crlf > 0 && crlf * 2 >= original.matches('\n').count() {
        "\r\n"
    } else {
        "\n"
    };
    let middle = new[start..new.len() - common_end].replace('\n', eol);
    let (from, to) = (
        original_offset(original, start),
        original_offset(original, lf.len() - common_end),
    );
    edited.text = format!("{bom}{}{middle}{}", &original[..from], &original[to..]);
    Ok(edited)
}

/// The offset in `original` of offset `at` of its copy with every CRLF
/// made LF (never between a CR and its LF).
fn original_offset(original: &str, at: usize) -> usize {
    let bytes = original.as_bytes();
    let (mut i, mut lf) = (0, 0);
    while lf < at {
        i += if bytes[i..].starts_with(b"\r\n") {
            2
        } else {
            1
        };
        lf += 1;
    }
    i
}

/// The (index, text) of the string entries naming package `name`.
fn matching(array: &Array, name: &str) -> Vec<(usize, String)> {
    array
        .iter()
        .enumerate()
        .filter_map(|(i, v)| Some((i, v.as_str()?.to_owned())))
        .filter(|(_, s)| {
            requirement::package_name(s).map_or_else(|| normalize_name(s) == name, |n| n == name)
        })
        .collect()
}

/// The string entries, as written.
fn strings(array: &Array) -> Vec<String> {
    array
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}

/// A new, empty standard table (`[name]`), or an implicit one when it
/// only holds other tables (`[tool]` above `[tool.penv]`).
fn new_table(implicit: bool) -> Item {
    let mut table = Table::new();
    table.set_implicit(implicit);
    Item::Table(table)
}

/// A new, empty array value.
fn new_array() -> Item {
    Item::Value(Value::Array(Array::new()))
}
