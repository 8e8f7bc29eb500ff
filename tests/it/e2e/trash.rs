//! Deletion off the critical path: an env penv lets go of (the old env
//! not stashed, a stash entry pruned) leaves its place at once, into
//! `.penv/trash/`, and a detached `penv empty-trash` deletes it after the
//! command; the trash holds nothing else penv deletes, and a scan does not
//! list what is in it.

use super::data_safety::bare_toml;
use super::*;

/// Waits (up to 20 s) until `path` is gone; whether it went.
fn gone_within(path: &Path) -> bool {
    for _ in 0..200 {
        if !path.exists() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    false
}

#[test]
fn a_replaced_env_leaves_at_once_and_a_detached_penv_deletes_it() {
    let python = require_python!();
    let sb = Sandbox::new();
    sb.write("penv.toml", &bare_toml(python, "a", "keep-stashed = 0"));
    sb.ok(&["sync"]);
    let marker = sb.env().join("user-file.txt");
    std::fs::write(&marker, "old env").unwrap();
    // An emptier already at work (the trash's lock held): the sync does
    // not wait for it, and the old env waits in the trash.
    let work = sb.project.join(".penv");
    let held = std::fs::File::create(work.join("trash.lock")).unwrap();
    held.lock().unwrap();
    sb.write("penv.toml", &bare_toml(python, "b", "keep-stashed = 0"));
    sb.ok(&["sync"]);
    assert!(!marker.exists());
    let names = |dir: &Path| -> Vec<String> {
        std::fs::read_dir(dir)
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert!(
        !names(&work).iter().any(|n| n.starts_with("old-")),
        "{:?}",
        names(&work)
    );
    let trash = work.join("trash");
    let waiting = names(&trash);
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    let entry = trash.join(&waiting[0]);
    assert_eq!(
        std::fs::read_to_string(entry.join("user-file.txt")).unwrap(),
        "old env"
    );
    assert!(entry.join("penv-building").is_file());
    // The emptier then at work leaves it to the one it waited for (which
    // empties the trash it holds); here none comes back: the next sync,
    // a no-op, notices what waits and starts one.
    std::thread::sleep(std::time::Duration::from_secs(3));
    drop(held);
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(trash.exists());
    // `doctor` names what waits there.
    let out = sb.run(&["doctor"]);
    let said = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        said.contains(".penv/trash") && said.contains("did not finish deleting"),
        "{said}"
    );
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 0, "is up to date");
    assert!(gone_within(&trash), "{:?}", names(&trash));
    // A stash entry pruned goes the same way.
    for (prompt, keep) in [("c", 1), ("d", 1)] {
        sb.write(
            "penv.toml",
            &bare_toml(python, prompt, &format!("keep-stashed = {keep}")),
        );
        sb.ok(&["sync"]);
    }
    assert_eq!(names(&work.join("stash")).len(), 1);
    assert!(gone_within(&work.join("trash")));
}

#[test]
fn the_emptier_deletes_only_what_penv_marked_and_scans_skip_the_trash() {
    let python = require_python!();
    let sb = Sandbox::new();
    sb.write("penv.toml", &bare_toml(python, "a", "keep-stashed = 0"));
    sb.ok(&["sync"]);
    // An env-shaped directory in the trash that penv did not mark (copied
    // there by hand): a scan does not list it, the emptier leaves it.
    let trash = sb.project.join(".penv/trash");
    let stranger = trash.join("stranger");
    std::fs::create_dir_all(&stranger).unwrap();
    std::fs::write(stranger.join("pyvenv.cfg"), "home = /usr/bin\n").unwrap();
    let out = sb.run(&["envs", "--json", "--scan", "."]);
    assert_code(&out, 0);
    assert!(!stdout(&out).contains("trash"), "{}", stdout(&out));
    sb.write("penv.toml", &bare_toml(python, "b", "keep-stashed = 0"));
    sb.ok(&["sync"]);
    std::thread::sleep(std::time::Duration::from_millis(500));
    for _ in 0..100 {
        let left = std::fs::read_dir(&trash).unwrap().count();
        if left == 1 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let left: Vec<_> = std::fs::read_dir(&trash)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(left, ["stranger"]);
    assert!(stranger.join("pyvenv.cfg").exists());
    // The hidden command refuses to empty anything but a `.penv`'s trash.
    let elsewhere = sb.project.join("not-a-trash");
    std::fs::create_dir_all(elsewhere.join("x")).unwrap();
    sb.ok(&["empty-trash", elsewhere.to_str().unwrap()]);
    assert!(elsewhere.join("x").exists());
}
