//! Crash safety and locking, as README "Safety" promises them, each a real
//! scenario with the machine's Python and wheels built here (no network):
//!
//! - `kill -9` at every point of a rebuild (penv alone, or penv and all its
//!   children at once, like a power loss): the project always has a complete
//!   env somewhere, and the next `penv sync` finishes or undoes the rebuild;
//! - SIGINT / SIGTERM during a rebuild: the old env is put back, exit 130/143;
//! - concurrent syncs build once; a `penv run` during a rebuild waits for it;
//! - a requirement pip cannot install leaves the old env in place;
//! - a base interpreter that is removed or replaced by another version.
//!
//! The kill sweep steps 50 ms by default; `PENV_CRASH_STEP_MS=10` (or
//! `just crash`) sweeps finer. Run with `--nocapture` to see the figures.

#![cfg(unix)]

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{Sandbox, build_wheel_with};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// Packages in the crash project: enough that pip takes most of a second.
const PACKAGES: usize = 8;
const A: &str = "1.0";
const B: &str = "2.0";

// ---------------------------------------------------------------------------
// Processes

/// The pids whose parent is `pid` (from `/proc/*/stat`).
fn children_of(pid: i32) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&p| parent_of(p) == Some(pid))
        .collect()
}

/// The parent pid of `pid`: the field after the state, after `(comm)`.
fn parent_of(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

fn cmdline(pid: i32) -> String {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
        .unwrap_or_default()
}

fn send(pid: i32, signal: Signal) {
    let _ = kill(Pid::from_raw(pid), signal);
}

fn pid_of(child: &Child) -> i32 {
    i32::try_from(child.id()).expect("pid fits")
}

/// Power-loss-like: stops `root` and every descendant (repeating until no
/// new one appears), then SIGKILLs them all, so nothing runs on after it.
fn kill_tree(root: i32) -> usize {
    send(root, Signal::SIGSTOP);
    let mut all = vec![root];
    loop {
        let mut found = false;
        for pid in all.clone() {
            for child in children_of(pid) {
                if !all.contains(&child) {
                    send(child, Signal::SIGSTOP);
                    all.push(child);
                    found = true;
                }
            }
        }
        if !found {
            break;
        }
    }
    for &pid in &all {
        send(pid, Signal::SIGKILL);
    }
    all.len() - 1
}

/// Waits until penv (`child`) runs pip; `None` if penv exits first or it
/// takes more than `timeout`.
fn wait_for_pip(child: &mut Child, timeout: Duration) -> Option<i32> {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if child.try_wait().expect("try_wait").is_some() {
            return None;
        }
        for pid in children_of(pid_of(child)) {
            let cmd = cmdline(pid);
            if cmd.contains(" -m pip install ") {
                return Some(pid);
            }
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    None
}

/// Kills (SIGKILL, by pid) whatever a test started and left running: any
/// process whose command line or working directory mentions the test's
/// temp dir. Runs on every exit path, panics included.
struct Reaper {
    marker: String,
}

impl Reaper {
    fn new(sb: &Sandbox) -> Self {
        Self {
            marker: format!("{}/", sb.tmp.path().canonicalize().unwrap().display()),
        }
    }

    fn leftovers(&self) -> Vec<i32> {
        let me = i32::try_from(std::process::id()).unwrap();
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        entries
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
            .filter(|&pid| pid != me)
            .filter(|&pid| {
                let cwd = std::fs::read_link(format!("/proc/{pid}/cwd")).unwrap_or_default();
                cmdline(pid).contains(&self.marker) || cwd.starts_with(&self.marker)
            })
            // Zombies (already dead, not yet reaped) need no kill.
            .filter(|&pid| {
                std::fs::read_to_string(format!("/proc/{pid}/stat"))
                    .ok()
                    .and_then(|s| {
                        s[s.rfind(')')? + 1..]
                            .split_whitespace()
                            .next()
                            .map(|st| st != "Z")
                    })
                    .unwrap_or(false)
            })
            .collect()
    }
}

impl Drop for Reaper {
    fn drop(&mut self) {
        for _ in 0..50 {
            let left = self.leftovers();
            if left.is_empty() {
                return;
            }
            for pid in left {
                send(pid, Signal::SIGKILL);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

// ---------------------------------------------------------------------------
// The project

/// A sandboxed project whose spec is A (`crashpkgN==1.0`) or B (`==2.0`).
struct Project {
    sb: Sandbox,
    python: &'static Path,
    cache: PathBuf,
    packages: usize,
}

impl Project {
    /// `packages` wheels in two versions each; a private cache when `private_cache`.
    fn new(python: &'static Path, packages: usize, private_cache: bool) -> Self {
        let sb = Sandbox::new();
        let cache = if private_cache {
            sb.tmp.path().join("cache")
        } else {
            sb.cache.clone()
        };
        for i in 0..packages {
            for version in [A, B] {
                build_wheel_with(
                    &sb.wheels,
                    &format!("crashpkg{i}"),
                    version,
                    &[],
                    &module_source(version),
                );
            }
        }
        Self {
            sb,
            python,
            cache,
            packages,
        }
    }

    fn penv(&self) -> Command {
        let mut cmd = self.sb.penv();
        cmd.env("PENV_CACHE_DIR", &self.cache)
            .env("PENV_LOCK_TIMEOUT", "60");
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.penv().args(args).output().expect("penv runs")
    }

    fn ok(&self, args: &[&str]) -> Output {
        let out = self.run(args);
        assert!(out.status.success(), "penv {args:?} failed: {}", show(&out));
        out
    }

    /// Writes penv.toml for `version` (A or B) of every package, plus `extra` requirements.
    fn set_with(&self, version: &str, extra: &[&str]) {
        let mut reqs: Vec<String> = (0..self.packages)
            .map(|i| format!("\"crashpkg{i}=={version}\""))
            .collect();
        reqs.extend(extra.iter().map(|r| format!("\"{r}\"")));
        self.sb.write(
            "penv.toml",
            &self.sb.offline_toml(
                self.python,
                &format!("requirements = [{}]", reqs.join(", ")),
            ),
        );
    }

    fn set(&self, version: &str) {
        self.set_with(version, &[]);
    }

    fn hash(&self, version: &str) -> String {
        self.set(version);
        String::from_utf8_lossy(&self.ok(&["hash"]).stdout)
            .trim()
            .to_owned()
    }

    fn env(&self) -> PathBuf {
        self.sb.env()
    }

    fn aside(&self) -> PathBuf {
        self.sb.project.join(".penv/old-.venv")
    }

    fn intent(&self) -> PathBuf {
        self.sb.project.join(".penv/txn-.venv.json")
    }

    /// The `VERSION` of every package, as the env's python imports them
    /// (`None` if it cannot).
    fn versions(&self) -> Option<String> {
        let code = format!(
            "print(' '.join(__import__('crashpkg%d' % i).VERSION for i in range({})))",
            self.packages
        );
        let (ok, out) = self.sb.env_python(&code);
        ok.then_some(out)
    }

    fn expect_versions(&self, version: &str) -> String {
        vec![version; self.packages].join(" ")
    }

    /// Drops every stashed env, so the next change of spec builds.
    fn clear_stash(&self) {
        let stash = self.sb.project.join(".penv/stash");
        if stash.exists() {
            std::fs::remove_dir_all(&stash).unwrap();
        }
    }
}

/// A module of some KB, so the wheels are not trivially small.
fn module_source(version: &str) -> String {
    let mut src = format!("VERSION = {version:?}\n");
    for i in 0..200 {
        let _ = write!(src, "\ndef f{i}(x):\n    return x + {i}\n");
    }
    src
}

fn show(out: &Output) -> String {
    format!(
        "{}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The spec hash of a complete env at `dir`: a valid state file, built at
/// `env`, `pyvenv.cfg` and `bin/python` there, no build marker.
fn complete_env_hash(dir: &Path, env: &Path) -> Option<String> {
    let bytes = std::fs::read(dir.join("penv-state.json")).ok()?;
    let state: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let complete = state["venv-path"].as_str() == Some(env.to_str()?)
        && state["format"].as_u64() == Some(1)
        && dir.join("pyvenv.cfg").is_file()
        && dir.join("bin/python").exists()
        && !dir.join("penv-building").exists();
    complete.then(|| state["hash"].as_str().map(str::to_owned))?
}

// ---------------------------------------------------------------------------
// 1. kill -9 at every point of a rebuild

#[derive(Clone, Copy, Debug)]
enum KillMode {
    /// SIGKILL penv alone: its pip (own process group) runs on, holding the lock.
    Penv,
    /// SIGKILL penv and every descendant at once, like a power loss.
    Tree,
}

#[allow(
    clippy::disallowed_methods,
    reason = "the test's own knob, not an environment variable penv reads"
)]
fn step_ms() -> u64 {
    std::env::var("PENV_CRASH_STEP_MS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|&s| s > 0)
        .unwrap_or(50)
}

/// When a crash point kills penv.
#[derive(Clone, Copy, Debug)]
enum Trigger {
    /// This many ms after penv starts.
    After(u64),
    /// As soon as the intent record appears (the old env is about to move aside).
    IntentRecorded,
    /// As soon as the new env's state file appears (the commit under way).
    NewStateWritten,
}

/// What one crash point found.
struct Point {
    /// The rebuild finished before the kill.
    completed: bool,
    /// Where the complete env was right after the kill.
    state: &'static str,
    /// What the next sync did.
    recovery: &'static str,
    /// Children killed with penv (power-loss mode).
    children: usize,
    /// What went wrong, if anything.
    failure: Option<String>,
}

/// One crash point: from env A, start `penv sync` for B, kill it at
/// `trigger`, check that a complete env is somewhere, sync again (it must
/// end with B, and A must have been kept in the stash, not lost), then go
/// back to A (a stash restore) and empty the stash.
fn crash_point(p: &Project, mode: KillMode, trigger: Trigger, hashes: (&str, &str)) -> Point {
    let (hash_a, hash_b) = hashes;
    p.set(B);
    let spawned = Instant::now();
    let mut child = p
        .penv()
        .arg("sync")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let new_state = p.env().join("penv-state.json");
    let fire = |child: &mut Child| -> bool {
        loop {
            let now = match trigger {
                Trigger::After(ms) => spawned.elapsed() >= Duration::from_millis(ms),
                Trigger::IntentRecorded => p.intent().exists(),
                Trigger::NewStateWritten => p.aside().exists() && new_state.exists(),
            };
            if now {
                return true;
            }
            if child.try_wait().unwrap().is_some() {
                return false;
            }
            if let Trigger::After(_) = trigger {
                std::thread::sleep(Duration::from_micros(200));
            }
        }
    };
    let mut children = 0;
    if fire(&mut child) {
        match mode {
            KillMode::Penv => send(pid_of(&child), Signal::SIGKILL),
            KillMode::Tree => children = kill_tree(pid_of(&child)),
        }
    }
    let status = child.wait().unwrap();
    if status.success() {
        assert_eq!(p.versions(), Some(p.expect_versions(B)));
        p.set(A);
        p.ok(&["sync"]);
        p.clear_stash();
        return Point {
            completed: true,
            state: "",
            recovery: "",
            children,
            failure: None,
        };
    }

    // (a) A complete env is somewhere.
    let in_place = complete_env_hash(&p.env(), &p.env());
    let aside = complete_env_hash(&p.aside(), &p.env());
    let intent = p.intent().is_file();
    let state = match (&in_place, &aside) {
        (Some(h), _) if h == hash_a && intent => "A at .venv, intent recorded",
        (Some(h), _) if h == hash_a => "A at .venv",
        (Some(h), _) if h == hash_b && intent => "B at .venv, intent recorded",
        (Some(h), _) if h == hash_b => "B at .venv",
        (_, Some(h)) if h == hash_a && intent => "A aside, intent recorded",
        _ => "NO COMPLETE ENV",
    };
    let mut failure = (state == "NO COMPLETE ENV").then(|| {
        format!("no complete env after the kill (.venv: {in_place:?}, aside: {aside:?}, intent: {intent})")
    });

    // (b) The next sync recovers and builds B.
    let out = p.run(&["sync"]);
    let err = stderr(&out);
    let recovery = if err.contains("finished a rebuild") {
        "finished the interrupted rebuild"
    } else if err.contains("undid a rebuild") {
        "undid the interrupted rebuild"
    } else if err.contains("no previous env to put back") {
        "removed a partial env"
    } else if err.contains("Built") {
        "plain build"
    } else {
        "no rebuild needed"
    };
    let good = out.status.success()
        && p.versions() == Some(p.expect_versions(B))
        && !p.intent().exists()
        && !p.aside().exists();
    if !good && failure.is_none() {
        failure = Some(format!(
            "the recovery sync did not end with B: {}; imports: {:?}",
            show(&out),
            p.versions()
        ));
    }

    // (c) Back to A: a stash restore, since nothing may have lost the old env.
    p.set(A);
    let back = p.ok(&["sync"]);
    assert_eq!(
        p.versions(),
        Some(p.expect_versions(A)),
        "A did not come back intact"
    );
    if !stderr(&back).contains("Restored `.venv` from the stash") && failure.is_none() {
        failure = Some(format!(
            "the old env A was lost (not stashed) after the kill left {state:?} and \
             the next sync said:\n{err}\ngoing back to A said:\n{}",
            stderr(&back)
        ));
    }
    p.clear_stash();
    Point {
        completed: false,
        state,
        recovery,
        children,
        failure: failure.map(|f| format!("{trigger:?}: {f}")),
    }
}

fn kill_sweep(mode: KillMode) {
    let python = require_python!();
    let p = Project::new(python, PACKAGES, true);
    let _reaper = Reaper::new(&p.sb);
    let hash_a = p.hash(A);
    let hash_b = p.hash(B);
    p.set(A);
    p.ok(&["sync"]);
    assert_eq!(p.versions(), Some(p.expect_versions(A)));

    let step = step_ms();
    let started = Instant::now();
    let mut tried = 0usize;
    let mut recovered = 0usize;
    let mut killed_children = 0usize;
    let mut states: BTreeMap<&str, usize> = BTreeMap::new();
    let mut recoveries: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failures: Vec<String> = Vec::new();
    let mut completed_at = None;
    // Every `step` ms until a rebuild completes before the kill, then a few
    // kills at the two instants a timed sweep rarely hits.
    let timed = (0u64..1000).map(|i| Trigger::After(i * step));
    let events = [Trigger::IntentRecorded, Trigger::NewStateWritten].repeat(3);
    for trigger in timed.chain(events) {
        if completed_at.is_some() && matches!(trigger, Trigger::After(_)) {
            continue;
        }
        let point = crash_point(&p, mode, trigger, (&hash_a, &hash_b));
        killed_children += point.children;
        if point.completed {
            if let Trigger::After(t) = trigger {
                completed_at = Some(t);
            }
            continue;
        }
        tried += 1;
        *states.entry(point.state).or_default() += 1;
        *recoveries.entry(point.recovery).or_default() += 1;
        match point.failure {
            None => recovered += 1,
            Some(f) => failures.push(f),
        }
    }
    eprintln!(
        "kill -9 sweep ({mode:?}{}): step {step} ms, then 3 kills each as the intent record \
         and as the new state appear: {tried} points tried, {recovered} recovered; \
         the rebuild completed unkilled at t={} ms; after the kill: {states:?}; \
         the next sync: {recoveries:?}; {:.1}s",
        match mode {
            KillMode::Penv => String::new(),
            KillMode::Tree => format!(", {killed_children} children killed with it"),
        },
        completed_at.map_or_else(|| "?".to_owned(), |t| t.to_string()),
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} of {tried} points not recovered:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert_eq!(recovered, tried);
    assert!(completed_at.is_some(), "the timed sweep never completed");
    assert!(
        states.contains_key("A aside, intent recorded"),
        "no kill landed mid-rebuild (old env aside): the sweep tested nothing: {states:?}"
    );
    assert!(
        recoveries.contains_key("undid the interrupted rebuild"),
        "no recovery undid a rebuild: {recoveries:?}"
    );
}

#[test]
fn kill_9_of_penv_at_any_point_of_a_rebuild_is_recovered() {
    kill_sweep(KillMode::Penv);
}

#[test]
fn kill_9_of_penv_and_its_children_at_any_point_of_a_rebuild_is_recovered() {
    kill_sweep(KillMode::Tree);
}

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
            p.env().join("penv-building").is_file() && p.aside().is_dir(),
            "{name}: pip runs in a new env, the old one aside"
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

// ---------------------------------------------------------------------------
// 5. The base interpreter removed or replaced

/// `sys.base_prefix` and `X.Y` of an interpreter.
fn prefix_and_version(python: &Path) -> Option<(PathBuf, String)> {
    let out = Command::new(python)
        .args([
            "-I",
            "-c",
            "import sys; print(sys.base_prefix); print('%d.%d' % sys.version_info[:2])",
        ])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut lines = text.lines();
    let prefix = PathBuf::from(lines.next()?);
    let version = lines.next()?.to_owned();
    (out.status.success() && prefix.join(format!("lib/python{version}/os.py")).is_file())
        .then_some((prefix, version))
}

/// A copy of the interpreter installed at `prefix` (Python `version`) at
/// `to`: `bin/pythonX.Y` (plus `python3` and `python` links to it), the
/// standard library without its tests and site-packages, and `libpython*`.
/// Files are hard-linked where possible (it is the same file system), so it
/// costs milliseconds; deleting the copy leaves the original alone.
fn copy_python(prefix: &Path, version: &str, to: &Path) {
    let exe = format!("python{version}");
    std::fs::create_dir_all(to.join("bin")).unwrap();
    link_or_copy(&prefix.join("bin").join(&exe), &to.join("bin").join(&exe));
    for alias in ["python3", "python"] {
        std::os::unix::fs::symlink(&exe, to.join("bin").join(alias)).unwrap();
    }
    let lib = format!("lib/python{version}");
    copy_tree(
        &prefix.join(&lib),
        &to.join(&lib),
        &["test", "site-packages"],
    );
    std::fs::create_dir_all(to.join(&lib).join("site-packages")).unwrap();
    for entry in std::fs::read_dir(prefix.join("lib")).unwrap().flatten() {
        if entry.file_name().to_string_lossy().starts_with("libpython") {
            copy_tree(&entry.path(), &to.join("lib").join(entry.file_name()), &[]);
        }
    }
}

fn link_or_copy(from: &Path, to: &Path) {
    if std::fs::hard_link(from, to).is_err() {
        std::fs::copy(from, to).unwrap();
    }
}

/// Copies `from` to `to` (symlinks as symlinks, files hard-linked where
/// possible), skipping the top-level entries named in `skip`.
fn copy_tree(from: &Path, to: &Path, skip: &[&str]) {
    let meta = std::fs::symlink_metadata(from).unwrap();
    if meta.file_type().is_symlink() {
        std::os::unix::fs::symlink(std::fs::read_link(from).unwrap(), to).unwrap();
    } else if meta.is_dir() {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap().flatten() {
            let name = entry.file_name();
            if !skip.iter().any(|s| name == *s) {
                copy_tree(&entry.path(), &to.join(&name), &[]);
            }
        }
    } else {
        link_or_copy(from, to);
    }
}

/// Another CPython 3.X than `version` among pyenv's versions, for replacing
/// an interpreter by another version at the same path.
#[allow(
    clippy::disallowed_methods,
    reason = "where this machine keeps its Pythons, not an environment variable penv reads"
)]
fn other_python(version: &str) -> Option<(PathBuf, String)> {
    let root = std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pyenv")))?;
    // The newest other 3.X (>= 3.8): an upgrade, the usual way this happens.
    std::fs::read_dir(root.join("versions"))
        .ok()?
        .flatten()
        .filter_map(|dir| {
            let (prefix, v) = prefix_and_version(&dir.path().join("bin/python3"))?;
            let minor: u32 = v.strip_prefix("3.")?.parse().ok()?;
            (v != version && minor >= 8).then_some((minor, prefix, v))
        })
        .max_by_key(|(minor, ..)| *minor)
        .map(|(_, prefix, v)| (prefix, v))
}

/// A penv.toml requesting `python` with one package, offline.
fn interpreter_project(p: &Project, python: &str) {
    p.sb.write(
        "penv.toml",
        &format!(
            "python = \"{python}\"\nrequirements = [\"crashpkg0=={A}\"]\n[pip]\nfind-links = [\"{}\"]\nno-index = true\n",
            p.sb.wheels.display()
        ),
    );
}

fn base_of_env(p: &Project) -> String {
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(p.env().join("penv-state.json")).unwrap()).unwrap();
    state["base"]["path"].as_str().unwrap().to_owned()
}

#[test]
fn a_base_interpreter_that_is_removed_is_noticed_and_replaced() {
    let python = require_python!();
    let (prefix, version) = prefix_and_version(python).expect("python3 reports its prefix");
    let p = Project::new(python, 1, false);
    let _reaper = Reaper::new(&p.sb);
    let copy = p.sb.tmp.path().join("copied-python");
    copy_python(&prefix, &version, &copy);
    let path = format!("{}:{}", copy.join("bin").display(), Sandbox::path_var());

    // A version request: the copy comes first on PATH, so it is chosen.
    interpreter_project(&p, &version);
    let penv = |args: &[&str]| p.penv().env("PATH", &path).args(args).output().unwrap();
    let out = penv(&["sync"]);
    assert!(out.status.success(), "{}", show(&out));
    let copied_exe = copy.join(format!("bin/python{version}"));
    assert_eq!(base_of_env(&p), copied_exe.display().to_string());
    assert_eq!(p.versions(), Some(A.to_owned()));

    std::fs::remove_dir_all(&copy).unwrap();
    let gone = format!("base interpreter `{}`", copied_exe.display());

    let run = penv(&["run", "--no-sync", "python", "-c", "pass"]);
    assert_eq!(run.status.code(), Some(2), "{}", show(&run));
    assert!(stderr(&run).contains("is broken"), "{}", show(&run));
    assert!(stderr(&run).contains(&gone), "{}", show(&run));

    let status = penv(&["status"]);
    assert!(status.status.success(), "{}", show(&status));
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(text.contains("state:       broken"), "{text}");
    assert!(text.contains(&gone), "{text}");

    // The request allows another interpreter: sync rebuilds with it, saying why.
    let out = penv(&["sync"]);
    assert!(out.status.success(), "{}", show(&out));
    let err = stderr(&out);
    assert!(err.contains("Recreating `.venv` (broken):"), "{err}");
    assert!(err.contains(&gone), "{err}");
    assert_ne!(base_of_env(&p), copied_exe.display().to_string());
    assert_eq!(p.versions(), Some(A.to_owned()));
    let run = penv(&["run", "--no-sync", "python", "-c", "pass"]);
    assert!(run.status.success(), "{}", show(&run));
}

#[test]
fn a_base_interpreter_path_that_is_gone_is_a_clear_error_and_the_env_is_left_alone() {
    let python = require_python!();
    let (prefix, version) = prefix_and_version(python).expect("python3 reports its prefix");
    let p = Project::new(python, 1, false);
    let _reaper = Reaper::new(&p.sb);
    let copy = p.sb.tmp.path().join("copied-python");
    copy_python(&prefix, &version, &copy);
    let request = copy.join("bin/python3");
    interpreter_project(&p, &request.display().to_string());
    p.ok(&["sync"]);
    assert_eq!(p.versions(), Some(A.to_owned()));

    std::fs::remove_dir_all(&copy).unwrap();
    let named = format!("`{}`", request.display());
    for args in [
        &["run", "--no-sync", "python", "-c", "pass"][..],
        &["status"],
        &["sync"],
    ] {
        let out = p.run(args);
        eprintln!(
            "penv {args:?} with the interpreter path gone: {}",
            show(&out)
        );
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", show(&out));
        let err = stderr(&out);
        assert!(err.contains(&named), "{args:?}: {err}");
        assert!(err.contains("no such file"), "{args:?}: {err}");
        assert!(
            err.contains("penv.toml:1"),
            "{args:?} points at the request: {err}"
        );
    }
    // Nothing was touched: the env is still there, recognisably penv's.
    assert!(p.env().join("penv-state.json").is_file());
    assert!(!p.intent().exists() && !p.aside().exists());
}

#[test]
fn a_base_interpreter_replaced_by_another_version_is_refused_then_rebuilt() {
    let python = require_python!();
    let (prefix, version) = prefix_and_version(python).expect("python3 reports its prefix");
    let Some((other_prefix, other_version)) = other_python(&version) else {
        skip!("no Python 3.X other than {version} in pyenv's versions to replace it with");
    };
    let p = Project::new(python, 1, false);
    let _reaper = Reaper::new(&p.sb);
    let copy = p.sb.tmp.path().join("copied-python");
    copy_python(&prefix, &version, &copy);
    let request = copy.join("bin/python3");
    interpreter_project(&p, &request.display().to_string());
    p.ok(&["sync"]);

    // An upgrade in place: the same `bin/python3`, now another X.Y.
    std::fs::remove_dir_all(&copy).unwrap();
    copy_python(&other_prefix, &other_version, &copy);

    let run = p.run(&["run", "--no-sync", "python", "-c", "pass"]);
    eprintln!(
        "run --no-sync after {version} → {other_version}: {}",
        show(&run)
    );
    assert_eq!(run.status.code(), Some(2), "{}", show(&run));
    assert!(stderr(&run).contains("is broken"), "{}", show(&run));

    let out = p.ok(&["sync"]);
    let err = stderr(&out);
    eprintln!("sync after {version} → {other_version}: {err}");
    assert!(err.contains("Recreating `.venv` (broken):"), "{err}");
    assert!(err.contains(&format!("python{version}`")), "{err}");
    let (ok, out) = p.sb.env_python(
        "import sys, crashpkg0; print('%d.%d' % sys.version_info[:2], crashpkg0.VERSION)",
    );
    assert!(ok);
    assert_eq!(out, format!("{other_version} {A}"));
    assert_eq!(
        base_of_env(&p),
        copy.join(format!("bin/python{other_version}"))
            .display()
            .to_string()
    );
}
