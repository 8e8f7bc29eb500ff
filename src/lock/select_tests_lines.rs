//! Selection tests on what reaches pip: requirement lines rendered from
//! parsed values, directories and checkouts, unknown tags, extras.

use super::*;

#[test]
fn lock_text_that_would_add_pip_options_is_refused_when_read() {
    let hash = "a".repeat(64);
    let read = |body: &str| {
        let text = format!("lock-version = \"1.0\"\ncreated-by = \"x\"\n{body}");
        parse(&text, Path::new("pylock.toml")).map(|_| ())
    };
    let err = read(&format!(
        "[[packages]]\nname = \"x\"\nsdist = {{ url = \"https://x/x-1.tar.gz\\n--index-url https://evil\", hashes = {{ sha256 = \"{hash}\" }} }}\n"
    ))
    .unwrap_err();
    assert!(err.to_string().contains("a newline"), "{err}");
    let err = read(
        "[[packages]]\nname = \"x\"\nsdist = { url = \"https://x/x-1.tar.gz\", hashes = { sha256 = \"ab\\n-r /etc/passwd\" } }\n",
    )
    .unwrap_err();
    assert!(err.to_string().contains("64 hex digits"), "{err}");
    let ok = one_package(&format!(
        "[[packages]]\nname = \"x\"\nsdist = {{ url = \"https://x/x-1.tar.gz\", hashes = {{ sha256 = \"{}\" }} }}\n",
        hash.to_uppercase()
    ))
    .unwrap();
    assert_eq!(ok[0].hashes, [format!("sha256:{hash}")]);
}

/// What the selection records is checked again as pip's line is written:
/// a `Selected` that did not come from a checked lock is refused there.
#[test]
fn the_requirement_line_is_rendered_from_parsed_values() {
    let hash = format!("sha256:{}", "a".repeat(64));
    let selected = |name: &str, url: &str, hash: &str| Selected {
        name: name.to_owned(),
        version: None,
        url: url.to_owned(),
        hashes: vec![hash.to_owned()],
        by_name: false,
    };
    let (line, secret) = selected("Six_Pkg", "HTTPS://H/six_pkg-1.0.tar.gz", &hash)
        .requirement_line(|_| None)
        .unwrap();
    assert_eq!(
        line,
        format!("six-pkg @ https://h/six_pkg-1.0.tar.gz --hash={hash}")
    );
    assert!(!secret);
    for (name, url, hash, field) in [
        (
            "six ; sys_platform == 'nope' #",
            "https://h/six-1.tar.gz",
            hash.as_str(),
            "name",
        ),
        ("six\n--no-index", "https://h/six-1.tar.gz", &hash, "name"),
        (
            "six",
            "https://h/six-1.tar.gz --hash=sha256:00",
            &hash,
            "url",
        ),
        ("six", "https://h/six-1.tar.gz#egg=evil", &hash, "url"),
        (
            "six",
            "https://h/six-1.tar.gz",
            "sha256:00\n--no-index",
            "hashes",
        ),
        ("six", "https://h/six-1.tar.gz", "md5:00", "hashes"),
    ] {
        let err = selected(name, url, hash)
            .requirement_line(|_| None)
            .unwrap_err();
        assert!(
            matches!(&err, SelectError::Refused { field: f, .. } if f == field),
            "{err}"
        );
        assert!(!err.to_string().contains('\n'), "{err}");
    }
}

#[test]
fn directories_and_checkouts_are_chosen_apart_from_the_hashed_files() {
    let hash = "a".repeat(64);
    let chosen = one_package_chosen(
        &format!(
            "[[packages]]\nname = \"src\"\ndirectory = {{ path = \"src\", editable = true }}\n\
             [[packages]]\nname = \"dep\"\nversion = \"1\"\nsdist = {{ url = \"https://x/dep-1.tar.gz\", hashes = {{ sha256 = \"{hash}\" }} }}\n\
             [[packages]]\nname = \"from-git\"\nvcs = {{ type = \"git\", url = \"https://g/r\", commit-id = \"0123456789abcdef0123456789abcdef01234567\" }}\n"
        ),
        true,
    )
    .unwrap();
    assert_eq!(names(&chosen.files), ["dep"]);
    let unhashed: Vec<&str> = chosen.unhashed.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(unhashed, ["from-git", "src"]);
    assert_eq!(
        chosen.unhashed[1]
            .pip_args(Path::new("/"), |_| None)
            .unwrap(),
        ["-e", "/proj/src"]
    );
}

#[test]
fn unknown_tags_are_said_where_a_platform_wheel_is_passed_over() {
    let hash = "a".repeat(64);
    let native = format!(
        "[[packages]]\nname = \"native\"\nwheels = [{{ url = \"https://x/native-1-cp312-cp312-manylinux_2_17_x86_64.whl\", hashes = {{ sha256 = \"{hash}\" }} }}]\n"
    );
    let err = one_package_chosen(&native, false).unwrap_err();
    assert!(
        err.to_string().contains("could not ask this interpreter"),
        "{err}"
    );
    // With the interpreter's own tags, the same lock picks the wheel.
    assert_eq!(one_package_chosen(&native, true).unwrap().files.len(), 1);
    // An sdist beside it installs, and the package is named as passed over.
    let with_sdist = format!(
        "{native}sdist = {{ url = \"https://x/native-1.tar.gz\", hashes = {{ sha256 = \"{hash}\" }} }}\n"
    );
    let chosen = one_package_chosen(&with_sdist, false).unwrap();
    assert_eq!(chosen.files[0].url, "https://x/native-1.tar.gz");
    assert_eq!(chosen.untagged, ["native"]);
    assert!(
        one_package_chosen(&with_sdist, true)
            .unwrap()
            .untagged
            .is_empty()
    );
    // A lock of pure wheels only passes nothing over.
    assert!(run_with("3.12.1", "linux", &[], true, false).is_ok_and(|c| c.untagged == ["native"]));
}

/// A lock's extras select as its groups do: `'async' in extras` only with
/// `--extra async` (any spelling) or `--all-extras`; an extra the lock does
/// not list is an error; what applied is recorded for the spec.
#[test]
fn extras_select_their_packages_only_when_asked_for() {
    let text = format!(
        "lock-version = \"1.0\"\ncreated-by = \"x\"\nextras = [\"async\", \"dotenv\"]\n{}{}",
        "[[packages]]\nname = \"base\"\nversion = \"1\"\nwheels = [{ url = \"https://x/base-1-py3-none-any.whl\", hashes = { sha256 = \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" } }]\n",
        "[[packages]]\nname = \"asgiref\"\nversion = \"3\"\nmarker = \"'async' in extras\"\nwheels = [{ url = \"https://x/asgiref-3-py3-none-any.whl\", hashes = { sha256 = \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\" } }]\n",
    );
    let lock = parse(&text, Path::new("pylock.toml")).unwrap();
    let m = markers("3.12.1", "linux");
    let tags = tags_for(true);
    let pick = |extras: &[&str], all_extras: bool| {
        let extras: Vec<String> = extras.iter().map(|e| (*e).to_owned()).collect();
        select(
            &lock,
            Path::new("/proj"),
            &Target {
                markers: &m,
                tags: &tags,
                tags_known: true,
                groups: &[],
                no_default_groups: false,
                extras: &extras,
                all_extras,
            },
        )
    };
    let none = pick(&[], false).unwrap();
    assert_eq!(names(&none.files), ["base"]);
    assert!(none.extras.is_empty());
    let with = pick(&["Async"], false).unwrap();
    assert_eq!(names(&with.files), ["asgiref", "base"]);
    assert_eq!(with.extras, ["async"]);
    let all = pick(&[], true).unwrap();
    assert_eq!(names(&all.files), ["asgiref", "base"]);
    assert_eq!(all.extras, ["async", "dotenv"]);
    let err = pick(&["trio"], false).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the lock has no extra `trio` (it has: async, dotenv)"
    );
}
