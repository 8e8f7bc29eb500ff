//! Python's `json.dumps(value, sort_keys=True)`, byte for byte: what
//! Poetry and PDM hash a `pyproject.toml`'s sections with to decide
//! whether their lock is fresh (`poetry::fresh`, `pdm::fresh`).
//!
//! Invariant: the bytes are exactly the ones Python writes (`", "` and
//! `": "` separators, keys sorted by code point, every character outside
//! ASCII's printable range escaped as `\uXXXX`, UTF-16 surrogates beyond
//! the BMP), so a test checks the hash against real projects' locks.

use std::fmt::Write as _;

use serde_json::Value;

/// A TOML item as the value Python's `tomllib` reads (a datetime, which
/// `json.dumps` cannot write, as its text).
pub(crate) fn from_toml(item: &toml_edit::Item) -> Value {
    match item {
        toml_edit::Item::Value(v) => from_value(v),
        toml_edit::Item::Table(t) => from_table(t),
        toml_edit::Item::ArrayOfTables(a) => {
            Value::Array(a.iter().map(|t| from_table(t)).collect())
        }
        toml_edit::Item::None => Value::Null,
    }
}

fn from_table(table: &dyn toml_edit::TableLike) -> Value {
    Value::Object(
        table
            .iter()
            .map(|(k, v)| (k.to_owned(), from_toml(v)))
            .collect(),
    )
}

fn from_value(v: &toml_edit::Value) -> Value {
    match v {
        toml_edit::Value::String(s) => Value::String(s.value().clone()),
        toml_edit::Value::Integer(i) => Value::from(*i.value()),
        toml_edit::Value::Float(f) => Value::from(*f.value()),
        toml_edit::Value::Boolean(b) => Value::Bool(*b.value()),
        toml_edit::Value::Datetime(d) => Value::String(d.value().to_string()),
        toml_edit::Value::Array(a) => Value::Array(a.iter().map(from_value).collect()),
        toml_edit::Value::InlineTable(t) => from_table(t),
    }
}

/// `json.dumps(value, sort_keys=True)`.
pub(crate) fn dumps(value: &Value) -> String {
    let mut out = String::new();
    write(&mut out, value);
    out
}

fn write(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => {
                let _ = write!(out, "{i}");
            }
            (_, Some(u), _) => {
                let _ = write!(out, "{u}");
            }
            (_, _, Some(f)) => float(out, f),
            _ => out.push_str("null"),
        },
        Value::String(s) => string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                string(out, key);
                out.push_str(": ");
                write(out, item);
            }
            out.push('}');
        }
    }
}

/// A float as Python's `repr` writes one (`1.0`, `2.5`, `Infinity`).
fn float(out: &mut String, f: f64) {
    if f.is_nan() {
        out.push_str("NaN");
    } else if f.is_infinite() {
        out.push_str(if f > 0.0 { "Infinity" } else { "-Infinity" });
    } else if f.fract() == 0.0 && f.abs() < 1e16 {
        let _ = write!(out, "{f:.1}");
    } else {
        let _ = write!(out, "{f}");
    }
}

/// A JSON string as `json.dumps` (`ensure_ascii=True`) writes it.
fn string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_json_spelling() {
        let value = serde_json::json!({"b": [1, 2.5, 1.0, true, null], "a": "a\"b\\c\n\u{7f}é😀"});
        assert_eq!(
            dumps(&value),
            r#"{"a": "a\"b\\c\n\u007f\u00e9\ud83d\ude00", "b": [1, 2.5, 1.0, true, null]}"#
        );
    }
}
