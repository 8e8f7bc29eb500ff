//! Replacements killed at each step, and links where penv's directories were.

use std::path::Path;

use super::*;
#[cfg(unix)]
use crate::venv::owned::testing::{other_env, untouched};

/// An intent record as `Txn::begin` writes it, with or without an old env.
fn setup_with(has_old: bool) -> (tempfile::TempDir, EnvPaths) {
    let tmp = tempfile::tempdir().unwrap();
    let paths = EnvPaths::new(tmp.path().join(".venv"));
    paths.ensure_work_dir().unwrap();
    let intent = Intent {
        pid: 1,
        started: 0,
        env: paths.env.clone(),
        aside: has_old.then(|| paths.aside()),
        new_hash: "new".to_owned(),
        forced: false,
        swap: None,
    };
    write_intent(&paths, &intent).unwrap();
    (tmp, paths)
}

fn setup() -> (tempfile::TempDir, EnvPaths) {
    setup_with(true)
}

fn make_env(dir: &Path, content: &str) {
    std::fs::create_dir_all(dir.join("lib")).unwrap();
    std::fs::write(dir.join("pyvenv.cfg"), "home = /usr/bin\n").unwrap();
    std::fs::write(dir.join("lib/content"), content).unwrap();
}

/// What a kill -9 during a build leaves: the old env aside, the partial
/// one (with penv's marker) at the path.
fn old_aside_and_partial_build(paths: &EnvPaths) {
    make_env(&paths.aside(), "old");
    make_env(&paths.env, "partial");
    write_marker(&paths.env, "building").unwrap();
}

fn assert_old_env_at_the_path(paths: &EnvPaths) {
    let content = std::fs::read_to_string(paths.env.join("lib/content")).unwrap();
    assert_eq!(content, "old");
}

#[test]
fn recovery_removes_the_partial_env_and_puts_the_old_one_back() {
    let (_tmp, paths) = setup();
    old_aside_and_partial_build(&paths);
    let recovery = recover(&paths, 3, &mut Vec::new()).unwrap();
    assert_eq!(recovery, Some(Recovery::RolledBack { restored_old: true }));
    assert_old_env_at_the_path(&paths);
    assert!(!paths.aside().exists() && !paths.intent().exists());
}

/// A first build killed, then the user made their own venv at the path:
/// recovery must not take it for the partial build.
#[test]
fn recovery_leaves_a_venv_someone_made_since() {
    let (_tmp, paths) = setup_with(false);
    make_env(&paths.env, "theirs");
    std::fs::write(paths.env.join("notes.txt"), "precious").unwrap();
    let recovery = recover(&paths, 3, &mut Vec::new()).unwrap();
    assert_eq!(
        recovery,
        Some(Recovery::RolledBack {
            restored_old: false
        })
    );
    assert!(paths.env.join("notes.txt").is_file());
    assert!(!paths.intent().exists());
}

/// Killed mid-rebuild, then the project was moved (or copied): the
/// record's absolute paths name the old place; recovery acts here.
#[test]
fn recovery_after_the_project_moved_acts_on_the_paths_here() {
    let (tmp, paths) = setup();
    let elsewhere = EnvPaths::new(tmp.path().join("elsewhere/.venv"));
    let intent = Intent {
        pid: 1,
        started: 0,
        env: elsewhere.env.clone(),
        aside: Some(elsewhere.aside()),
        new_hash: "new".to_owned(),
        forced: false,
        swap: None,
    };
    write_intent(&paths, &intent).unwrap();
    old_aside_and_partial_build(&paths);
    let recovery = recover(&paths, 3, &mut Vec::new()).unwrap();
    assert_eq!(recovery, Some(Recovery::RolledBack { restored_old: true }));
    assert_old_env_at_the_path(&paths);
}

/// An env waiting aside with no intent record is nobody's to delete.
#[test]
fn begin_never_deletes_an_unexplained_aside() {
    let (_tmp, paths) = setup();
    std::fs::remove_file(paths.intent()).unwrap();
    make_env(&paths.aside(), "someone's");
    make_env(&paths.env, "current");
    std::fs::write(paths.env.join(crate::state::STATE_FILE), "{}").unwrap();
    let err = Txn::begin(&paths, Occupant::Penv, "new", &NewEnv::Build).unwrap_err();
    assert!(format!("{err:?}").contains("no record"), "{err:?}");
    assert!(paths.aside().join("lib/content").is_file());
    assert!(paths.env.join("lib/content").is_file());
    assert!(!paths.intent().exists());
}

/// The new env cannot be completed (its state cannot be written): the
/// old env goes back before the error is told.
#[test]
fn a_commit_that_fails_puts_the_old_env_back() {
    let (_tmp, paths) = setup();
    std::fs::remove_file(paths.intent()).unwrap();
    make_env(&paths.env, "old");
    let txn = Txn::begin(&paths, Occupant::Penv, "new", &NewEnv::Build).unwrap();
    // The new env's directory vanished: the state cannot be written.
    std::fs::remove_dir_all(&paths.env).unwrap();
    let state = crate::venv::owned::testing::state(&paths.env, "new");
    let err = txn.commit(&state, 3).unwrap_err();
    assert!(
        matches!(err, CommitError::RolledBack { restored: true, .. }),
        "{err:?}"
    );
    assert_old_env_at_the_path(&paths);
    assert!(!paths.aside().exists() && !paths.intent().exists());
}

/// Killed between writing the intent and moving the old env aside (or
/// between moving it back and removing the intent): the env in place is
/// the old one, not a partial build.
#[test]
fn recovery_keeps_an_old_env_that_is_not_aside() {
    let (_tmp, paths) = setup();
    make_env(&paths.env, "old");
    let recovery = recover(&paths, 3, &mut Vec::new()).unwrap();
    assert_eq!(recovery, Some(Recovery::RolledBack { restored_old: true }));
    assert_old_env_at_the_path(&paths);
    assert!(!paths.intent().exists());
}

/// `.penv/old-<name>` a symlink, with an intent record: recovery refuses
/// it, naming it, and neither marks, moves nor deletes what it points to.
#[cfg(unix)]
#[test]
fn a_symlinked_aside_is_refused_by_recovery() {
    for complete in [false, true] {
        let (tmp, paths) = setup();
        let other = other_env(tmp.path());
        std::os::unix::fs::symlink(&other, paths.aside()).unwrap();
        if complete {
            crate::venv::owned::testing::venv(&paths.env, &paths.env, Some("new"));
        } else {
            make_env(&paths.env, "partial");
            write_marker(&paths.env, "building").unwrap();
        }
        let err = recover(&paths, 0, &mut Vec::new()).unwrap_err();
        assert_eq!(err.path, paths.aside(), "{err:?}");
        assert!(err.source.to_string().contains("symlink"), "{err:?}");
        untouched(&other);
        assert!(paths.aside().is_symlink() && paths.intent().exists());
    }
}

/// The env path a symlink to a penv env elsewhere, with an intent
/// record: never taken for the partial build.
#[cfg(unix)]
#[test]
fn a_symlinked_env_is_never_removed_as_the_partial_build() {
    let (tmp, paths) = setup();
    let other = other_env(tmp.path());
    write_marker(&other, "building").unwrap();
    std::fs::remove_file(other.join(BUILD_MARKER)).unwrap();
    make_env(&paths.aside(), "old");
    std::os::unix::fs::symlink(&other, &paths.env).unwrap();
    let err = recover(&paths, 3, &mut Vec::new()).unwrap_err();
    assert_eq!(err.path, paths.env, "{err:?}");
    untouched(&other);
    assert!(paths.aside().join("lib/content").is_file());
}

/// An intent record that is a FIFO (or too large) is refused through the
/// capped reader, naming it: recovery neither blocks on it nor acts on it.
#[cfg(unix)]
#[test]
fn an_intent_record_that_is_no_regular_file_is_refused_without_blocking() {
    let (_tmp, paths) = setup();
    old_aside_and_partial_build(&paths);
    std::fs::remove_file(paths.intent()).unwrap();
    nix::unistd::mkfifo(
        &paths.intent(),
        nix::sys::stat::Mode::from_bits_truncate(0o600),
    )
    .unwrap();
    let err = recover(&paths, 3, &mut Vec::new()).unwrap_err();
    assert_eq!(err.path, paths.intent(), "{err:?}");
    assert!(err.source.to_string().contains("FIFO"), "{err:?}");
    std::fs::remove_file(paths.intent()).unwrap();
    std::fs::write(paths.intent(), vec![b' '; 2 * 1024 * 1024]).unwrap();
    let err = recover(&paths, 3, &mut Vec::new()).unwrap_err();
    assert!(err.source.to_string().contains("at most"), "{err:?}");
    assert!(paths.aside().join("lib/content").is_file());
    assert!(paths.env.join(BUILD_MARKER).is_file());
}
