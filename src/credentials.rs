//! Index credentials in `[pip]` URLs: what is hashed, stored and shown, and
//! what pip is given.
//!
//! Invariant: a secret written in a URL's userinfo (`https://alice:TOKEN@host`)
//! or held in an environment variable never reaches the spec hash, the state
//! file or penv's output. The spec keeps each URL as written with its
//! userinfo redacted (`https://alice:***@host/…`, `https://***@host/…` for a
//! token alone), so rotating a token does not rebuild an env or change
//! `penv hash`. `${NAME}` references (pip's syntax for requirement files,
//! `NAME` of `[A-Z0-9_]+`) are not secrets: they stay in the spec as
//! written and are expanded from the environment only when pip is called.
//! Text penv echoes from pip goes through [`Redactor`] first.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What a redacted secret is replaced with.
pub(crate) const MASK: &str = "***";

/// `url` with the secret part of its userinfo replaced by [`MASK`]:
/// `user:pass@` → `user:***@`, a lone `token@` → `***@` (it may be a token:
/// pip redacts it too). A part made only of `${NAME}` references is kept.
/// Text without `://` (a local path) is returned as it is.
pub(crate) fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest_start = scheme_end + 3;
    let rest = &url[rest_start..];
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_len];
    let Some(at) = authority.rfind('@') else {
        return url.to_owned();
    };
    let userinfo = &authority[..at];
    let redacted = match userinfo.split_once(':') {
        // `user:pass`: the user name is not the secret.
        Some((user, password)) => {
            let password = if password.is_empty() || only_var_refs(password) {
                password
            } else {
                MASK
            };
            format!("{user}:{password}")
        }
        None if userinfo.is_empty() || only_var_refs(userinfo) => userinfo.to_owned(),
        None => MASK.to_owned(),
    };
    format!(
        "{}{redacted}{}",
        &url[..rest_start],
        &url[rest_start + at..]
    )
}

/// Every URL in `text` (a line of pip's output, an error message) redacted
/// as [`redact_url`] does.
pub(crate) fn redact_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("://") {
        // The URL runs to the next whitespace or quote.
        let end = rest[pos..]
            .find(|c: char| c.is_whitespace() || matches!(c, '\'' | '"' | '<' | '>' | '`'))
            .map_or(rest.len(), |i| pos + i);
        // Its scheme is the run of scheme characters before `://`.
        let start = rest[..pos]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
            .map_or(0, |i| i + 1);
        out.push_str(&rest[..start]);
        out.push_str(&redact_url(&rest[start..end]));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn only_var_refs(text: &str) -> bool {
    let mut rest = text;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        match var_ref_at(rest) {
            Some((_, len)) => rest = &rest[len..],
            None => return false,
        }
    }
    true
}

/// `${NAME}` at the start of `text`: the name and the reference's length.
fn var_ref_at(text: &str) -> Option<(&str, usize)> {
    let inner = text.strip_prefix("${")?;
    let close = inner.find('}')?;
    let name = &inner[..close];
    (!name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'))
    .then_some((name, close + 3))
}

/// The names of the `${NAME}` references in `text`, in order.
pub(crate) fn var_names(text: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(pos) = rest.find("${") {
        if let Some((name, len)) = var_ref_at(&rest[pos..]) {
            names.push(name);
            rest = &rest[pos + len..];
        } else {
            rest = &rest[pos + 2..];
        }
    }
    names
}

/// `text` with each `${NAME}` replaced by `lookup(NAME)`, as pip expands
/// requirement files; anything else (`$NAME`, `${lower}`) is left as it is.
/// `Err(NAME)` for the first variable `lookup` does not know.
pub(crate) fn expand<'v>(
    text: &str,
    lookup: impl Fn(&str) -> Option<&'v str>,
) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("${") {
        out.push_str(&rest[..pos]);
        if let Some((name, len)) = var_ref_at(&rest[pos..]) {
            out.push_str(lookup(name).ok_or_else(|| name.to_owned())?);
            rest = &rest[pos + len..];
        } else {
            out.push_str("${");
            rest = &rest[pos + 2..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// Cleans text penv shows that may hold what pip was given: every URL's
/// userinfo redacted, and the value of each variable penv expanded shown as
/// its `${NAME}` again (a token can sit in a URL's path, too).
#[derive(Default, Clone)]
pub struct Redactor {
    /// (value, what to show instead), longest value first.
    values: Vec<(String, String)>,
}

/// Values shorter than this are not masked: they would mask ordinary words
/// (`1`, `on`), and are no credentials.
const MIN_MASKED_LEN: usize = 4;

impl Redactor {
    /// Remembers that `${name}` was expanded to `value`.
    pub(crate) fn add_variable(&mut self, name: &str, value: &str) {
        self.add(value, format!("${{{name}}}"));
    }

    /// Remembers a secret written literally (shown as [`MASK`]).
    pub(crate) fn add_secret(&mut self, value: &str) {
        self.add(value, MASK.to_owned());
    }

    fn add(&mut self, value: &str, shown: String) {
        if value.len() >= MIN_MASKED_LEN && !self.values.iter().any(|(v, _)| v == value) {
            self.values.push((value.to_owned(), shown));
            self.values.sort_by_key(|(v, _)| std::cmp::Reverse(v.len()));
        }
    }

    /// `text`, safe to show.
    pub(crate) fn redact(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for (value, name) in &self.values {
            if text.contains(value.as_str()) {
                text = text.replace(value.as_str(), name);
            }
        }
        redact_text(&text)
    }
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field(
                "names",
                &self.values.iter().map(|(_, n)| n).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// A `[pip]` URL (or `find-links` location). It serializes, compares,
/// prints and dereferences as its redacted form; the text as written (and,
/// once [`PipUrl::expanded`] made it, the text with `${NAME}` expanded) is
/// only ever handed to pip, through [`PipUrl::for_pip`].
#[derive(Clone)]
pub struct PipUrl {
    shown: String,
    written: String,
    expanded: Option<String>,
}

impl PipUrl {
    /// A URL as written in the project file.
    pub(crate) fn new(written: impl Into<String>) -> Self {
        let written = written.into();
        Self {
            shown: redact_url(&written),
            written,
            expanded: None,
        }
    }

    /// What pip gets: the text as written, with `${NAME}` expanded when
    /// [`PipUrl::expanded`] made this value.
    pub(crate) fn for_pip(&self) -> &str {
        self.expanded.as_deref().unwrap_or(&self.written)
    }

    /// This URL with its `${NAME}` references expanded by `lookup`, each
    /// expansion recorded in `redactor`; `Err(NAME)` for an unknown variable.
    pub(crate) fn expanded<'a>(
        &self,
        lookup: impl Fn(&str) -> Option<&'a str>,
        redactor: &mut Redactor,
    ) -> Result<Self, String> {
        for name in var_names(&self.written) {
            if let Some(value) = lookup(name) {
                redactor.add_variable(name, value);
            }
        }
        let expanded = expand(&self.written, &lookup)?;
        // A literal secret in the userinfo is masked in pip's output as well.
        if let Some(secret) = userinfo_secret(&self.written).filter(|s| !only_var_refs(s)) {
            redactor.add_secret(secret);
        }
        Ok(Self {
            expanded: Some(expanded),
            ..self.clone()
        })
    }
}

/// The secret part of a URL's userinfo (the password, or a lone token).
fn userinfo_secret(url: &str) -> Option<&str> {
    let rest = &url[url.find("://")? + 3..];
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let userinfo = &authority[..authority.rfind('@')?];
    let secret = userinfo.split_once(':').map_or(userinfo, |(_, p)| p);
    (!secret.is_empty()).then_some(secret)
}

impl std::ops::Deref for PipUrl {
    type Target = str;
    fn deref(&self) -> &str {
        &self.shown
    }
}

impl PartialEq for PipUrl {
    fn eq(&self, other: &Self) -> bool {
        self.shown == other.shown
    }
}

impl Eq for PipUrl {}

impl fmt::Debug for PipUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.shown, f)
    }
}

impl fmt::Display for PipUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

impl Serialize for PipUrl {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.shown)
    }
}

impl<'de> Deserialize<'de> for PipUrl {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // A recorded spec holds the redacted form already.
        String::deserialize(deserializer).map(Self::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_is_redacted_and_the_rest_kept() {
        assert_eq!(
            redact_url("https://alice:TOKEN@host/simple"),
            "https://alice:***@host/simple"
        );
        assert_eq!(redact_url("https://TOKEN@host"), "https://***@host");
        assert_eq!(
            redact_url("https://__token__:pypi-AgEI@host:8443/a/b?x=1"),
            "https://__token__:***@host:8443/a/b?x=1"
        );
        // The last `@` of the authority ends the userinfo; one in the path is not userinfo.
        assert_eq!(
            redact_url("https://a:p@ss@host/x@y"),
            "https://a:***@host/x@y"
        );
        assert_eq!(redact_url("https://host/x@y"), "https://host/x@y");
        for unchanged in [
            "https://pypi.org/simple",
            "./wheels",
            "/abs/wheels",
            "file:///a%20b",
            "https://alice:@host/",
            "https://${USER}:${TOKEN}@host/simple",
            "https://${TOKEN}@host/simple",
            "https://alice:${TOKEN}@host/simple",
        ] {
            assert_eq!(redact_url(unchanged), unchanged);
        }
        // Part literal, part variable: the literal part may be a secret.
        assert_eq!(
            redact_url("https://alice:x${TOKEN}@host"),
            "https://alice:***@host"
        );
    }

    #[test]
    fn urls_inside_text_are_redacted() {
        assert_eq!(
            redact_text("Looking in indexes: https://alice:s3cret@h/simple, http://t0k@x/y\n"),
            "Looking in indexes: https://alice:***@h/simple, http://***@x/y\n"
        );
        assert_eq!(
            redact_text("ERROR: 401 for url 'https://a:b@h/p/'"),
            "ERROR: 401 for url 'https://a:***@h/p/'"
        );
        assert_eq!(redact_text("no urls here"), "no urls here");
    }

    #[test]
    fn variables_expand_as_pip_expands_them() {
        let lookup = |name: &str| match name {
            "TOKEN" => Some("s3cret"),
            "HOST_1" => Some("h"),
            _ => None,
        };
        assert_eq!(
            expand("https://u:${TOKEN}@${HOST_1}/simple", lookup).as_deref(),
            Ok("https://u:s3cret@h/simple")
        );
        // Only `${[A-Z0-9_]+}`; the rest stays literal.
        assert_eq!(
            expand("$TOKEN ${token} ${} ${TOKEN", lookup).as_deref(),
            Ok("$TOKEN ${token} ${} ${TOKEN")
        );
        assert_eq!(expand("${MISSING}/x", lookup), Err("MISSING".to_owned()));
        assert_eq!(var_names("${A}${b}${C_2}"), vec!["A", "C_2"]);
    }

    #[test]
    fn a_pip_url_shows_hashes_and_compares_redacted_but_gives_pip_the_real_text() {
        let url = PipUrl::new("https://alice:OLD@host/simple");
        assert_eq!(&*url, "https://alice:***@host/simple");
        assert_eq!(url.to_string(), "https://alice:***@host/simple");
        assert_eq!(format!("{url:?}"), "\"https://alice:***@host/simple\"");
        assert_eq!(url.for_pip(), "https://alice:OLD@host/simple");
        assert_eq!(
            serde_json::to_string(&url).unwrap(),
            "\"https://alice:***@host/simple\""
        );
        assert_eq!(url, PipUrl::new("https://alice:NEW@host/simple"));
        assert_ne!(url, PipUrl::new("https://bob:OLD@host/simple"));

        let mut redactor = Redactor::default();
        let with_vars = PipUrl::new("https://alice:${TOKEN}@host/${ORG}/simple");
        let lookup = |n: &str| match n {
            "TOKEN" => Some("t0ken-value"),
            "ORG" => Some("acme-org"),
            _ => None,
        };
        let expanded = with_vars.expanded(lookup, &mut redactor).unwrap();
        assert_eq!(
            expanded.for_pip(),
            "https://alice:t0ken-value@host/acme-org/simple"
        );
        assert_eq!(expanded, with_vars, "expansion does not change the spec");
        assert_eq!(
            redactor.redact("GET https://alice:t0ken-value@host/acme-org/simple/x/ 401"),
            "GET https://alice:${TOKEN}@host/${ORG}/simple/x/ 401"
        );
        assert_eq!(
            with_vars.expanded(|_| None, &mut Redactor::default()),
            Err("TOKEN".to_owned())
        );
        // A literal password is masked wherever pip might echo it.
        let mut redactor = Redactor::default();
        PipUrl::new("https://alice:hunter22@host/simple")
            .expanded(|_| None, &mut redactor)
            .unwrap();
        assert_eq!(redactor.redact("bad password hunter22"), "bad password ***");
    }
}
