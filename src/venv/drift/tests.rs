//! The as-built record and the drift check against hand-made changes in site-packages.

use super::*;

fn dist(name: &str, version: &str) -> Dist {
    Dist {
        name: name.to_owned(),
        version: version.to_owned(),
    }
}

#[test]
fn entries_name_their_distribution_normalized() {
    let cases = [
        ("six-1.16.0.dist-info", true, Some(dist("six", "1.16.0"))),
        (
            "typing_extensions-4.12.2.dist-info",
            true,
            Some(dist("typing-extensions", "4.12.2")),
        ),
        (
            "Foo.Bar-2.0-py3.12.egg-info",
            false,
            Some(dist("foo-bar", "2.0")),
        ),
        ("foo-1.0-py3.egg-info", true, Some(dist("foo", "1.0"))),
        ("My_Pkg.egg-link", false, Some(dist("my-pkg", ""))),
        ("six.py", false, None),
        ("six", true, None),
        ("__editable__.foo-1.0.pth", false, None),
        ("weird-1.0.dist-info", false, None),
    ];
    for (entry, is_dir, want) in cases {
        assert_eq!(parse_entry(entry, is_dir), want, "{entry}");
    }
}

#[test]
fn diff_says_what_was_added_removed_or_changed_by_hand() {
    let recorded = [
        dist("pip", "24.0"),
        dist("rich", "13.9.4"),
        dist("six", "1.16.0"),
    ];
    assert!(diff(&recorded, &recorded).is_empty());
    let now = [
        dist("attrs", "24.2.0"),
        dist("pip", "24.0"),
        dist("six", "1.17.0"),
    ];
    assert_eq!(
        diff(&recorded, &now),
        [
            "`attrs 24.2.0` added by hand",
            "`rich 13.9.4` removed by hand",
            "`six` 1.16.0 → 1.17.0 changed by hand",
        ]
    );
    // An upgrade cut short leaves two versions side by side.
    let both = [
        dist("pip", "24.0"),
        dist("rich", "13.9.4"),
        dist("six", "1.16.0"),
        dist("six", "1.17.0"),
    ];
    assert_eq!(
        diff(&recorded, &both),
        ["`six` 1.16.0 → 1.16.0, 1.17.0 changed by hand"]
    );
}

fn site(env: &Path) -> PathBuf {
    let dir = env.join("lib/python3.99/site-packages");
    std::fs::create_dir_all(dir.join("six-1.16.0.dist-info")).unwrap();
    std::fs::write(dir.join("six-1.16.0.dist-info/METADATA"), "").unwrap();
    std::fs::write(dir.join("six.py"), "").unwrap();
    std::os::unix::fs::symlink("lib", env.join("lib64")).unwrap();
    std::fs::create_dir_all(env.join("bin")).unwrap();
    std::fs::write(env.join("pyvenv.cfg"), "home = /usr/bin\n").unwrap();
    dir
}

#[cfg(unix)]
#[test]
fn a_record_sees_one_site_packages_through_the_lib64_link_and_pins_its_mtime() {
    let tmp = tempfile::tempdir().unwrap();
    let env = tmp.path();
    let dir = site(env);
    let built = record(env).unwrap();
    assert_eq!(built.dists, [dist("six", "1.16.0")]);
    assert_eq!(built.site_packages.len(), 1, "{built:?}");
    assert_eq!(
        built.site_packages[0].path,
        Path::new("lib/python3.99/site-packages")
    );
    let now = ns_since_epoch(SystemTime::now());
    let age = now - built.site_packages[0].mtime_ns;
    assert!(
        age >= 2_000_000_000,
        "the mtime is not pinned in the past: {age} ns"
    );
    assert_eq!(compare(env, &built), Contents::Same);
    // A change in the very next instant is seen.
    std::fs::create_dir(dir.join("rich-13.9.4.dist-info")).unwrap();
    std::fs::write(dir.join("rich-13.9.4.dist-info/METADATA"), "").unwrap();
    assert_eq!(
        compare(env, &built),
        Contents::Changed(vec!["`rich 13.9.4` added by hand".to_owned()])
    );
}

#[cfg(unix)]
#[test]
fn a_moved_directory_with_the_same_dists_is_settled_only_once_old_enough() {
    let tmp = tempfile::tempdir().unwrap();
    let env = tmp.path();
    let dir = site(env);
    let mut built = record(env).unwrap();
    std::fs::create_dir(dir.join("__pycache__")).unwrap();
    assert!(matches!(compare(env, &built), Contents::Moved(_)));
    // Just moved: not settled, the next check lists again.
    assert!(!settle(env, &mut built));
    assert!(matches!(compare(env, &built), Contents::Moved(_)));
    // Moved three seconds ago: recorded, and the next check is one stat.
    let past = SystemTime::now() - Duration::from_secs(3);
    fs::set_modified(&dir, past).unwrap();
    assert!(settle(env, &mut built));
    assert_eq!(compare(env, &built), Contents::Same);
    // An mtime that could not be pinned is recorded as unsettled: listed
    // at each check until settled.
    built.site_packages[0].mtime_ns = UNSETTLED;
    assert!(matches!(compare(env, &built), Contents::Moved(_)));
    assert!(settle(env, &mut built));
    assert_eq!(compare(env, &built), Contents::Same);
}

#[cfg(unix)]
#[test]
fn what_an_interrupted_pip_leaves_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let env = tmp.path();
    let dir = site(env);
    let built = record(env).unwrap();
    // pip's stash of what it removes, left behind.
    std::fs::rename(
        dir.join("six-1.16.0.dist-info"),
        dir.join("~ix-1.16.0.dist-info"),
    )
    .unwrap();
    let Contents::Changed(reasons) = compare(env, &built) else {
        panic!("not changed")
    };
    assert_eq!(reasons[0], "`six 1.16.0` removed by hand");
    assert!(
        reasons[1].contains("`~ix-1.16.0.dist-info`") && reasons[1].contains("interrupted pip"),
        "{reasons:?}"
    );
    // A dist-info without its METADATA.
    std::fs::rename(
        dir.join("~ix-1.16.0.dist-info"),
        dir.join("six-1.16.0.dist-info"),
    )
    .unwrap();
    std::fs::remove_file(dir.join("six-1.16.0.dist-info/METADATA")).unwrap();
    let Contents::Changed(reasons) = compare(env, &built) else {
        panic!("not changed")
    };
    assert!(reasons[0].contains("has no `METADATA`"), "{reasons:?}");
    // site-packages itself gone.
    std::fs::remove_dir_all(&dir).unwrap();
    let Contents::Changed(reasons) = compare(env, &built) else {
        panic!("not changed")
    };
    assert!(reasons[0].contains("is gone"), "{reasons:?}");
}
