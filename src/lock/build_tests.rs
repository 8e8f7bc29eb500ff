//! Tests of [`super`]: the lock built from pip's resolutions.

use super::*;
use std::collections::BTreeSet;

fn resolved(name: &str, url: &str, source: Source) -> Resolved {
    Resolved {
        name: name.to_owned(),
        version: "1.0".to_owned(),
        requires_python: None,
        is_direct: false,
        requested: false,
        url: url.to_owned(),
        source,
        requires_dist: Vec::new(),
        provides_extra: Vec::new(),
        subdirectory: None,
    }
}

fn sha(digest: &str) -> Source {
    Source::Archive {
        hashes: BTreeMap::from([("sha256".to_owned(), digest.to_owned())]),
    }
}

fn context() -> LockContext {
    LockContext {
        lock_dir: PathBuf::from("/p"),
        project_root: PathBuf::from("/p"),
        requires_python: None,
        groups: vec!["test".into(), "dev".into()],
        default_groups: vec!["dev".into()],
        extras: vec!["cli".into()],
        inputs: super::super::inputs::tests::example(),
        index: None,
    }
}

#[test]
fn packages_are_sorted_marked_by_group_and_paths_relative() {
    let full = Resolution {
        environment: BTreeMap::from([
            ("python_full_version".to_owned(), "3.11.7".to_owned()),
            ("python_version".to_owned(), "3.11".to_owned()),
            ("sys_platform".to_owned(), "linux".to_owned()),
        ]),
        packages: vec![
            resolved(
                "Zed_Pkg",
                "file:///p/wheels/zed_pkg-1.0-py3-none-any.whl",
                sha(&"a".repeat(64)),
            ),
            resolved(
                "base",
                "https://files/base-1.0.tar.gz",
                sha(&"b".repeat(64)),
            ),
            resolved(
                "both",
                "file:///elsewhere/both-1.0-py3-none-any.whl",
                sha(&"c".repeat(64)),
            ),
        ],
    };
    let parts = Parts {
        base: BTreeSet::from(["base".to_owned()]),
        groups: BTreeMap::from([
            (
                "dev".to_owned(),
                BTreeSet::from(["zed-pkg".to_owned(), "both".to_owned()]),
            ),
            ("test".to_owned(), BTreeSet::from(["both".to_owned()])),
        ]),
        extras: BTreeMap::from([("cli".to_owned(), BTreeSet::from(["both".to_owned()]))]),
    };
    let lock = build(&full, &parts, &context()).unwrap();
    let names: Vec<&str> = lock.packages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["base", "both", "zed-pkg"]);
    assert_eq!(lock.packages[0].marker, None);
    assert_eq!(
        lock.packages[0].sdist.as_ref().unwrap().url.as_deref(),
        Some("https://files/base-1.0.tar.gz")
    );
    assert_eq!(
        lock.packages[1].marker.as_deref(),
        Some("'dev' in dependency_groups or 'test' in dependency_groups or 'cli' in extras")
    );
    assert_eq!(
        lock.packages[1].wheels[0].path.as_deref(),
        Some("/elsewhere/both-1.0-py3-none-any.whl")
    );
    assert_eq!(
        lock.packages[2].wheels[0].path.as_deref(),
        Some("wheels/zed_pkg-1.0-py3-none-any.whl")
    );
    assert_eq!(lock.dependency_groups, ["dev", "test"]);
    assert_eq!(lock.extras, ["cli"]);
    assert_eq!(lock.requires_python.as_deref(), Some("==3.11.*"));
    assert_eq!(
        lock.environments.unwrap(),
        ["python_full_version == '3.11.7' and sys_platform == 'linux'"]
    );
}

#[test]
fn a_remote_file_without_a_hash_is_refused() {
    let full = Resolution {
        environment: BTreeMap::new(),
        packages: vec![resolved(
            "x",
            "https://h/x-1.0.tar.gz",
            Source::Archive {
                hashes: BTreeMap::new(),
            },
        )],
    };
    let err = build(&full, &Parts::default(), &context()).unwrap_err();
    assert!(matches!(err, LockError::NoHash { .. }), "{err:?}");
}

#[test]
fn a_file_penv_would_refuse_to_read_back_is_not_locked() {
    let full = Resolution {
        environment: BTreeMap::new(),
        packages: vec![resolved(
            "x",
            "https://h/x-2.0-py3-none-any.whl",
            sha(&"a".repeat(64)),
        )],
    };
    let err = build(&full, &Parts::default(), &context()).unwrap_err();
    assert!(
        matches!(&err, LockError::Unsupported { requirement, why } if requirement == "x" && why.contains("version 2.0, not the entry's 1.0")),
        "{err:?}"
    );
}

#[test]
fn credentials_in_urls_stay_out_of_the_lock() {
    let full = Resolution {
        environment: BTreeMap::new(),
        packages: vec![
            resolved(
                "x",
                "https://alice:s3cret@host/x-1.0-py3-none-any.whl",
                sha(&"a".repeat(64)),
            ),
            resolved(
                "r",
                "https://alice:s3cret@git.example/r.git",
                Source::Vcs {
                    vcs: "git".into(),
                    commit_id: "c0ffee".repeat(8)[..40].into(),
                    requested_revision: None,
                },
            ),
        ],
    };
    let lock = build(&full, &Parts::default(), &context()).unwrap();
    let url = lock.packages[1].wheels[0].url.as_deref().unwrap();
    assert_eq!(url, "https://host/x-1.0-py3-none-any.whl");
    let vcs = lock.packages[0].vcs.as_ref().unwrap();
    assert_eq!(vcs.url.as_deref(), Some("https://git.example/r.git"));
    let text = super::super::write::render(&lock);
    assert!(
        !text.contains("alice") && !text.contains("s3cret"),
        "{text}"
    );
}

#[test]
fn relative_paths_climb_out_of_the_lock_dir() {
    assert_eq!(
        relative_to(Path::new("/p/a/b.whl"), Path::new("/p/c")),
        PathBuf::from("../a/b.whl")
    );
    assert_eq!(
        local_path("file:///a%20b/c.whl"),
        Some(PathBuf::from("/a b/c.whl"))
    );
}

#[test]
fn a_file_from_the_one_index_records_it_and_no_other_does() {
    let full = Resolution {
        environment: BTreeMap::from([("python_version".to_owned(), "3.11".to_owned())]),
        packages: vec![
            resolved(
                "remote",
                "https://pkgs.example/files/remote-1.0-py3-none-any.whl",
                sha(&"a".repeat(64)),
            ),
            // From another source pip was given (a requirement file's
            // `--extra-index-url`): not the index's.
            resolved(
                "elsewhere",
                "https://other.example/elsewhere-1.0-py3-none-any.whl",
                sha(&"c".repeat(64)),
            ),
            resolved(
                "local",
                "file:///p/wheels/local-1.0-py3-none-any.whl",
                sha(&"b".repeat(64)),
            ),
        ],
    };
    let parts = Parts {
        base: ["remote", "elsewhere", "local"]
            .map(str::to_owned)
            .into_iter()
            .collect(),
        ..Default::default()
    };
    let context = LockContext {
        index: Some("https://pkgs.example/simple".to_owned()),
        ..context()
    };
    let lock = build(&full, &parts, &context).unwrap();
    let index = |name: &str| {
        lock.packages
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.index.clone())
    };
    assert_eq!(
        index("remote").as_deref(),
        Some("https://pkgs.example/simple")
    );
    assert_eq!(index("local"), None);
    assert_eq!(index("elsewhere"), None);
    let lock = build(&full, &parts, &super::tests::context()).unwrap();
    assert!(lock.packages.iter().all(|p| p.index.is_none()));
}
