//! PEP 508 requirement strings: checking one and writing it in its
//! normalized form, for the project file, requirement files and the spec.
//!
//! Invariant: checking a requirement never panics and never overflows the
//! stack, whatever the text. `pep508_rs` does both on some input (`just
//! fuzz` found them); the known cases are answered before it is called, and
//! any other panic inside it is contained and reported as an invalid
//! requirement. A leaf: it imports no stage of the pipeline.

use std::str::FromStr;

/// Checks a PEP 508 requirement and returns its normalized form
/// (`Rich == 13.*` → `rich==13.*`), or the reason it is not one.
///
/// `pep508_rs` 0.9.2 panics on two kinds of input that `just fuzz` found: a
/// name ending in `-`, `.` or `_` followed by more text (`foo->=1`), and
/// non-ASCII text (it counts characters where it means bytes). The first is
/// answered here. Non-ASCII characters, legal only inside URLs and marker
/// strings, are checked as `~`, which is legal in exactly those places too;
/// such a requirement is kept as written rather than normalized.
pub(crate) fn normalize_requirement(text: &str) -> Result<String, String> {
    if let Some(url) = relative_file_url(text) {
        return Err(format!(
            "`{url}` is a relative `file:` URL, which PEP 508 does not have (it would be read as `file:///{}`)",
            url[5..].trim_start_matches("./")
        ));
    }
    if text.is_ascii() {
        return parse_ascii_requirement(text).map(|r| r.to_string());
    }
    let ascii: String = text
        .chars()
        .map(|c| if c.is_ascii() { c } else { '~' })
        .collect();
    parse_ascii_requirement(&ascii)?;
    Ok(text.trim().to_owned())
}

/// The URL of a `name @ file:…` requirement whose URL is relative
/// (`file:./wheels/x.whl`, `file:wheels/x.whl`, `file:../x`): not a URL
/// PEP 508 (RFC 8089) knows, and `pep508_rs` would quietly make it
/// `file:///wheels/x.whl`, a file at the root. Refused, so nothing is
/// installed from the wrong place.
pub(crate) fn relative_file_url(text: &str) -> Option<&str> {
    let (before, after) = text.split_once('@')?;
    // An `@` after `;` is inside a marker, not a URL requirement.
    if before.contains(';') {
        return None;
    }
    let url = after.trim_start();
    let url = &url[..url
        .find(|c: char| c.is_whitespace() || c == ';')
        .unwrap_or(url.len())];
    let scheme = url.get(..5)?;
    (scheme.eq_ignore_ascii_case("file:") && !url[5..].starts_with("//")).then_some(url)
}

/// A name normalized as PEP 503 says: lowercase, runs of `-`, `_`, `.` as
/// one `-` (package names, and PEP 735 group and PEP 685 extra names).
pub(crate) fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_run = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_run {
                out.push('-');
            }
            in_run = true;
        } else {
            out.push(c.to_ascii_lowercase());
            in_run = false;
        }
    }
    out
}

/// The name and version specifiers (`>=1, <2`, empty for none or a URL)
/// of a requirement, or `None` when it is not one (or not ASCII).
pub(crate) fn name_and_specifiers(text: &str) -> Option<(String, String)> {
    if !text.is_ascii() {
        return None;
    }
    let req = parse_ascii_requirement(text).ok()?;
    let specifiers = match &req.version_or_url {
        Some(pep508_rs::VersionOrUrl::VersionSpecifier(s)) => s.to_string(),
        _ => String::new(),
    };
    Some((req.name.to_string(), specifiers))
}

/// A requirement as `penv add` writes it: its PEP 503 name, its
/// normalized text, and whether it says which versions (a specifier or a URL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Parsed {
    /// The normalized name (`Typing_Extensions` → `typing-extensions`).
    pub(crate) name: String,
    /// The requirement, normalized (`Rich == 13.*` → `rich==13.*`).
    pub(crate) text: String,
    /// Whether it has a version specifier or a URL.
    pub(crate) versioned: bool,
}

/// What `penv add NEW` (a requirement with no version) makes of an entry
/// `old` for the same package: `old`'s versions (or URL), with the extras
/// of both and `new`'s marker when it has one (`requests>=2.30` and
/// `requests[socks]` give `requests[socks]>=2.30`), normalized. `None`
/// when either is not an ASCII requirement (the entry is then left).
pub(crate) fn merged(old: &str, new: &str) -> Option<String> {
    if !old.is_ascii() || !new.is_ascii() {
        return None;
    }
    let old = parse_ascii_requirement(old).ok()?;
    let mut out = parse_ascii_requirement(new).ok()?;
    let mut extras = old.extras.clone();
    extras.extend(
        out.extras
            .iter()
            .filter(|e| !old.extras.contains(e))
            .cloned(),
    );
    out.extras = extras;
    out.version_or_url = old.version_or_url;
    if out.marker.is_true() {
        out.marker = old.marker;
    }
    Some(out.to_string())
}

/// Parses a requirement for editing; the reason it is not one otherwise.
pub(crate) fn parse(text: &str) -> Result<Parsed, String> {
    let normalized = normalize_requirement(text)?;
    if !text.is_ascii() {
        // Non-ASCII is legal only in a URL or a marker string: name it from
        // the ASCII stand-in; a URL is a version.
        let ascii: String = text
            .chars()
            .map(|c| if c.is_ascii() { c } else { '~' })
            .collect();
        let req = parse_ascii_requirement(&ascii)?;
        return Ok(Parsed {
            name: req.name.to_string(),
            text: normalized,
            versioned: req.version_or_url.is_some(),
        });
    }
    let req = parse_ascii_requirement(text)?;
    Ok(Parsed {
        name: req.name.to_string(),
        versioned: req.version_or_url.is_some(),
        text: normalized,
    })
}

/// `text` when it is a package name as PEP 508 spells one (`rich`,
/// `typing_extensions`, `zope.interface`); else why not — an empty name
/// included.
pub(crate) fn check_name(text: &str) -> Result<String, String> {
    if text.trim().is_empty() {
        return Err("a package name cannot be empty".to_owned());
    }
    pep508_rs::PackageName::from_str(text)
        .map(|_| text.to_owned())
        .map_err(|e| format!("`{text}` is not a package name: {e}"))
}

/// The PEP 503 name a requirement string names (`None` when it is not one).
pub(crate) fn package_name(text: &str) -> Option<String> {
    parse(text).ok().map(|p| p.name)
}

/// `requirement` (which has no version) with `>=version` added, keeping
/// its extras and markers: `rich[jupyter]; python_version > "3.8"` and
/// `13.9` give `rich[jupyter]>=13.9; python_version > "3.8"`.
pub(crate) fn with_lower_bound(requirement: &str, version: &str) -> Result<String, String> {
    use pep508_rs::pep440_rs::VersionSpecifiers;
    let mut req = parse_ascii_requirement(requirement)?;
    let specifiers = VersionSpecifiers::from_str(&format!(">={version}"))
        .map_err(|e| format!("`>={version}` is not a version specifier: {e}"))?;
    req.version_or_url = Some(pep508_rs::VersionOrUrl::VersionSpecifier(specifiers));
    Ok(req.to_string())
}

/// A requirement parsed whole (name, extras, version or URL, marker) for
/// reading it, as an installed distribution's `Requires-Dist` is: only
/// ASCII text reaches the parser, whose panics are kept out as for [`parse`].
pub(crate) fn parse_whole(
    text: &str,
) -> Result<pep508_rs::Requirement<pep508_rs::VerbatimUrl>, String> {
    if !text.is_ascii() {
        return Err("it holds non-ASCII text".to_owned());
    }
    parse_ascii_requirement(text)
}

fn parse_ascii_requirement(
    text: &str,
) -> Result<pep508_rs::Requirement<pep508_rs::VerbatimUrl>, String> {
    let trimmed = text.trim_start();
    let name_len = trimmed
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
        .unwrap_or(trimmed.len());
    let name = &trimmed[..name_len];
    if let Some(last) = name.chars().last()
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && !last.is_ascii_alphanumeric()
    {
        return Err(format!(
            "a package name must end with a letter or digit, not `{last}` (`{name}`)"
        ));
    }
    // `pep508_rs` parses parenthesised markers recursively, a stack frame
    // or more per `(`: a line of 100,000 of them overflowed penv's stack,
    // an abort that no `catch_unwind` contains. Real markers nest two or three.
    if paren_depth(text) > MAX_PAREN_DEPTH {
        return Err(format!(
            "parentheses nested more than {MAX_PAREN_DEPTH} deep"
        ));
    }
    parse_contained(text)
}

/// The deepest nesting of parentheses a requirement may have.
const MAX_PAREN_DEPTH: usize = 32;

/// How deep parentheses nest in `text`, outside quoted strings (an
/// unclosed `(` counts: the parser recurses into it all the same).
fn paren_depth(text: &str) -> usize {
    let (mut depth, mut deepest, mut quote) = (0usize, 0, None);
    for c in text.chars() {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            (None, ')') => depth = depth.saturating_sub(1),
            // Inside a string, or any other character.
            _ => {}
        }
    }
    deepest
}

/// `pep508_rs` 0.9.2 panics on some malformed input instead of returning an
/// error: `just fuzz` found three kinds (a name or an extra ending in `-`,
/// non-ASCII text). The known ones are answered before it is called; any
/// other panic inside it is contained here and reported as an invalid
/// requirement, with the panic hook silent for that one call only. This
/// relies on `panic = "unwind"` (see `[profile.release]` in Cargo.toml).
fn parse_contained(text: &str) -> Result<pep508_rs::Requirement<pep508_rs::VerbatimUrl>, String> {
    use std::cell::Cell;
    thread_local! {
        static CONTAINING: Cell<bool> = const { Cell::new(false) };
    }
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !CONTAINING.with(Cell::get) {
                previous(info);
            }
        }));
    });
    CONTAINING.with(|c| c.set(true));
    let result = std::panic::catch_unwind(|| {
        pep508_rs::Requirement::<pep508_rs::VerbatimUrl>::from_str(text)
    });
    CONTAINING.with(|c| c.set(false));
    match result {
        Ok(parsed) => parsed.map_err(|e| e.message.to_string()),
        Err(_) => Err(
            "not a PEP 508 requirement (a name, extra or version in it is malformed)".to_owned(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deeply_nested_markers_are_refused_before_the_parser_overflows_its_stack() {
        let nested = |n: usize| {
            format!(
                "rich; {}python_version > \"3\"{}",
                "(".repeat(n),
                ")".repeat(n)
            )
        };
        assert!(normalize_requirement(&nested(MAX_PAREN_DEPTH)).is_ok());
        for text in [
            nested(MAX_PAREN_DEPTH + 1),
            nested(100_000),
            format!("rich; {}", "(".repeat(100_000)),
            format!("rich; {}", "(".repeat(100_000)).replace("rich", "ric\u{e9}"),
        ] {
            let err = normalize_requirement(&text).unwrap_err();
            assert_eq!(err, "parentheses nested more than 32 deep");
        }
        // Quoted parentheses are a string's characters, not nesting.
        let quoted = format!("rich; platform_release == '{}'", "(".repeat(100));
        assert!(normalize_requirement(&quoted).is_ok());
        assert_eq!(paren_depth("a (>=1) ; (b == 'x(' or (c))"), 2);
    }

    #[test]
    fn bad_names_are_errors_not_panics() {
        for text in ["foo->=1", "foo.>=1", "foo_ ==1", "a-b-[x]"] {
            let err = normalize_requirement(text).unwrap_err();
            assert!(
                err.contains("must end with a letter or digit"),
                "{text}: {err}"
            );
        }
        for text in [
            "foo-bar>=1",
            "a",
            "rich[jupyter]==13.*",
            "x @ https://e.com/x.whl",
        ] {
            assert!(normalize_requirement(text).is_ok(), "{text}");
        }
        assert!(normalize_requirement("-r x.txt").is_err());
        assert!(normalize_requirement("").is_err());
        // Non-ASCII: no panic; legal in URLs and marker strings, kept as written.
        assert_eq!(
            normalize_requirement("pkg @ file:///home/jos\u{e9}/pkg.whl ").as_deref(),
            Ok("pkg @ file:///home/jos\u{e9}/pkg.whl")
        );
        assert!(normalize_requirement("pkg ; python_version >= '\u{e9}\u{e9}\u{e9}'").is_ok());
        assert!(normalize_requirement("pkg ; python_version >= '\u{e9}\u{e9}").is_err());
        assert!(normalize_requirement("f\u{e9}o>=1").is_err());
        assert!(normalize_requirement("foo>=1.\u{e9}").is_err());
        // Relative `file:` URLs are not PEP 508: refused, not made absolute.
        for text in [
            "pkg @ file:./wheels/x.whl",
            "pkg @ FILE:wheels/x.whl ; python_version > '3'",
            "pkg[extra] @ file:../x-1.0-py3-none-any.whl",
        ] {
            let err = normalize_requirement(text).unwrap_err();
            assert!(err.contains("relative `file:` URL"), "{text}: {err}");
        }
        assert!(
            normalize_requirement("pkg @ file:./wheels/x.whl")
                .unwrap_err()
                .contains("`file:///wheels/x.whl`")
        );
        assert_eq!(relative_file_url("pkg @ file:///abs/x.whl"), None);
        assert_eq!(relative_file_url("pkg ; extra == 'a@file:x'"), None);
        assert!(normalize_requirement("pkg @ file:///abs/x.whl").is_ok());
        // An extra ending in `-` panics inside pep508_rs: contained.
        let err = normalize_requirement("pkg[extra-1-]>=1").unwrap_err();
        assert!(err.contains("malformed"), "{err}");
    }
}
