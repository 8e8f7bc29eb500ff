//! The store of scripts' envs: bounded by `PENV_STORE_MAX`, least recently
//! used entries evicted after a build, never one in use (a script running
//! in it); `penv cache clean` leaves it, `penv envs prune --store` empties
//! it.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use super::script::{entry_of, ok, penv, private_cache, sandbox_with_script_wheels, script_text};
use crate::common::Sandbox;
use crate::common::output::{stderr, stdout};

/// A script whose block differs from the others' by `beta`'s version
/// (another entry each) and that, with `wait FLAG RELEASE`, writes `FLAG`
/// and waits (at most a minute) for `RELEASE` to exist.
fn write_script(sb: &Sandbox, python: &Path, name: &str, beta: &str) {
    let text = script_text(python, &["alpha", &format!("beta=={beta}")]).replace(
        "import sys, alpha, beta\n",
        "import os, sys, time, alpha, beta\nif sys.argv[1:2] == ['wait']:\n    open(sys.argv[2], 'w').close()\n    end = time.time() + 60\n    while not os.path.exists(sys.argv[3]) and time.time() < end:\n        time.sleep(0.05)\n",
    );
    sb.write(name, &text);
}

#[test]
fn the_store_evicts_least_recently_used_entries_but_never_one_in_use() {
    let python = crate::require_python!();
    let sb = sandbox_with_script_wheels();
    let cache = private_cache(&sb);
    write_script(&sb, python, "a.py", "1.0");
    write_script(&sb, python, "b.py", "2.0");
    write_script(&sb, python, "c.py", "1.0,<3");
    ok(penv(&sb, &cache).args(["sync", "--script", "a.py"]));
    let a = entry_of(&sb, &cache, "a.py");
    // `a.py` runs, holding its entry, while `b.py` is built in a store
    // bounded to one byte: the entry in use stays.
    let flag = sb.tmp.path().join("running");
    let release = sb.tmp.path().join("release");
    let mut running = penv(&sb, &cache)
        .args(["run", "a.py", "wait"])
        .arg(&flag)
        .arg(&release)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !flag.exists() {
        assert!(
            start.elapsed() < Duration::from_mins(1),
            "a.py never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = ok(penv(&sb, &cache)
        .env("PENV_STORE_MAX", "1")
        .args(["sync", "--script", "b.py"]));
    let b = entry_of(&sb, &cache, "b.py");
    assert!(
        a.join("penv-state.json").is_file(),
        "the entry in use was evicted"
    );
    assert!(!stderr(&out).contains("Removed"), "{}", stderr(&out));
    std::fs::write(&release, "").unwrap();
    assert!(running.wait().unwrap().success());
    // `b.py` is used after `a.py` ran: `a` is now the least recently used.
    ok(penv(&sb, &cache).args(["run", "b.py"]));
    // With nothing in use, building `c.py` evicts both others, least
    // recently used first, and keeps the entry just built.
    let out = ok(penv(&sb, &cache)
        .env("PENV_STORE_MAX", "1")
        .args(["sync", "--script", "c.py"]));
    let c = entry_of(&sb, &cache, "c.py");
    assert!(c.join("penv-state.json").is_file());
    assert!(!a.exists(), "{}", stderr(&out));
    assert!(!b.exists(), "{}", stderr(&out));
    let said = stderr(&out);
    let first = said.find(&a.file_name().unwrap().to_string_lossy().into_owned());
    let second = said.find(&b.file_name().unwrap().to_string_lossy().into_owned());
    assert!(first < second && first.is_some(), "{said}");

    // `cache clean` leaves the store; `envs prune --store` empties it.
    ok(penv(&sb, &cache).args(["cache", "clean"]));
    assert!(c.join("penv-state.json").is_file());
    let out = ok(penv(&sb, &cache).args(["cache", "dir"]));
    assert!(
        stdout(&out).contains("envs/  the store"),
        "{}",
        stdout(&out)
    );
    ok(penv(&sb, &cache).args(["envs", "prune", "--store", "--yes"]));
    assert!(!c.exists());
    // A bad bound is refused before anything is built.
    let out = penv(&sb, &cache)
        .env("PENV_STORE_MAX", "lots")
        .args(["sync", "--script", "a.py"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("PENV_STORE_MAX=lots"),
        "{}",
        stderr(&out)
    );
}
