//! PEP 751 markers: PEP 508 plus two set-valued variables,
//! `dependency_groups` and `extras` (`'dev' in dependency_groups`), that
//! PEP 508 parsers do not know.
//!
//! Invariant: each `'x' in dependency_groups` / `'x' not in extras`
//! comparison is decided here and replaced by a marker that is always true
//! or always false before `pep508_rs` evaluates the rest; any other use of
//! those names is an error, never guessed at, and text `pep508_rs` could
//! panic on never reaches it.

use std::collections::BTreeSet;
use std::str::FromStr;

use pep508_rs::{MarkerEnvironment, MarkerTree};

pub(super) use super::normalize_name;

/// The values of PEP 751's set-valued marker variables.
#[derive(Default)]
pub(super) struct Sets {
    pub(super) dependency_groups: BTreeSet<String>,
    pub(super) extras: BTreeSet<String>,
}

/// A marker always true (and its negation, always false): `python_version`
/// is at least 0 everywhere.
const TRUE: &str = "python_version >= '0'";
const FALSE: &str = "python_version < '0'";

/// Evaluates a PEP 751 marker.
pub(super) fn evaluate(marker: &str, env: &MarkerEnvironment, sets: &Sets) -> Result<bool, String> {
    evaluate_plain(&substitute_sets(marker, sets)?, env, &[])
}

/// Evaluates a PEP 508 marker of a package's metadata, where `extra ==
/// "x"` holds for each of `extras` (Poetry's and PDM's locks write them).
pub(super) fn evaluate_with_extras(
    marker: &str,
    env: &MarkerEnvironment,
    extras: &[String],
) -> Result<bool, String> {
    let extras = extras
        .iter()
        .map(|e| {
            if !e.is_ascii() {
                return Err("an extra holds non-ASCII text".to_owned());
            }
            pep508_rs::ExtraName::from_str(e).map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, _>>()?;
    evaluate_plain(marker, env, &extras)
}

fn evaluate_plain(
    plain: &str,
    env: &MarkerEnvironment,
    extras: &[pep508_rs::ExtraName],
) -> Result<bool, String> {
    // pep508_rs 0.9.2 panics on some non-ASCII input (see `requirement.rs`).
    if !plain.is_ascii() {
        return Err("it holds non-ASCII text".to_owned());
    }
    if plain.len() > 4096 || paren_depth(plain) > 32 {
        return Err("too long or nested too deep".to_owned());
    }
    let tree = MarkerTree::from_str(plain).map_err(|e| e.to_string())?;
    Ok(tree.evaluate(env, extras))
}

fn paren_depth(text: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0);
    for c in text.chars() {
        match c {
            '(' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    /// A quoted string, without its quotes.
    Str(String),
    /// Anything else: a word, an operator or a parenthesis, as written.
    Other(String),
}

/// `marker` with each `'x' [not] in dependency_groups|extras` replaced by
/// [`TRUE`] or [`FALSE`].
fn substitute_sets(marker: &str, sets: &Sets) -> Result<String, String> {
    let tokens = tokenize(marker)?;
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let word = |k: usize| match tokens.get(k) {
            Some(Token::Other(w)) => Some(w.as_str()),
            _ => None,
        };
        if let Token::Str(value) = &tokens[i] {
            let (negated, name_at) = match (word(i + 1), word(i + 2)) {
                (Some("in"), _) => (false, i + 2),
                (Some("not"), Some("in")) => (true, i + 3),
                _ => (false, usize::MAX),
            };
            let set = match word(name_at) {
                Some("dependency_groups") => Some(&sets.dependency_groups),
                Some("extras") => Some(&sets.extras),
                _ => None,
            };
            if let Some(set) = set {
                let present = set.contains(&normalize_name(value));
                out.push(if present == negated { FALSE } else { TRUE }.to_owned());
                i = name_at + 1;
                continue;
            }
            out.push(quote(value));
        } else if let Token::Other(w) = &tokens[i] {
            if matches!(w.as_str(), "dependency_groups" | "extras") {
                return Err(format!(
                    "`{w}` may only appear as `'name' in {w}` or `'name' not in {w}`"
                ));
            }
            out.push(w.clone());
        }
        i += 1;
    }
    Ok(out.join(" "))
}

fn quote(value: &str) -> String {
    if value.contains('\'') {
        format!("\"{value}\"")
    } else {
        format!("'{value}'")
    }
}

fn tokenize(marker: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = marker.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '\'' || c == '"' {
            chars.next();
            let mut value = String::new();
            loop {
                match chars.next() {
                    Some((_, q)) if q == c => break,
                    Some((_, ch)) => value.push(ch),
                    None => return Err(format!("unclosed string at character {}", start + 1)),
                }
            }
            tokens.push(Token::Str(value));
        } else if c == '(' || c == ')' {
            chars.next();
            tokens.push(Token::Other(c.to_string()));
        } else if c.is_alphanumeric() || c == '_' || c == '.' {
            let mut word = String::new();
            while let Some(&(_, ch)) = chars.peek() {
                if ch.is_alphanumeric() || ch == '_' || ch == '.' {
                    word.push(ch);
                    chars.next();
                } else {
                    break;
                }
            }
            tokens.push(Token::Other(word));
        } else {
            let mut op = String::new();
            while let Some(&(_, ch)) = chars.peek() {
                if matches!(ch, '=' | '!' | '<' | '>' | '~') {
                    op.push(ch);
                    chars.next();
                } else {
                    break;
                }
            }
            if op.is_empty() {
                return Err(format!("unexpected `{c}`"));
            }
            tokens.push(Token::Other(op));
        }
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use pep508_rs::MarkerEnvironmentBuilder;

    use super::*;

    fn env() -> MarkerEnvironment {
        MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
            implementation_name: "cpython",
            implementation_version: "3.12.1",
            os_name: "posix",
            platform_machine: "x86_64",
            platform_python_implementation: "CPython",
            platform_release: "",
            platform_system: "Linux",
            platform_version: "",
            python_full_version: "3.12.1",
            python_version: "3.12",
            sys_platform: "linux",
        })
        .unwrap()
    }

    fn eval(marker: &str, groups: &[&str], extras: &[&str]) -> Result<bool, String> {
        let sets = Sets {
            dependency_groups: groups.iter().map(|g| normalize_name(g)).collect(),
            extras: extras.iter().map(|g| normalize_name(g)).collect(),
        };
        evaluate(marker, &env(), &sets)
    }

    #[test]
    fn set_valued_markers_are_decided_before_pep508() {
        assert_eq!(eval("'dev' in dependency_groups", &["dev"], &[]), Ok(true));
        assert_eq!(
            eval("'dev' in dependency_groups", &["docs"], &[]),
            Ok(false)
        );
        assert_eq!(
            eval("\"Dev_Tools\" in dependency_groups", &["dev-tools"], &[]),
            Ok(true)
        );
        assert_eq!(eval("'dev' not in dependency_groups", &[], &[]), Ok(true));
        assert_eq!(
            eval("'cli' in extras", &["cli"], &[]),
            Ok(false),
            "groups are not extras"
        );
        assert_eq!(eval("'cli' in extras", &[], &["cli"]), Ok(true));
        let both = "sys_platform == 'linux' and ('dev' in dependency_groups or 'test' in dependency_groups)";
        assert_eq!(eval(both, &["test"], &[]), Ok(true));
        assert_eq!(eval(both, &[], &[]), Ok(false));
        assert_eq!(
            eval(
                "python_version < '3.12' and 'dev' in dependency_groups",
                &["dev"],
                &[]
            ),
            Ok(false)
        );
        // A plain marker and a string that merely says `dependency_groups`.
        assert_eq!(eval("platform_machine == 'x86_64'", &[], &[]), Ok(true));
        assert_eq!(
            eval("sys_platform != 'dependency_groups'", &[], &[]),
            Ok(true)
        );
    }

    #[test]
    fn other_uses_of_the_set_names_and_bad_text_are_errors() {
        assert!(
            eval("dependency_groups == 'dev'", &[], &[])
                .unwrap_err()
                .contains("may only appear")
        );
        assert!(eval("'dev' in extras_x", &[], &[]).is_err());
        assert!(
            eval("sys_platform == 'linux", &[], &[])
                .unwrap_err()
                .contains("unclosed")
        );
        assert!(
            eval("sys_platform == 'lïnux'", &[], &[])
                .unwrap_err()
                .contains("non-ASCII")
        );
        assert!(
            eval(
                &format!("{}sys_platform == 'x'{}", "(".repeat(40), ")".repeat(40)),
                &[],
                &[]
            )
            .is_err()
        );
    }
}
