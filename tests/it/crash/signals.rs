//! SIGINT/SIGTERM, concurrent syncs, `run` during a rebuild, pip failures.

use super::*;

// ---------------------------------------------------------------------------
// 2. SIGINT / SIGTERM during a rebuild

#[test]
fn sigint_and_sigterm_during_a_rebuild_put_the_old_env_back() {
    let python = require_python!();
    let p = Project::new(python, PACKAGES, true);
    let _reaper = Reaper::new(&p.sb);
    p.set(A);
    p.ok(&["sync"]);
    p.set(B);
    let cases: [(&str, &[Signal], i32); 3] = [
        ("SIGINT", &[Signal::SIGINT], 130),
        ("SIGTERM", &[Signal::SIGTERM], 143),
        ("SIGINT twice", &[Signal::SIGINT, Signal::SIGINT], 130),
    ];
    for (name, signals, code) in cases {
        let mut child = p
            .penv()
            .arg("sync")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let pip = wait_for_pip(&mut child, Duration::from_mins(1));
        assert!(pip.is_some(), "{name}: penv never ran pip");
        assert!(
            p.staging().join("penv-building").is_file() && !p.aside().exists(),
            "{name}: pip runs in a new env beside the old one"
        );
        assert_eq!(
            p.versions(),
            Some(p.expect_versions(A)),
            "{name}: the old env works while the new one is built"
        );
        for (i, &signal) in signals.iter().enumerate() {
            if i > 0 {
                std::thread::sleep(Duration::from_millis(50));
            }
            send(pid_of(&child), signal);
        }
        let out = child.wait_with_output().unwrap();
        eprintln!("{name}: exit {:?}", out.status.code());
        assert_eq!(out.status.code(), Some(code), "{name}: {}", show(&out));
        let err = stderr(&out);
        assert!(
            err.contains("interrupted; the previous env was put back"),
            "{name}: {err}"
        );
        assert_eq!(
            p.versions(),
            Some(p.expect_versions(A)),
            "{name}: the old env imports A"
        );
        assert!(!p.aside().exists() && !p.intent().exists(), "{name}");
        assert!(!p.staging().exists(), "{name}");
        assert!(!p.env().join("penv-building").exists(), "{name}");
        // Still stale for B, and says so.
        assert_eq!(p.run(&["sync", "--check"]).status.code(), Some(1), "{name}");
    }
    // And a plain sync then builds B.
    p.ok(&["sync"]);
    assert_eq!(p.versions(), Some(p.expect_versions(B)));
}

// ---------------------------------------------------------------------------
// 3. One writer

#[test]
fn eight_concurrent_syncs_build_once() {
    let python = require_python!();
    let p = Project::new(python, PACKAGES, true);
    let _reaper = Reaper::new(&p.sb);
    // Warm the private cache (interpreter probe, pip seed) with another project.
    let warm = p.sb.tmp.path().join("warm");
    std::fs::create_dir_all(&warm).unwrap();
    std::fs::write(
        warm.join("penv.toml"),
        // Offline, as the project is: the same pip seed, and no index asked.
        format!(
            "python = \"{}\"\n[pip]\nno-index = true\n",
            python.display()
        ),
    )
    .unwrap();
    let out = p.penv().arg("-C").arg(&warm).arg("sync").output().unwrap();
    assert!(out.status.success(), "{}", show(&out));

    p.set(B);
    let start = Instant::now();
    let children: Vec<Child> = (0..8)
        .map(|_| {
            p.penv()
                .arg("sync")
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let elapsed = start.elapsed();
    let count = |what: &str| outs.iter().filter(|o| stderr(o).contains(what)).count();
    let built = count("Built `.venv`");
    let by_other = count("brought up to date by another penv");
    let up_to_date = count("is up to date");
    let waited = count("Waiting for another penv");
    eprintln!(
        "8 concurrent syncs: {built} built, {by_other} found it built by another, \
         {up_to_date} found it up to date, {waited} printed that they wait; {:.1}s",
        elapsed.as_secs_f64()
    );
    for out in &outs {
        assert!(out.status.success(), "{}", show(out));
    }
    assert_eq!(built, 1, "exactly one build");
    assert_eq!(built + by_other + up_to_date, 8);
    assert!(waited >= 1, "the others waited for the builder");
    assert_eq!(p.versions(), Some(p.expect_versions(B)));
}

#[test]
fn run_during_a_rebuild_waits_and_runs_in_the_new_env() {
    let python = require_python!();
    let p = Project::new(python, PACKAGES, true);
    let _reaper = Reaper::new(&p.sb);
    p.set(A);
    p.ok(&["sync"]);
    p.set(B);
    let builder = p
        .penv()
        .arg("sync")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut builder = builder;
    assert!(
        wait_for_pip(&mut builder, Duration::from_mins(1)).is_some(),
        "the builder never ran pip"
    );
    let run = p
        .penv()
        .args([
            "run",
            "python",
            "-c",
            "import crashpkg0, sys; print(crashpkg0.VERSION, sys.prefix)",
        ])
        .output()
        .unwrap();
    let built = builder.wait_with_output().unwrap();
    assert!(built.status.success(), "{}", show(&built));
    assert!(stderr(&built).contains("Built `.venv`"), "{}", show(&built));
    assert!(run.status.success(), "{}", show(&run));
    assert!(
        stderr(&run).contains("Waiting for another penv"),
        "{}",
        show(&run)
    );
    assert_eq!(
        String::from_utf8_lossy(&run.stdout).trim(),
        format!("{B} {}", p.env().display()),
        "run used the new env"
    );
}

// ---------------------------------------------------------------------------
// 4. A requirement pip cannot install

#[test]
fn a_requirement_pip_cannot_install_leaves_the_old_env_working() {
    let python = require_python!();
    let p = Project::new(python, 2, false);
    let _reaper = Reaper::new(&p.sb);
    p.set(A);
    p.ok(&["sync"]);
    p.set_with(A, &["nosuchpkg==1.0"]);
    let out = p.run(&["sync"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        err.contains("No matching distribution found for nosuchpkg==1.0"),
        "{err}"
    );
    assert!(err.contains("The previous env is back"), "{err}");
    assert_eq!(p.versions(), Some(p.expect_versions(A)));
    assert!(!p.aside().exists() && !p.intent().exists());
    let check = p.run(&["sync", "--check"]);
    assert_eq!(check.status.code(), Some(1), "{}", show(&check));
    assert!(
        stderr(&check).contains("+nosuchpkg==1.0"),
        "{}",
        show(&check)
    );
    // The env is still usable through penv (stale: with a warning).
    let run = p.run(&["run", "--no-sync", "python", "-c", "import crashpkg0"]);
    assert!(run.status.success(), "{}", show(&run));
    assert!(stderr(&run).contains("stale"), "{}", show(&run));
}

/// The instants the sweep rarely hits, set up on disk: penv killed after
/// writing the intent record but before moving the old env aside (or after
/// moving it back, before removing the record). The old env is what is at
/// `.venv`; the next sync must not take it for a partial build and delete it
/// — here the new spec cannot be installed, so that would leave nothing.
#[test]
fn an_interrupted_rebuild_whose_old_env_never_moved_keeps_it() {
    let python = require_python!();
    let p = Project::new(python, 2, false);
    let _reaper = Reaper::new(&p.sb);
    p.set(A);
    p.ok(&["sync"]);
    p.set_with(A, &["nosuchpkg==1.0"]);
    let new_hash = String::from_utf8_lossy(&p.ok(&["hash"]).stdout)
        .trim()
        .to_owned();
    let intent = serde_json::json!({
        "pid": 999_999,
        "started": 0,
        "env": p.env(),
        "aside": p.aside(),
        "new-hash": new_hash,
    });
    std::fs::write(p.intent(), intent.to_string()).unwrap();
    let status = p.ok(&["status"]);
    assert!(
        String::from_utf8_lossy(&status.stdout).contains("a rebuild was interrupted"),
        "{}",
        show(&status)
    );

    let out = p.run(&["sync"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(!err.contains("no previous env to put back"), "{err}");
    assert!(err.contains("The previous env is back"), "{err}");
    assert_eq!(p.versions(), Some(p.expect_versions(A)), "{err}");
    assert!(!p.intent().exists() && !p.aside().exists());
}
