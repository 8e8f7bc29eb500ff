//! Index credentials and locked URLs. A lock is committed, so it never
//! records a URL's userinfo: what pip resolved from
//! `https://alice:TOKEN@host/simple` is locked as `https://host/…`. At
//! install time, a locked URL on the host of a `[pip]` index or
//! `find-links` URL that carries credentials is given that URL's userinfo,
//! so pip sends the same credentials it sends for the index itself.
//!
//! Invariant: only the userinfo moves, only onto a URL of the same scheme,
//! host and port, and only onto one that has none of its own; the first
//! matching source wins (`index-url`, then `extra-index-urls`, then
//! `find-links`, in order). The rewritten URL goes to pip only.

/// A URL's parts around its authority: `scheme://`, the userinfo (without
/// its `@`), `host[:port]`, and the rest (`/path?query#fragment`).
struct Parts<'a> {
    scheme: &'a str,
    userinfo: Option<&'a str>,
    host: &'a str,
    rest: &'a str,
}

fn parts(url: &str) -> Option<Parts<'_>> {
    let scheme_end = url.find("://")?;
    let after = &url[scheme_end + 3..];
    let authority_len = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (authority, rest) = after.split_at(authority_len);
    let (userinfo, host) = match authority.rfind('@') {
        Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
        None => (None, authority),
    };
    Some(Parts {
        scheme: &url[..scheme_end],
        userinfo,
        host,
        rest,
    })
}

/// `host[:port]` lowercased, without the scheme's default port, for comparing.
fn origin(scheme: &str, host: &str) -> String {
    let scheme = scheme.to_ascii_lowercase();
    let scheme = scheme.rsplit('+').next().unwrap_or(&scheme).to_owned();
    let host = host.to_ascii_lowercase();
    let host = match (scheme.as_str(), host.rsplit_once(':')) {
        ("https", Some((h, "443"))) | ("http", Some((h, "80"))) => h.to_owned(),
        _ => host,
    };
    format!("{scheme}://{host}")
}

/// Whether the file at `url` can be one the index `index` serves: on the
/// index's own scheme, host and port, or for `PyPI` (`https://pypi.org/simple`)
/// on `files.pythonhosted.org`, where `PyPI` keeps its files. A lock names a
/// file's index only then, and installs it by name from that index only
/// then (`spec::locked::registry`): a file pip took from another source
/// (an `--extra-index-url` in a requirement file, a `pip.conf`) is never
/// sought by name where it is not.
pub(crate) fn index_serves(index: &str, url: &str) -> bool {
    let (Some(i), Some(u)) = (parts(index), parts(url)) else {
        return false;
    };
    let (index, file) = (origin(i.scheme, i.host), origin(u.scheme, u.host));
    if index == "https://pypi.org" {
        return file == "https://files.pythonhosted.org" || file == index;
    }
    index == file
}

/// `url` without its userinfo, as a lock records it. A bare `git@` (the
/// user of an SSH checkout, no password) is kept, as PEP 610 allows: it is
/// not a secret, and the checkout needs it.
pub(crate) fn without_userinfo(url: &str) -> String {
    let Some(p) = parts(url) else {
        return url.to_owned();
    };
    match p.userinfo {
        None | Some("git") => url.to_owned(),
        Some(_) => format!("{}://{}{}", p.scheme, p.host, p.rest),
    }
}

/// `url` with the userinfo of the first of `sources` (the `[pip]` URLs as
/// pip gets them, `${NAME}` expanded) on its scheme, host and port, when
/// `url` has none of its own; `None` when nothing is to be added.
pub(crate) fn with_credentials<'a>(
    url: &str,
    sources: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let target = parts(url)?;
    if target.userinfo.is_some() {
        return None;
    }
    let wanted = origin(target.scheme, target.host);
    let userinfo = sources.into_iter().find_map(|source| {
        let source = parts(source)?;
        let userinfo = source.userinfo.filter(|u| !u.is_empty())?;
        (origin(source.scheme, source.host) == wanted).then_some(userinfo)
    })?;
    Some(format!(
        "{}://{userinfo}@{}{}",
        target.scheme, target.host, target.rest
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_index_serves_files_on_its_own_origin_and_pypi_on_pythonhosted() {
        let pypi = "https://pypi.org/simple";
        assert!(index_serves(
            pypi,
            "https://files.pythonhosted.org/packages/a.whl"
        ));
        assert!(!index_serves(pypi, "https://mirror.example/packages/a.whl"));
        let private = "https://pkgs.example:443/simple/";
        assert!(index_serves(private, "https://PKGS.example/files/a.whl"));
        assert!(!index_serves(private, "http://pkgs.example/files/a.whl"));
        assert!(!index_serves(
            private,
            "https://pkgs.example:8443/files/a.whl"
        ));
        assert!(!index_serves(
            private,
            "https://files.pythonhosted.org/a.whl"
        ));
        assert!(!index_serves("not a url", "https://pkgs.example/a.whl"));
    }

    #[test]
    fn a_lock_keeps_no_userinfo_but_the_git_user() {
        assert_eq!(
            without_userinfo("https://alice:s3cret@host:8443/f/x-1.whl#sha256=00"),
            "https://host:8443/f/x-1.whl#sha256=00"
        );
        assert_eq!(
            without_userinfo("https://TOKEN@host/x.whl"),
            "https://host/x.whl"
        );
        assert_eq!(
            without_userinfo("https://a:p@ss@host/x@y"),
            "https://host/x@y",
            "the last `@` of the authority ends the userinfo"
        );
        for kept in [
            "ssh://git@github.com/o/r.git",
            "https://host/x@y",
            "file:///w/x.whl",
            "./wheels/x.whl",
        ] {
            assert_eq!(without_userinfo(kept), kept);
        }
    }

    #[test]
    fn a_locked_url_gets_the_credentials_of_an_index_on_its_host() {
        let sources = [
            "https://pypi.org/simple",
            "https://alice:t0k@Host.Example/simple",
            "https://bob:other@host.example/extra/simple",
            "https://carol:x@files.example:8443/simple",
        ];
        // Another path on the index's host: pip's own files often live there.
        assert_eq!(
            with_credentials("https://host.example/packages/x-1.whl", sources).as_deref(),
            Some("https://alice:t0k@host.example/packages/x-1.whl"),
            "the first matching source wins"
        );
        assert_eq!(
            with_credentials("https://host.example:443/x.whl", sources).as_deref(),
            Some("https://alice:t0k@host.example:443/x.whl"),
            "the default port is the same origin"
        );
        assert_eq!(
            with_credentials("https://files.example:8443/x.whl", sources).as_deref(),
            Some("https://carol:x@files.example:8443/x.whl")
        );
        for untouched in [
            "https://files.example/x.whl",       // another port
            "http://host.example/x.whl",         // another scheme
            "https://pypi.org/x.whl",            // an index without credentials
            "https://dave:mine@host.example/x",  // credentials of its own
            "https://evil.example/host.example", // the host only in the path
            "file:///w/x.whl",
            "/w/x.whl",
        ] {
            assert_eq!(with_credentials(untouched, sources), None, "{untouched}");
        }
    }
}
