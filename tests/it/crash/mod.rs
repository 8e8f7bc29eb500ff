//! Crash safety and locking, as README "Safety" promises them, each a real
//! scenario with the machine's Python and wheels built here (no network):
//!
//! - `kill -9` at every point of a rebuild (penv alone, or penv and all its
//!   children at once, like a power loss): `.venv` is a complete, working env
//!   (the old one or the new) right after every kill, and the next
//!   `penv sync` finishes or undoes the rebuild;
//! - SIGINT / SIGTERM during a rebuild: the old env stays, exit 130/143;
//! - concurrent syncs build once; a `penv run` during a rebuild waits for it;
//! - a requirement pip cannot install leaves the old env in place;
//! - a base interpreter that is removed or replaced by another version.
//!
//! The kill sweep steps 50 ms by default; `PENV_CRASH_STEP_MS=10` (or
//! `just crash`) sweeps finer. Run with `--nocapture` to see the figures.

#![cfg(unix)]

mod base_interpreter;
mod kill;
mod signals;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::output::{show, stderr};
use crate::common::{Sandbox, build_wheel_with};
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

    /// Where an env bound to its path waits while it is rebuilt in place.
    fn aside(&self) -> PathBuf {
        self.sb.project.join(".penv/old-.venv")
    }

    /// Where a relocatable env is built before it is swapped in.
    fn staging(&self) -> PathBuf {
        self.sb.project.join(".penv/new-.venv")
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
