//! Adding, replacing and removing one string of a TOML array so that the
//! array keeps its layout.
//!
//! Invariant: only the edited element's own text changes, plus what its
//! neighbours need to stay laid out as before. A multi-line array gets the
//! new element on a line of its own right after the last one (before
//! comment lines that end the array), indented as it, with the trailing
//! comma as it was; a one-line array stays on one line. Removing
//! an element of a multi-line array removes its lines: the comment lines
//! just above it and the comment at the end of its line go with it.

use toml_edit::{Array, RawString, Value};

/// Appends `text` as a string.
pub(super) fn push(array: &mut Array, text: &str) {
    let mut value = Value::from(text);
    if array.is_empty() {
        value.decor_mut().set_prefix("");
        value.decor_mut().set_suffix("");
        array.set_trailing("");
        array.set_trailing_comma(false);
    } else if is_multiline(array) {
        let last = prefix(array.get(array.len() - 1));
        let last_indent = last.rfind('\n').map(|i| last[i + 1..].to_owned());
        // Without a trailing comma, the last element's line end (its
        // comment) is its suffix; it goes after the comma added before the
        // new element.
        let n = array.len();
        let last = array.get_mut(n - 1).expect("not empty");
        let mut trailing = suffix(Some(&*last)).to_owned();
        if trailing.contains('\n') {
            last.decor_mut().set_suffix("");
        } else {
            trailing.clear();
        }
        trailing.push_str(raw(array.trailing()));
        // What follows the last element up to the line's end (its comment)
        // stays on its line; the new element takes the next one, before
        // the comment lines that end the array (they are not the last
        // entry's: a later `remove` of the new one leaves them).
        let (head, tail) = match trailing.find('\n') {
            Some(i) => (&trailing[..i], &trailing[i + 1..]),
            None => (trailing.as_str(), ""),
        };
        // Indented as the last entry, else as those comment lines.
        let indent = last_indent.unwrap_or_else(|| {
            tail.lines().find(|l| !l.trim().is_empty()).map_or_else(
                || "    ".to_owned(),
                |l| l[..l.len() - l.trim_start().len()].to_owned(),
            )
        });
        value.decor_mut().set_prefix(format!("{head}\n{indent}"));
        value.decor_mut().set_suffix("");
        array.set_trailing(format!("\n{tail}"));
    } else {
        let n = array.len();
        let spacing = if n >= 2 {
            prefix(array.get(n - 1)).to_owned()
        } else {
            " ".to_owned()
        };
        // `[ "a" ]`: the space before `]` moves to the new last element.
        let last = array.get_mut(n - 1).expect("not empty");
        let suffix = suffix(Some(&*last)).to_owned();
        if suffix.trim().is_empty() {
            last.decor_mut().set_suffix("");
            value.decor_mut().set_suffix(suffix);
        }
        value.decor_mut().set_prefix(spacing);
    }
    array.push_formatted(value);
}

/// Replaces element `index` with the string `text`, keeping its decor and
/// its quoting (a literal `'…'` stays literal when it can).
pub(super) fn replace(array: &mut Array, index: usize, text: &str) {
    let literal = array
        .get(index)
        .and_then(|v| match v {
            Value::String(s) => s.as_repr(),
            _ => None,
        })
        .and_then(|r| r.as_raw().as_str())
        .is_some_and(|r| r.starts_with('\'') && !r.starts_with("'''"));
    let value = if literal && !text.contains('\'') && !text.contains('\n') {
        format!("'{text}'")
            .parse::<Value>()
            .unwrap_or_else(|_| Value::from(text))
    } else {
        Value::from(text)
    };
    array.replace(index, value);
}

/// Removes element `index`.
pub(super) fn remove(array: &mut Array, index: usize) {
    let multiline = is_multiline(array);
    let removed_prefix = prefix(array.get(index)).to_owned();
    let removed_suffix = suffix(array.get(index)).to_owned();
    array.remove(index);
    // The start of the removed element's prefix, up to its line's end, is
    // the end of the line before: the previous element's comment. Kept.
    let before = match removed_prefix.find('\n') {
        Some(i) if multiline => &removed_prefix[..i],
        _ => "",
    };
    if index < array.len() {
        let next = array.get_mut(index).expect("in range");
        let next_prefix = prefix(Some(&*next)).to_owned();
        let new_prefix = match next_prefix.find('\n') {
            // Drop the rest of the removed element's line (its comment).
            Some(i) if multiline => format!("{before}{}", &next_prefix[i..]),
            _ if index == 0 => removed_prefix.clone(),
            _ => next_prefix,
        };
        next.decor_mut().set_prefix(new_prefix);
    } else {
        let rest = format!("{removed_suffix}{}", raw(array.trailing()));
        if multiline && let Some(i) = rest.find('\n') {
            array.set_trailing(format!("{before}{}", &rest[i..]));
        }
        if !multiline && index > 0 {
            let last = array.get_mut(index - 1).expect("in range");
            last.decor_mut().set_suffix(removed_suffix);
        }
    }
    if array.is_empty() {
        array.set_trailing("");
        array.set_trailing_comma(false);
    }
}

/// Whether the array spans lines.
fn is_multiline(array: &Array) -> bool {
    array.iter().any(|v| prefix(Some(v)).contains('\n')) || raw(array.trailing()).contains('\n')
}

fn prefix(value: Option<&Value>) -> &str {
    value.and_then(|v| v.decor().prefix()).map_or("", raw)
}

fn suffix(value: Option<&Value>) -> &str {
    value.and_then(|v| v.decor().suffix()).map_or("", raw)
}

fn raw(s: &RawString) -> &str {
    s.as_str().unwrap_or("")
}
