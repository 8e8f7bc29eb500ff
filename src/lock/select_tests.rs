use super::*;
use crate::lock::parse;

fn markers(version: &str, platform: &str) -> Markers {
    Markers {
        implementation_name: "cpython".into(),
        implementation_version: version.into(),
        os_name: "posix".into(),
        platform_machine: "x86_64".into(),
        platform_python_implementation: "CPython".into(),
        platform_release: "6.0".into(),
        platform_system: "Linux".into(),
        platform_version: "#1".into(),
        python_full_version: version.into(),
        python_version: version.rsplit_once('.').unwrap().0.into(),
        sys_platform: platform.into(),
    }
}

/// The interpreter's tags, or when they are not known, the pure-Python
/// ones `InterpreterInfo::wheel_tags` falls back to.
fn tags_for(known: bool) -> Vec<String> {
    tags()
        .into_iter()
        .filter(|t| known || t.ends_with("-none-any"))
        .collect()
}

fn tags() -> Vec<String> {
    [
        "cp312-cp312-manylinux_2_17_x86_64",
        "cp312-abi3-manylinux_2_17_x86_64",
        "py3-none-manylinux_2_17_x86_64",
        "cp312-none-any",
        "py3-none-any",
    ]
    .map(String::from)
    .to_vec()
}

const LOCK: &str = r#"
lock-version = "1.0"
created-by = "hand"
requires-python = ">=3.10"
environments = ["sys_platform == 'linux'", "sys_platform == 'darwin'"]
dependency-groups = ["dev", "Docs"]
default-groups = ["dev"]

[[packages]]
name = "native"
version = "1.0"
wheels = [
  { name = "native-1.0-cp312-cp312-win_amd64.whl", url = "https://x/native-1.0-cp312-cp312-win_amd64.whl", hashes = { sha256 = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" } },
  { name = "native-1.0-py3-none-any.whl", url = "https://x/native-1.0-py3-none-any.whl", hashes = { sha256 = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" } },
  { name = "native-1.0-cp312-abi3-manylinux_2_17_x86_64.whl", url = "https://x/native-1.0-cp312-abi3-manylinux_2_17_x86_64.whl", hashes = { sha256 = "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc", md5 = "dd" } },
]

[[packages]]
name = "win_only"
version = "2.0"
marker = "sys_platform == 'win32'"
wheels = [{ path = "wheels/win_only-2.0-py3-none-any.whl", hashes = { sha256 = "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee" } }]

[[packages]]
name = "devtool"
version = "3.0"
marker = "'dev' in dependency_groups"
sdist = { path = "dist/my dir/devtool-3.0.tar.gz", hashes = { sha256 = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff" } }

[[packages]]
name = "docs-thing"
version = "4.0"
marker = "'docs' in dependency_groups and python_version >= '3.11'"
wheels = [{ path = "/abs/docs_thing-4.0-py3-none-any.whl", hashes = { sha512 = "99999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999" } }]

[[packages]]
name = "old-python"
version = "5.0"
requires-python = "<3.11"
wheels = [{ url = "https://x/old_python-5.0-py3-none-any.whl", hashes = { sha256 = "1111111111111111111111111111111111111111111111111111111111111111" } }]
"#;

fn run(
    version: &str,
    platform: &str,
    groups: &[&str],
    no_default: bool,
) -> Result<Vec<Selected>, SelectError> {
    run_with(version, platform, groups, no_default, true).map(|c| c.files)
}

fn run_with(
    version: &str,
    platform: &str,
    groups: &[&str],
    no_default: bool,
    tags_known: bool,
) -> Result<Chosen, SelectError> {
    let lock = parse(LOCK, Path::new("pylock.toml")).unwrap();
    let groups: Vec<String> = groups.iter().map(|g| (*g).to_owned()).collect();
    let m = markers(version, platform);
    let tags = tags_for(tags_known);
    select(
        &lock,
        Path::new("/proj"),
        &Target {
            markers: &m,
            tags: &tags,
            tags_known,
            groups: &groups,
            no_default_groups: no_default,
            extras: &[],
            all_extras: false,
        },
    )
}

fn names(selected: &[Selected]) -> Vec<&str> {
    selected.iter().map(|s| s.name.as_str()).collect()
}

#[test]
fn picks_the_best_wheel_and_skips_what_markers_exclude() {
    let selected = run("3.12.1", "linux", &[], false).unwrap();
    assert_eq!(names(&selected), ["devtool", "native"]);
    let native = &selected[1];
    assert_eq!(
        native.url, "https://x/native-1.0-cp312-abi3-manylinux_2_17_x86_64.whl",
        "abi3 ranks above py3-none-any"
    );
    assert_eq!(
        native.hashes,
        [format!("sha256:{}", "c".repeat(64))],
        "md5 is not a hash pip requires"
    );
    assert_eq!(
        native.requirement_line(|_| None).unwrap(),
        (
            format!(
                "native @ https://x/native-1.0-cp312-abi3-manylinux_2_17_x86_64.whl --hash=sha256:{}",
                "c".repeat(64)
            ),
            false
        )
    );
    assert_eq!(
        selected[0].url, "file:///proj/dist/my%20dir/devtool-3.0.tar.gz",
        "a relative path is the lock's directory's, percent-encoded"
    );
}

#[test]
fn groups_select_their_subset() {
    let none = run("3.12.1", "linux", &[], true).unwrap();
    assert_eq!(names(&none), ["native"]);
    let docs = run("3.12.1", "linux", &["docs"], true).unwrap();
    assert_eq!(
        names(&docs),
        ["docs-thing", "native"],
        "group names are normalized"
    );
    assert_eq!(docs[0].hashes, [format!("sha512:{}", "9".repeat(128))]);
    assert_eq!(docs[0].url, "file:///abs/docs_thing-4.0-py3-none-any.whl");
    let err = run("3.12.1", "linux", &["nope"], false).unwrap_err();
    assert!(
        matches!(&err, SelectError::UnknownGroup { name, .. } if name == "nope"),
        "{err}"
    );
    assert!(err.to_string().contains("dev, Docs"), "{err}");
}

#[test]
fn package_requires_python_and_markers_follow_the_interpreter() {
    let selected = run("3.10.4", "darwin", &["docs"], false).unwrap();
    assert_eq!(
        names(&selected),
        ["devtool", "native", "old-python"],
        "docs-thing wants python >= 3.11; old-python < 3.11"
    );
}

#[test]
fn another_platform_or_python_is_refused() {
    let err = run("3.12.1", "win32", &[], false).unwrap_err();
    assert!(matches!(err, SelectError::NoEnvironment { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("`sys_platform == 'linux'` or `sys_platform == 'darwin'`"),
        "{text}"
    );
    assert!(text.contains("sys_platform == 'win32'"), "{text}");
    assert!(err.hint().contains("penv lock"));
    let err = run("3.9.1", "linux", &[], false).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the lock has `requires-python = \">=3.10\"`, and this interpreter is Python 3.9.1"
    );
}

fn one_package(body: &str) -> Result<Vec<Selected>, SelectError> {
    one_package_chosen(body, true).map(|c| c.files)
}

fn one_package_chosen(body: &str, tags_known: bool) -> Result<Chosen, SelectError> {
    let text = format!("lock-version = \"1.0\"\ncreated-by = \"x\"\n{body}");
    let lock = parse(&text, Path::new("pylock.toml")).unwrap();
    let m = markers("3.12.1", "linux");
    let tags = tags_for(tags_known);
    select(
        &lock,
        Path::new("/proj"),
        &Target {
            markers: &m,
            tags: &tags,
            tags_known,
            groups: &[],
            no_default_groups: false,
            extras: &[],
            all_extras: false,
        },
    )
}

#[test]
fn nothing_installable_names_the_package() {
    let err = one_package(
        "[[packages]]\nname = \"winonly\"\nwheels = [{ url = \"https://x/winonly-1-cp312-cp312-win_amd64.whl\", hashes = { sha256 = \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" } }]\n",
    )
    .unwrap_err();
    assert!(
        matches!(&err, SelectError::NothingInstallable { name, reason } if name == "winonly" && reason.contains("win_amd64")),
        "{err}"
    );
    let err = one_package(
        "[[packages]]\nname = \"weak\"\nsdist = { url = \"https://x/weak-1.tar.gz\", hashes = { md5 = \"a\" } }\n",
    )
    .unwrap_err();
    assert!(err.to_string().contains("no sha256"), "{err}");
}

#[test]
fn two_entries_that_both_apply_are_an_error() {
    let entry = "[[packages]]\nname = \"a\"\nsdist = { url = \"https://x/a-1.tar.gz\", hashes = { sha256 = \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" } }\n";
    let err = one_package(&format!(
        "{entry}{}",
        entry.replace("name = \"a\"", "name = \"A\"")
    ))
    .unwrap_err();
    assert_eq!(err, SelectError::Duplicate { name: "A".into() });
    // Exclusive markers: one applies.
    let both = format!(
        "{}{}",
        entry.replace("\nsdist", "\nmarker = \"python_version < '3'\"\nsdist"),
        entry
    );
    assert_eq!(one_package(&both).unwrap().len(), 1);
}

#[test]
fn a_bad_marker_is_an_error_naming_its_package() {
    let err = one_package(
        "[[packages]]\nname = \"b\"\nmarker = \"dependency_groups == 'dev'\"\nsdist = { url = \"https://x/b-1.tar.gz\", hashes = { sha256 = \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" } }\n",
    )
    .unwrap_err();
    assert!(
        matches!(&err, SelectError::BadMarker { package: Some(p), .. } if p == "b"),
        "{err}"
    );
    assert!(
        err.to_string().contains("`'name' in dependency_groups`"),
        "{err}"
    );
}

#[test]
fn unmet_requirements_name_what_the_lock_lacks() {
    let lock = parse(LOCK, Path::new("pylock.toml")).unwrap();
    let reqs = |list: &[&str]| -> Vec<(String, String)> {
        list.iter()
            .map(|r| ((*r).to_owned(), "requirements".to_owned()))
            .collect()
    };
    assert_eq!(
        crate::lock::inputs::unmet_requirements(
            &lock,
            &reqs(&["Native>=1", "devtool", "win-only==2.0"])
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        crate::lock::inputs::unmet_requirements(
            &lock,
            &reqs(&["native>=2", "newpkg", "nöt ascii"])
        ),
        [
            "`native>=2` (requirements): the lock has native 1.0",
            "`newpkg` (requirements) is not in the lock"
        ]
    );
}

// What reaches pip: rendered from parsed values, never copied.
#[path = "select_tests_lines.rs"]
mod lines;
