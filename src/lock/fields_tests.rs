use super::*;

#[test]
fn names_are_pep_508_names_rendered_normalized() {
    assert_eq!(name("Foo_Bar.baz").unwrap().to_string(), "foo-bar-baz");
    assert_eq!(name("six").unwrap().to_string(), "six");
    for hostile in [
        "six ; sys_platform == 'nope' #",
        "six\n--no-index\nevil",
        "six @ file:///tmp/evil/six-1.16.0-py3-none-any.whl --hash=sha256:00 #",
        "six==1.0",
        "six[extra]",
        "-r",
        "--index-url",
        "six ",
        "_six",
        "six-",
        "s\u{1b}[31mix",
        "sïx",
    ] {
        let err = name(hostile).unwrap_err();
        assert!(
            err.contains("not a PEP 508 package name"),
            "{hostile:?}: {err}"
        );
        assert!(!err.contains('\n'), "shown escaped: {err}");
    }
    assert_eq!(name("").unwrap_err(), "is empty");
}

#[test]
fn versions_are_pep_440() {
    assert_eq!(version("1.0").unwrap(), version("1.0.0").unwrap());
    for bad in [
        "",
        "1.0 ",
        "1.0\n--no-index",
        "latest",
        "1.0; x",
        &"1".repeat(200),
    ] {
        assert!(version(bad).is_err(), "{bad:?}");
    }
    assert!(specifiers(">=3.9, <4").is_ok());
    assert!(specifiers("garbage").is_err());
    assert!(specifiers(">=3.9\n--no-index").is_err());
}

#[test]
fn urls_are_one_token_of_an_allowed_scheme_without_fragment_or_credentials() {
    let ok = |text: &str| url(text, FILE_SCHEMES).unwrap().to_string();
    assert_eq!(
        ok("https://files.example/packages/six-1.16.0-py3-none-any.whl"),
        "https://files.example/packages/six-1.16.0-py3-none-any.whl"
    );
    assert_eq!(ok("https://h/x.whl?sig=abc"), "https://h/x.whl?sig=abc");
    assert_eq!(ok("file:///w/x%20y.whl"), "file:///w/x%20y.whl");
    let refused = |text: &str, says: &str| {
        let err = url(text, FILE_SCHEMES).unwrap_err();
        assert!(err.contains(says), "{text:?}: {err}");
    };
    refused("https://h/x.whl\n--index-url https://evil", "a newline");
    refused("https://h/x.whl --hash=sha256:00", "a space");
    refused("https://h/x\u{7f}.whl", "control character");
    refused("https://h/x\u{a0}.whl", "whitespace");
    refused("https://h/${AWS_SECRET}.whl", "`{`");
    refused("https://h/a\\b.whl", "`\\`");
    refused("https://h/x.whl#egg=evil", "fragment");
    refused("https://h/x.whl#sha256=00", "fragment");
    refused("https://h/x.whl#", "fragment");
    refused("https://pypi.org@evil.example/six.whl", "credentials");
    refused("https://u:p@h/x.whl", "credentials");
    refused(
        "ftp://h/x.whl",
        "the scheme `ftp`; penv installs from `https`, `http` and `file` URLs only",
    );
    refused("javascript:alert(1)", "the scheme `javascript`");
    refused("wheels/x.whl", "not a URL");
    refused("-r", "not a URL");
    refused("file://evilhost/share/x.whl", "names a host");
    refused("file:///w/x.whl?x", "query");
    assert!(url("file://localhost/w/x.whl", FILE_SCHEMES).is_ok());
    // A checkout over SSH keeps its bare `git@`; nothing else does.
    let git = vcs_schemes("git");
    assert!(url("ssh://git@github.com/o/r.git", git).is_ok());
    assert!(url("ssh://git:pw@github.com/o/r.git", git).is_err());
    assert!(url("ext::sh -c evil", git).is_err());
    assert!(url("git://h/r", git).is_ok());
    assert!(url("git://h/r", vcs_schemes("hg")).is_err());
}

#[test]
fn direct_urls_keep_only_penvs_own_subdirectory_fragment() {
    for ok in [
        "git+https://g/o/r@0123456789abcdef0123456789abcdef01234567#subdirectory=py/pkg",
        "git+file://localhost/repos/r@0123456789abcdef0123456789abcdef01234567",
        "https://h/a-1.tar.gz#subdirectory=sub",
        "file:///w/a-1.tar.gz",
    ] {
        assert_eq!(direct_url(ok).as_deref(), Ok(ok));
    }
    for bad in [
        "git+https://g/r@c#egg=evil",
        "git+https://g/r@c#subdirectory=../..",
        "git+ext::sh -c evil",
        "git+ftp://g/r@c",
        "https://h/a.tar.gz#subdirectory=a&egg=b",
        "https://h/a.tar.gz --no-index",
    ] {
        assert!(direct_url(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn hashes_pip_checks_are_digests_of_the_right_length_rendered_lowercase() {
    let hex = "ab".repeat(32);
    assert_eq!(hash("sha256", &hex), Ok(Some(format!("sha256:{hex}"))));
    assert_eq!(
        hash("sha256", &hex.to_uppercase()),
        Ok(Some(format!("sha256:{hex}"))),
        "parsed to bytes, rendered lowercase"
    );
    assert!(hash("sha384", &"0".repeat(96)).unwrap().is_some());
    assert!(hash("sha512", &"0".repeat(128)).unwrap().is_some());
    for bad in [
        "ab",
        &format!("{hex}0"),
        &format!("{}\n-r /etc/passwd", &hex[..60]),
        &format!("{}zz", &hex[..62]),
        &format!("{} #", &hex[..62]),
    ] {
        let err = hash("sha256", bad).unwrap_err();
        assert!(err.contains("64 hex digits"), "{bad:?}: {err}");
    }
    // An algorithm pip does not check is not given to pip, nor judged.
    assert_eq!(hash("md5", "whatever"), Ok(None));
    assert_eq!(hash("SHA256", &hex), Ok(None));
}

#[test]
fn commits_are_full_hashes_or_revision_numbers() {
    let full = "0123456789abcdef0123456789abcdef01234567";
    assert_eq!(commit("git", full).as_deref(), Ok(full));
    assert_eq!(commit("git", &full.to_uppercase()).as_deref(), Ok(full));
    assert!(commit("git", &"a".repeat(64)).is_ok());
    assert!(commit("hg", full).is_ok());
    assert!(commit("svn", "1234").is_ok());
    for (kind, bad) in [
        ("git", "main"),
        ("git", "c0ffee"),
        ("git", "0123456789abcdef0123456789abcdef0123456z"),
        ("git", "v1.0@evil"),
        ("hg", &"a".repeat(64)),
        ("svn", "HEAD"),
        ("bzr", ""),
    ] {
        assert!(commit(kind, bad).is_err(), "{kind} {bad:?}");
    }
}

#[test]
fn subdirectories_are_plain_relative_paths() {
    assert_eq!(subdirectory("py/pkg/").as_deref(), Ok("py/pkg"));
    assert_eq!(subdirectory("my_pkg-2.0+x").as_deref(), Ok("my_pkg-2.0+x"));
    for bad in [
        "", "../..", "a/../b", "/abs", "a//b", ".", "a&egg=b", "a b", "a#b", "a\nb",
    ] {
        assert!(subdirectory(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn paths_are_nothing_pip_reads_as_more_than_a_path() {
    for ok in [
        "libs/pkg",
        "../shared",
        "/abs/with space/x.whl",
        "dist/devtool 3.0.tar.gz",
    ] {
        assert_eq!(path(ok), Ok(()), "{ok}");
    }
    for bad in [
        "",
        "pkg;sys_platform=='nope'",
        "pkg[extra]",
        "pkg#egg=x",
        " pkg",
        "pkg ",
        "pkg\n-e /evil",
        "pkg\tx",
    ] {
        assert!(path(bad).is_err(), "{bad:?}");
    }
    assert_eq!(
        dir_argument(Path::new("/p/libs/pkg")).as_deref(),
        Ok("/p/libs/pkg")
    );
    assert_eq!(
        dir_argument(Path::new("/p/[1]/pkg")).as_deref(),
        Ok("/p/[1]/pkg"),
        "brackets inside a path are no extras"
    );
    for bad in [
        "relative",
        "/p/pkg;python_version<'0'",
        "/p/pkg[x]",
        "/p/pkg ",
        "/p/a\nb",
    ] {
        assert!(dir_argument(Path::new(bad)).is_err(), "{bad:?}");
    }
}

#[test]
fn file_names_are_what_pip_calls_the_file() {
    let name = |text: &str| pip_file_name(&Url::parse(text).unwrap());
    assert_eq!(
        name("https://h/a/six-1.0-py3-none-any.whl?x=1"),
        "six-1.0-py3-none-any.whl"
    );
    assert_eq!(name("file:///w/devtool%203.0.tar.gz"), "devtool 3.0.tar.gz");
    assert_eq!(name("https://h/x/"), "x");
    // pip decodes the path, takes its last segment, and decodes again.
    assert_eq!(
        name("https://h/six-1.0-py3-none-any.whl%2Fevil-6.6-py3-none-any.whl"),
        "evil-6.6-py3-none-any.whl"
    );
    assert_eq!(
        path_file_name(
            Path::new("/lock"),
            "wheels/six-1.0-py3-none-any.whl/../evil-1.0.whl"
        )
        .as_deref(),
        Some("evil-1.0.whl")
    );
}

#[cfg(unix)]
#[test]
fn only_regular_files_are_read() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("x-1.0.tar.gz");
    std::fs::write(&file, b"x").unwrap();
    let link = tmp.path().join("zero-1.0.tar.gz");
    std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
    let fifo = tmp.path().join("fifo-1.0.tar.gz");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
    let url_of = |p: &Path| Url::from_file_path(p).unwrap();
    assert_eq!(regular_file(&url_of(&file)), Ok(()));
    assert_eq!(
        regular_file(&url_of(&tmp.path().join("missing"))),
        Ok(()),
        "pip says"
    );
    assert_eq!(regular_file(&Url::parse("https://h/x").unwrap()), Ok(()));
    for (path, says) in [
        (Path::new("/dev/zero"), "a device"),
        (link.as_path(), "a device"),
        (fifo.as_path(), "a FIFO"),
        (tmp.path(), "a directory"),
    ] {
        let err = regular_file(&url_of(path)).unwrap_err();
        assert!(err.contains(says), "{}: {err}", path.display());
    }
}

#[test]
fn shown_values_are_escaped_and_cut_short() {
    assert_eq!(shown("a\nb\u{1b}"), "a\\nb\\u{1b}");
    assert_eq!(shown("x == 'y' \"z\" \\"), "x == 'y' \"z\" \\\\");
    assert_eq!(shown("abc\u{202e}gpj.exe"), "abc\\u{202e}gpj.exe");
    let long = shown(&"x".repeat(500));
    assert!(long.ends_with('…') && long.chars().count() == 81, "{long}");
}
