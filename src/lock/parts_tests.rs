use super::*;
use crate::lock::report::Source;

fn package(name: &str, requires: &[&str]) -> Resolved {
    Resolved {
        name: name.to_owned(),
        version: "1.0".to_owned(),
        requires_python: None,
        is_direct: false,
        requested: false,
        url: format!("file:///w/{name}-1.0-py3-none-any.whl"),
        source: Source::Archive {
            hashes: BTreeMap::new(),
        },
        requires_dist: requires.iter().map(|r| (*r).to_owned()).collect(),
        // The extras its requirements' markers name, as `Provides-Extra`.
        provides_extra: requires
            .iter()
            .filter_map(|r| r.split("extra == ").nth(1))
            .map(|e| e.trim_matches(['\'', '"']).to_owned())
            .collect(),
        subdirectory: None,
    }
}

fn resolution(packages: Vec<Resolved>) -> Resolution {
    let env = [
        ("implementation_name", "cpython"),
        ("implementation_version", "3.11.7"),
        ("os_name", "posix"),
        ("platform_machine", "x86_64"),
        ("platform_python_implementation", "CPython"),
        ("platform_release", "6.1"),
        ("platform_system", "Linux"),
        ("platform_version", "#1"),
        ("python_full_version", "3.11.7"),
        ("python_version", "3.11"),
        ("sys_platform", "linux"),
    ];
    Resolution {
        environment: env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        packages,
    }
}

fn roots(requirements: &[&str], project: Option<&[&str]>) -> Roots {
    Roots {
        requirements: requirements.iter().map(|r| (*r).to_owned()).collect(),
        project: project.map(|e| e.iter().map(|x| (*x).to_owned()).collect()),
    }
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

/// Each part is what its requirements lead to: dependencies followed,
/// markers evaluated for the report's environment, extras of a dependency
/// (`b[fast]`) and of the project (`'async' in extras`) followed; the
/// project itself is in every part, as its directory.
#[test]
fn parts_follow_dependencies_markers_and_extras() {
    let full = resolution(vec![
        package(
            "Proj",
            &[
                "base_dep",
                "asyncdep; extra == 'async'",
                "never; sys_platform == 'win32'",
            ],
        ),
        package("base_dep", &[]),
        package("asyncdep", &[]),
        package("tool", &["b[fast]>=1", "old; python_version < '3'"]),
        package("b", &["speedup; extra == \"fast\""]),
        package("speedup", &[]),
        package("docs", &["proj"]),
    ]);
    let all = AllRoots {
        base: roots(&[], Some(&[])),
        groups: BTreeMap::from([
            ("dev".to_owned(), roots(&["Tool"], Some(&[]))),
            ("docs".to_owned(), roots(&["docs"], Some(&[]))),
        ]),
        extras: BTreeMap::from([("async".to_owned(), roots(&[], Some(&["async"])))]),
    };
    let parts = attribute(&full, &all, Some("Proj")).unwrap();
    assert_eq!(parts.base, set(&["base-dep", "proj"]));
    assert_eq!(
        parts.groups["dev"],
        set(&["b", "base-dep", "proj", "speedup", "tool"])
    );
    assert_eq!(parts.groups["docs"], set(&["base-dep", "docs", "proj"]));
    assert_eq!(
        parts.extras["async"],
        set(&["asyncdep", "base-dep", "proj"])
    );
    assert_eq!(parts.marker("proj"), None);
    assert_eq!(
        parts.marker("speedup").as_deref(),
        Some("'dev' in dependency_groups")
    );
}

/// Whatever the walk cannot account for is an `Err`, for pip to resolve
/// each part instead: a root without a name, a dependency the resolution
/// lacks, a package no root leads to, an environment pip did not give.
#[test]
fn what_the_walk_cannot_account_for_is_said() {
    let full = resolution(vec![package("a", &["b"]), package("b", &[])]);
    let only = |requirements: &[&str]| AllRoots {
        base: roots(requirements, None),
        ..AllRoots::default()
    };
    assert!(attribute(&full, &only(&["a"]), None).is_ok());
    let err = attribute(&full, &only(&["./local/dir"]), None).unwrap_err();
    assert!(err.contains("not a requirement"), "{err}");
    // pip follows no extra a package does not provide: `a[nope]` is `a`.
    assert!(attribute(&full, &only(&["a[nope]"]), None).is_ok());
    let err = attribute(&full, &only(&["a", "c"]), None).unwrap_err();
    assert!(
        err.contains("`c` is needed but not in pip's resolution"),
        "{err}"
    );
    let err = attribute(&full, &only(&["b"]), None).unwrap_err();
    assert!(err.contains("holds `a`"), "{err}");
    let err = attribute(
        &full,
        &AllRoots {
            base: roots(&[], Some(&[])),
            ..AllRoots::default()
        },
        None,
    )
    .unwrap_err();
    assert!(err.contains("project itself"), "{err}");
    let mut bare = full.clone();
    bare.environment.remove("platform_release");
    let err = attribute(&bare, &only(&["a"]), None).unwrap_err();
    assert!(err.contains("platform_release"), "{err}");
}
