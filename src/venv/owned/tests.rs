//! Ownership evidence and the env-path guard, against what penv did not make.

use super::*;
#[cfg(unix)]
use testing::{other_env, untouched};

#[test]
fn refuses_what_it_does_not_own() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("proj");
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(root.join("src/main.py"), "").unwrap();
    let check = |p: &Path, force| check_env_path(p, &root, Some(tmp.path()), force);
    assert!(matches!(
        check(&root, false),
        Err(Refusal::Protected { .. })
    ));
    assert!(matches!(
        check(tmp.path(), false),
        Err(Refusal::Protected { .. })
    ));
    assert!(matches!(
        check(Path::new("/"), false),
        Err(Refusal::Protected { .. })
    ));
    assert!(matches!(
        check(&root.join("src"), false),
        Err(Refusal::OtherData { .. })
    ));
    assert!(matches!(
        check(&root.join("src/main.py"), false),
        Err(Refusal::OtherData { .. })
    ));
    assert_eq!(check(&root.join(".venv"), false), Ok(Occupant::Nothing));

    let foreign = root.join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    assert_eq!(check(&foreign, false), Ok(Occupant::Empty));
    std::fs::write(foreign.join("pyvenv.cfg"), "home = /usr/bin\n").unwrap();
    // A pyvenv.cfg alone does not make a venv: not even --force replaces it.
    assert!(matches!(
        check(&foreign, true),
        Err(Refusal::OtherData { .. })
    ));
    std::fs::create_dir_all(foreign.join("bin")).unwrap();
    std::os::unix::fs::symlink("/usr/bin/python3", foreign.join("bin/python")).unwrap();
    assert!(matches!(
        check(&foreign, false),
        Err(Refusal::ForeignVenv { .. })
    ));
    // A venv holding the user's files is other data too.
    std::fs::write(foreign.join("notes.txt"), "precious").unwrap();
    let refused = check(&foreign, true);
    assert!(
        matches!(&refused, Err(Refusal::OtherData { what, .. }) if what.contains("`notes.txt`")),
        "{refused:?}"
    );
    std::fs::remove_file(foreign.join("notes.txt")).unwrap();
    assert_eq!(check(&foreign, true), Ok(Occupant::ForeignVenv));
    // penv's file names are no evidence: an empty or invalid state file
    // is refused, even with --force.
    for bad in ["", "{}", "not json"] {
        std::fs::write(foreign.join(STATE_FILE), bad).unwrap();
        for force in [false, true] {
            let refused = check(&foreign, force);
            assert!(
                matches!(&refused, Err(Refusal::OtherData { what, .. }) if what.contains("not a valid penv state file")),
                "{bad:?}: {refused:?}"
            );
        }
    }
    testing::state(&foreign, "h").write(&foreign).unwrap();
    assert_eq!(check(&foreign, false), Ok(Occupant::Penv));

    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&foreign, root.join("link")).unwrap();
        assert!(matches!(
            check(&root.join("link"), false),
            Err(Refusal::Symlink { .. })
        ));
    }
}

/// The issue's repro: a home directory holding `thesis.tex` and an empty
/// `penv-state.json`, named through a symlinked parent.
#[cfg(unix)]
#[test]
fn guards_compare_canonical_paths() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().canonicalize().unwrap();
    let home = base.join("users/me");
    let root = base.join("work/proj");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(home.join("thesis.tex"), "precious").unwrap();
    std::fs::write(home.join(STATE_FILE), "").unwrap();
    std::fs::create_dir_all(root.join("links")).unwrap();
    std::os::unix::fs::symlink(base.join("users"), root.join("links/h")).unwrap();
    std::os::unix::fs::symlink(&root, base.join("proj-link")).unwrap();
    let check = |p: &Path| check_env_path(p, &root, Some(&home), false);
    let protected = |p: &Path, what: &str| {
        let refused = check(p);
        assert!(
            matches!(&refused, Err(Refusal::Protected { what: w, .. }) if *w == what),
            "{}: {refused:?}",
            p.display()
        );
    };
    protected(&root.join("links/h/me"), "your home directory");
    protected(&base.join("proj-link/links/h/me"), "your home directory");
    protected(&root.join("links/h/me/../me"), "your home directory");
    // `links/h` is itself a link: refused as one, before anything else.
    assert!(matches!(
        check(&root.join("links/h")),
        Err(Refusal::Protected { .. } | Refusal::Symlink { .. })
    ));
    protected(&base.join("proj-link/links/.."), "the project root");
    protected(&base.join("users"), "a parent of your home directory");
    // Not protected, but still not penv's: refused as other data.
    std::fs::create_dir_all(root.join("links/h/other")).unwrap();
    std::fs::write(root.join("links/h/other/thesis.tex"), "x").unwrap();
    std::fs::write(root.join("links/h/other").join(STATE_FILE), "").unwrap();
    assert!(matches!(
        check(&root.join("links/h/other")),
        Err(Refusal::OtherData { .. })
    ));
    assert_eq!(
        std::fs::read_to_string(home.join("thesis.tex")).unwrap(),
        "precious"
    );
}

#[test]
fn ownership_takes_evidence_penv_wrote() {
    let tmp = tempfile::tempdir().unwrap();
    let env = tmp.path().join(".venv");
    testing::venv(&env, &env, Some("h"));
    assert_eq!(evidence(&env, &env, false), Ok(Evidence::State));
    // The same env moved aside: its state still names the env path.
    let aside = tmp.path().join("old");
    std::fs::rename(&env, &aside).unwrap();
    assert_eq!(evidence(&aside, &env, false), Ok(Evidence::State));
    std::fs::rename(&aside, &env).unwrap();

    // A state naming another path: a moved project's env, only while the
    // directory is nothing but a venv.
    let other = tmp.path().join("elsewhere/.venv");
    testing::state(&other, "h").write(&env).unwrap();
    assert_eq!(evidence(&env, &env, false), Ok(Evidence::Moved));
    std::fs::write(env.join("thesis.tex"), "precious").unwrap();
    let refused = evidence(&env, &env, false).unwrap_err();
    assert!(
        refused.contains("`thesis.tex`") && refused.contains("another env"),
        "{refused}"
    );
    std::fs::remove_file(env.join("thesis.tex")).unwrap();

    // A state without pyvenv.cfg is not a venv.
    testing::state(&env, "h").write(&env).unwrap();
    std::fs::rename(env.join("pyvenv.cfg"), tmp.path().join("cfg")).unwrap();
    assert!(
        evidence(&env, &env, false)
            .unwrap_err()
            .contains("no `pyvenv.cfg`")
    );
    std::fs::rename(tmp.path().join("cfg"), env.join("pyvenv.cfg")).unwrap();
    std::fs::remove_file(env.join(STATE_FILE)).unwrap();

    // The build marker counts only with penv's own content for this path.
    std::fs::write(env.join(BUILD_MARKER), "").unwrap();
    assert!(
        evidence(&env, &env, false)
            .unwrap_err()
            .contains("did not write")
    );
    assert!(
        matches!(
            check_env_path(&env, tmp.path().join("p").as_path(), None, true),
            Err(Refusal::OtherData { .. })
        ),
        "a foreign marker is refused even with --force"
    );
    std::fs::remove_file(env.join(BUILD_MARKER)).unwrap();
    write_marker(&env, "building").unwrap();
    assert_eq!(evidence(&env, &env, false), Ok(Evidence::Marker));
    let copy = tmp.path().join("copy");
    std::fs::create_dir(&copy).unwrap();
    std::fs::copy(env.join(BUILD_MARKER), copy.join(BUILD_MARKER)).unwrap();
    std::fs::write(copy.join("notes.txt"), "").unwrap();
    assert!(
        evidence(&copy, &copy, false).is_err(),
        "a marker made for another path"
    );
    // A marker-only directory (a build killed before `python -m venv`).
    std::fs::remove_file(copy.join("notes.txt")).unwrap();
    std::fs::remove_file(copy.join(BUILD_MARKER)).unwrap();
    write_marker(&copy, "building").unwrap();
    assert_eq!(evidence(&copy, &copy, false), Ok(Evidence::Marker));

    // A venv someone else made: only what --force handed over.
    let theirs = tmp.path().join("theirs");
    testing::venv(&theirs, &theirs, None);
    assert!(evidence(&theirs, &theirs, false).is_err());
    assert_eq!(evidence(&theirs, &theirs, true), Ok(Evidence::Forced));
    std::fs::create_dir(theirs.join("src")).unwrap();
    assert!(evidence(&theirs, &theirs, true).is_err());
}

#[cfg(unix)]
#[test]
fn a_build_killed_before_its_marker_was_written_is_penvs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(".venv");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join(BUILD_MARKER), b"").unwrap();
    assert!(matches!(evidence(&dir, &dir, false), Ok(Evidence::Marker)));
    // Beside anything else, an empty marker is no evidence.
    std::fs::write(dir.join("thesis.tex"), b"work").unwrap();
    assert!(evidence(&dir, &dir, false).is_err());
}

#[test]
fn links_are_no_evidence() {
    let tmp = tempfile::tempdir().unwrap();
    let real = tmp.path().join("real");
    testing::venv(&real, &real, Some("h"));
    let link = tmp.path().join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    assert!(
        evidence(&link, &real, false)
            .unwrap_err()
            .contains("symlink")
    );
    // A state file that is a link to a valid one elsewhere.
    let env = tmp.path().join(".venv");
    testing::venv(&env, &env, None);
    testing::state(&env, "h").write(tmp.path()).unwrap();
    std::os::unix::fs::symlink(tmp.path().join(STATE_FILE), env.join(STATE_FILE)).unwrap();
    assert!(
        evidence(&env, &env, false)
            .unwrap_err()
            .contains("not a regular file")
    );
}

/// What `remove` deletes is penv's, by evidence, and never
/// through a link; an env's `src/` that may hold work is kept.
#[test]
fn remove_takes_evidence_and_keeps_work() {
    let tmp = tempfile::tempdir().unwrap();
    let paths = EnvPaths::new(tmp.path().join(".venv"));
    paths.ensure_work_dir().unwrap();
    let dir = tmp.path().join("dir");
    // A directory with only pyvenv.cfg, an empty or invalid state: not penv's.
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("pyvenv.cfg"), "").unwrap();
    std::fs::write(dir.join("thesis.tex"), "precious").unwrap();
    for state in [None, Some(""), Some("{}")] {
        if let Some(text) = state {
            std::fs::write(dir.join(crate::state::STATE_FILE), text).unwrap();
        }
        let err = remove(&paths, &dir, false, &mut Vec::new()).unwrap_err();
        assert!(
            err.source.to_string().contains("leaving it alone"),
            "{err:?}"
        );
        assert!(dir.join("thesis.tex").is_file());
        assert!(!dir.join(BUILD_MARKER).exists());
    }
    std::fs::remove_dir_all(&dir).unwrap();

    let env = tmp.path().join("stashed");
    testing::venv(&env, &paths.env, Some("h"));
    std::fs::create_dir_all(env.join("src/mypkg")).unwrap();
    std::fs::write(env.join("src/mypkg/edit.py"), "mine").unwrap();
    let mut kept = Vec::new();
    remove(&paths, &env, false, &mut kept).unwrap();
    assert!(!env.exists());
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(
        std::fs::read_to_string(kept[0].to.join("mypkg/edit.py")).unwrap(),
        "mine"
    );
    #[cfg(unix)]
    {
        let other = other_env(tmp.path());
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&other, &link).unwrap();
        let err = remove(&paths, &link, false, &mut Vec::new()).unwrap_err();
        assert!(err.source.to_string().contains("symlink"), "{err:?}");
        untouched(&other);
    }
}

#[test]
fn remove_found_deletes_a_found_venv_or_conda_env_and_refuses_anything_else() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().canonicalize().unwrap();
    // A conda env: `conda-meta/` is a marker directory, removed last.
    let conda = root.join("conda");
    std::fs::create_dir_all(conda.join("conda-meta")).unwrap();
    std::fs::write(conda.join("conda-meta/python-3.12.1-h1.json"), "{}").unwrap();
    std::fs::create_dir_all(conda.join("lib")).unwrap();
    remove_found(&conda, &[]).unwrap();
    assert!(!conda.exists());
    // Not an env, an env holding `src/`, the env in use: refused, untouched.
    let data = root.join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("notes"), "mine").unwrap();
    assert!(remove_found(&data, &[]).is_err());
    let with_src = root.join("with-src");
    std::fs::create_dir_all(with_src.join("src")).unwrap();
    std::fs::write(with_src.join("pyvenv.cfg"), "home = /x\n").unwrap();
    assert!(remove_found(&with_src, &[]).is_err());
    let active = root.join("active");
    std::fs::create_dir_all(active.join("bin")).unwrap();
    std::fs::write(active.join("pyvenv.cfg"), "home = /x\n").unwrap();
    assert!(remove_found(&active, &[active.join("bin/python")]).is_err());
    assert!(data.join("notes").is_file() && with_src.join("src").is_dir());
    assert!(active.join("pyvenv.cfg").is_file());
    #[cfg(unix)]
    {
        // Reached through a symlinked parent, or a symlink itself: refused.
        std::os::unix::fs::symlink(&root, root.join("up")).unwrap();
        assert!(remove_found(&root.join("up/active"), &[]).is_err());
        std::os::unix::fs::symlink(&active, root.join("link")).unwrap();
        assert!(remove_found(&root.join("link"), &[]).is_err());
        assert!(active.join("pyvenv.cfg").is_file());
    }
    remove_found(&active, &[]).unwrap();
    assert!(!active.exists());
}

/// A directory holds an env only by the same evidence for every kind: a
/// `conda-meta/` beside the user's files is refused as a `pyvenv.cfg` is
/// (issue 23: a conda-meta project folder was deleted whole); a conda env
/// whose top holds only what conda and its packages' records put there goes.
#[test]
fn remove_found_refuses_any_kind_of_env_with_user_files_beside_it() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().canonicalize().unwrap();
    for marker in ["conda-meta", "pyvenv.cfg"] {
        let dir = root.join(format!("project-{marker}"));
        std::fs::create_dir_all(dir.join(".git")).unwrap();
        std::fs::create_dir_all(dir.join("src2")).unwrap();
        std::fs::create_dir_all(dir.join("bin")).unwrap();
        std::fs::write(dir.join("app.py"), "mine").unwrap();
        if marker == "conda-meta" {
            std::fs::create_dir_all(dir.join("conda-meta")).unwrap();
            std::fs::write(dir.join("conda-meta/history"), "").unwrap();
        } else {
            std::fs::write(dir.join("pyvenv.cfg"), "home = /x\n").unwrap();
        }
        let err = remove_found(&dir, &[]).unwrap_err();
        let why = err.source.to_string();
        assert!(
            why.contains("`.git`") && why.contains("`app.py`") && why.contains("`src2`"),
            "{marker}: {why}"
        );
        assert!(dir.join("app.py").is_file() && dir.join(".git").is_dir());
    }
    // A real conda env's top: a prefix's directories, conda's own, and
    // what its packages' records list (a platform triple, `ssl/`).
    let env = root.join("miniconda3/envs/work");
    for d in [
        "conda-meta",
        "bin",
        "lib",
        "ssl",
        "x86_64-conda-linux-gnu/bin",
    ] {
        std::fs::create_dir_all(env.join(d)).unwrap();
    }
    std::fs::write(
        env.join("conda-meta/openssl-3.0.0-h1.json"),
        r#"{"name": "openssl", "files": ["ssl/cacert.pem", "x86_64-conda-linux-gnu/bin/ld"]}"#,
    )
    .unwrap();
    std::fs::write(env.join("conda-meta/history"), "").unwrap();
    remove_found(&env, &[]).unwrap();
    assert!(!env.exists());
}
