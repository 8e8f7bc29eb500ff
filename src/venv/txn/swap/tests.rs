//! Swaps completed, cut short at each step, and refused.

use std::path::Path;

use super::*;
use crate::venv::owned::testing::{state, venv};
use crate::venv::txn::recover;

fn content(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("lib/content")).unwrap()
}

/// A project with env A (complete, penv's) at `.venv`.
fn with_old_env() -> (tempfile::TempDir, EnvPaths) {
    let tmp = tempfile::tempdir().unwrap();
    let paths = EnvPaths::new(tmp.path().join(".venv"));
    venv(&paths.env, &paths.env, Some("aaaaaaaaaaaaaaaa"));
    std::fs::write(paths.env.join("lib/content"), "A").unwrap();
    (tmp, paths)
}

/// Builds B beside A as a build would: the marker first, then the env.
fn build_beside(paths: &EnvPaths) -> Beside {
    let beside = Beside::begin(paths, Occupant::Penv, "bbbbbbbbbbbbbbbb").unwrap();
    let dir = beside.dir();
    assert!(
        dir.join(BUILD_MARKER).is_file(),
        "marked before anything is written"
    );
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    std::fs::create_dir_all(dir.join("lib")).unwrap();
    std::fs::write(dir.join("pyvenv.cfg"), "home = /usr/bin\n").unwrap();
    std::fs::write(dir.join("bin/python"), "").unwrap();
    std::fs::write(dir.join("lib/content"), "B").unwrap();
    beside
}

#[test]
fn a_complete_build_is_swapped_in_and_the_old_env_stashed() {
    let (_tmp, paths) = with_old_env();
    let beside = build_beside(&paths);
    // All through the build, `.venv` is A.
    assert_eq!(content(&paths.env), "A");
    beside
        .commit(&state(&paths.env, "bbbbbbbbbbbbbbbb"), 3)
        .unwrap();
    assert_eq!(content(&paths.env), "B");
    assert!(!paths.staging().exists() && !paths.intent().exists());
    let stashed = crate::venv::stash::list(&paths);
    assert_eq!(stashed.len(), 1);
    assert_eq!(content(&stashed[0].path), "A");
}

#[test]
fn a_kill_during_the_build_leaves_the_old_env_and_recovery_removes_the_new_one() {
    let (_tmp, paths) = with_old_env();
    let beside = build_beside(&paths);
    std::mem::forget(beside); // killed: nothing runs after this
    assert!(keeps_env_whole(&paths));
    assert_eq!(content(&paths.env), "A");
    let recovery = recover(&paths, 3, &mut Vec::new()).unwrap();
    assert_eq!(recovery, Some(Recovery::RolledBack { restored_old: true }));
    assert_eq!(content(&paths.env), "A");
    assert!(!paths.staging().exists() && !paths.intent().exists());
}

#[test]
fn a_kill_right_after_the_exchange_is_finished_by_recovery() {
    let (_tmp, paths) = with_old_env();
    let beside = build_beside(&paths);
    let dir = beside.dir();
    state(&paths.env, "bbbbbbbbbbbbbbbb").write(&dir).unwrap();
    fs::delete_file(&dir.join(BUILD_MARKER)).unwrap();
    std::mem::forget(beside);
    // The exchange happened, then the kill: B at `.venv`, A where B was.
    if !fs::exchange(&dir, &paths.env).unwrap() {
        eprintln!("skipped: this file system cannot exchange directories");
        return;
    }
    assert_eq!(content(&paths.env), "B");
    let recovery = recover(&paths, 3, &mut Vec::new()).unwrap();
    assert_eq!(recovery, Some(Recovery::Finished));
    assert_eq!(content(&paths.env), "B");
    assert!(!paths.staging().exists() && !paths.intent().exists());
    assert_eq!(content(&crate::venv::stash::list(&paths)[0].path), "A");
}

#[test]
fn a_complete_build_not_yet_swapped_is_undone() {
    let (_tmp, paths) = with_old_env();
    let beside = build_beside(&paths);
    state(&paths.env, "bbbbbbbbbbbbbbbb")
        .write(&beside.dir())
        .unwrap();
    fs::delete_file(&beside.dir().join(BUILD_MARKER)).unwrap();
    std::mem::forget(beside);
    let recovery = recover(&paths, 3, &mut Vec::new()).unwrap();
    assert_eq!(recovery, Some(Recovery::RolledBack { restored_old: true }));
    assert_eq!(content(&paths.env), "A");
    assert!(!paths.staging().exists());
}

/// A first build: nothing at `.venv`, the new env renamed there.
#[test]
fn a_first_build_is_renamed_into_place() {
    let tmp = tempfile::tempdir().unwrap();
    let paths = EnvPaths::new(tmp.path().join(".venv"));
    let beside = build_beside(&paths);
    beside
        .commit(&state(&paths.env, "bbbbbbbbbbbbbbbb"), 3)
        .unwrap();
    assert_eq!(content(&paths.env), "B");
    assert!(!paths.staging().exists() && !paths.intent().exists());
}

/// Something at `.penv/new-.venv` with no record of why: never deleted.
#[test]
fn an_unexplained_staging_dir_is_refused_not_deleted() {
    let (_tmp, paths) = with_old_env();
    paths.ensure_work_dir().unwrap();
    std::fs::create_dir_all(paths.staging()).unwrap();
    std::fs::write(paths.staging().join("notes.txt"), "precious").unwrap();
    let err = Beside::begin(&paths, Occupant::Penv, "bbbbbbbbbbbbbbbb").unwrap_err();
    assert!(format!("{err:?}").contains("no record"), "{err:?}");
    assert!(paths.staging().join("notes.txt").is_file());
    assert!(!paths.intent().exists());
}

/// A stash restore is the same swap: the entry at `.venv`, A stashed.
#[test]
fn a_stash_restore_swaps_the_entry_in() {
    let (_tmp, paths) = with_old_env();
    let entry = paths.stash_dir().join(".venv-bbbbbbbbbbbbbbbb-1");
    venv(&entry, &paths.env, Some("bbbbbbbbbbbbbbbb"));
    std::fs::write(entry.join("lib/content"), "B").unwrap();
    let mut st = State::read(&entry).unwrap().unwrap();
    st.last_used = 42;
    restore(&paths, Occupant::Penv, &entry, &st, 3).unwrap();
    assert_eq!(content(&paths.env), "B");
    assert_eq!(State::read(&paths.env).unwrap().unwrap().last_used, 42);
    assert!(!entry.exists() && !paths.intent().exists());
    let stashed = crate::venv::stash::list(&paths);
    assert_eq!(stashed.len(), 1);
    assert_eq!(content(&stashed[0].path), "A");
}
