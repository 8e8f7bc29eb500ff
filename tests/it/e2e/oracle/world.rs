//! One oracle's directories and the two ways it builds an env: the subject
//! (and its second checkout) synced with every fast path penv has — the
//! stash, derived envs, a store shared by the two — and the same project
//! built from nothing, memoized by the oracle's own key.
//!
//! A build from nothing gets a copy of the project files in its own
//! directory, a new cache holding nothing but penv's prepared pip seed and
//! interpreter probes ([`TEMPLATE`]; no store, and `PENV_STORE_MAX=0` so
//! none is made), a new data directory, and so no stash. Every run starts from empty directories too; all of them sit at
//! the same paths from run to run, so the placeholder for project roots
//! covers a fixed list.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use super::compare::{Digests, Snapshot, snapshot};
use super::project::{Tree, Wheels, build_key, write_tree};
use crate::common::Sandbox;
use crate::common::output::stderr;

/// A build from nothing: the env's snapshot, or how penv failed.
#[derive(Clone, Debug)]
pub(super) enum Fresh {
    Built(Snapshot),
    Failed(String),
}

/// Counts for the summary line.
#[derive(Debug, Default)]
pub(super) struct Stats {
    pub(super) runs: usize,
    pub(super) steps: usize,
    /// `sync --check` said stale when the env already equalled a fresh build.
    pub(super) needless: usize,
    /// The time the steps took, all of them.
    pub(super) step_time: Duration,
    pub(super) fresh_builds: usize,
    pub(super) memo_hits: usize,
    pub(super) fresh_time: Duration,
}

/// Which project a step syncs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Target {
    Subject,
    Checkout,
}

pub(super) struct World {
    pub(super) sb: Sandbox,
    pub(super) python: PathBuf,
    pub(super) wheels: Wheels,
    root: PathBuf,
    memo: HashMap<String, Fresh>,
    digests: Digests,
    pub(super) stats: Stats,
    /// uv, when every sync (the subject's and a build from nothing) installs
    /// with it (`PENV_INSTALLER=uv`).
    uv: Option<PathBuf>,
}

impl World {
    pub(super) fn new(python: &Path) -> Self {
        let sb = Sandbox::new();
        let root = sb.tmp.path().canonicalize().unwrap();
        let template = root.join("cache-template");
        std::fs::create_dir_all(&template).unwrap();
        // The shared test cache's seed, when another test prepared it: a
        // copy only saves time (one that fails is dropped, and the first
        // build from nothing prepares the seed).
        // Only the complete seeds: another test may be preparing one in a
        // `.seed-…` directory that vanishes when it is done.
        let shared = sb.cache.join("seed");
        for entry in std::fs::read_dir(&shared).into_iter().flatten().flatten() {
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let into = template.join("seed");
            std::fs::create_dir_all(&into).unwrap();
            if !copy_dir(&entry.path(), &into.join(entry.file_name())) {
                let _ = std::fs::remove_dir_all(into.join(entry.file_name()));
            }
        }
        Self {
            wheels: Wheels::new(root.join("wheel-scratch")),
            python: python.to_path_buf(),
            root,
            sb,
            memo: HashMap::new(),
            digests: Digests::default(),
            stats: Stats::default(),
            uv: None,
        }
    }

    /// A world whose every sync installs with `uv`.
    pub(super) fn with_uv(python: &Path, uv: &Path) -> Self {
        Self {
            uv: Some(uv.to_owned()),
            ..Self::new(python)
        }
    }

    /// A sandboxed penv, installing with uv (its cache in `cache`) when
    /// the world does.
    fn sandboxed(&self, cache: &Path) -> Command {
        let mut cmd = self.sb.penv();
        if let Some(uv) = &self.uv {
            crate::common::uv::with_uv(&mut cmd, &self.sb, uv)
                .env("PENV_INSTALLER", "uv")
                .env("UV_CACHE_DIR", cache.join("uv-cache"));
        }
        cmd
    }

    /// A project's directory. The three project directories' names have
    /// one length: a `.pyc` holds its source's path length-prefixed, so
    /// roots of other lengths would differ even with the placeholder.
    pub(super) fn dir(&self, target: Target) -> PathBuf {
        self.root.join(match target {
            Target::Subject => "subject",
            Target::Checkout => "another",
        })
    }

    /// Where a build from nothing happens.
    fn fresh_dir(&self) -> PathBuf {
        self.root.join("nothing")
    }

    /// Every project root whose path may appear in an env's files.
    pub(super) fn roots(&self) -> [PathBuf; 3] {
        [
            self.dir(Target::Subject),
            self.dir(Target::Checkout),
            self.fresh_dir(),
        ]
    }

    /// Empties the subject, its checkout, their cache (the store) and data.
    pub(super) fn reset(&mut self) {
        for name in ["subject", "another", "cache", "data"] {
            let dir = self.root.join(name);
            if dir.exists() {
                std::fs::remove_dir_all(&dir).unwrap();
            }
            std::fs::create_dir_all(&dir).unwrap();
        }
        self.stats.runs += 1;
    }

    /// penv in `target`, with the cache the subject and its checkout share
    /// and a store that keeps projects' envs (`PENV_STORE_MAX` unset).
    pub(super) fn penv(&self, target: Target, args: &[&str]) -> Output {
        self.seed_cache(&self.root.join("cache"));
        self.sandboxed(&self.root.join("cache"))
            .current_dir(self.dir(target))
            .env("PENV_CACHE_DIR", self.root.join("cache"))
            .env("PENV_DATA_DIR", self.root.join("data"))
            .env_remove("PENV_STORE_MAX")
            .args(args)
            .output()
            .expect("penv runs")
    }

    /// The snapshot of `target`'s env, or `None` without one.
    pub(super) fn snapshot(&mut self, target: Target, compile: bool) -> Option<Snapshot> {
        let env = self.dir(target).join(".venv");
        self.snapshot_of(&env, compile)
    }

    fn snapshot_of(&mut self, env: &Path, compile: bool) -> Option<Snapshot> {
        let roots = self.roots();
        let roots: Vec<&Path> = roots.iter().map(PathBuf::as_path).collect();
        snapshot(env, &roots, compile, &mut self.digests)
    }

    /// The memoized build from nothing of `tree` synced with `flags`, or
    /// the key to record one under.
    pub(super) fn known_fresh(&mut self, tree: &Tree, flags: &[&str]) -> Result<Fresh, String> {
        let key = build_key(tree, flags);
        match self.memo.get(&key) {
            Some(known) => {
                self.stats.memo_hits += 1;
                Ok(known.clone())
            }
            None => Err(key),
        }
    }

    /// Builds `tree` from nothing with `flags` (in its own directory, cache
    /// and data directory: it may run while the subject syncs); returns
    /// penv's output and how long it took.
    pub(super) fn build_from_nothing(&self, tree: &Tree, flags: &[&str]) -> (Output, Duration) {
        let started = Instant::now();
        let (dir, cache, data) = self.fresh_dirs();
        for d in [&dir, &cache, &data] {
            if d.exists() {
                std::fs::remove_dir_all(d).unwrap();
            }
            std::fs::create_dir_all(d).unwrap();
        }
        self.seed_cache(&cache);
        write_tree(&dir, tree);
        let out = self
            .sandboxed(&cache)
            .current_dir(&dir)
            .env("PENV_CACHE_DIR", &cache)
            .env("PENV_DATA_DIR", &data)
            .env("PENV_STORE_MAX", "0")
            .arg("sync")
            .args(flags)
            .output()
            .expect("penv runs");
        (out, started.elapsed())
    }

    /// Records what [`build_from_nothing`](Self::build_from_nothing) gave
    /// under `key`: the env's snapshot, or penv's failure.
    pub(super) fn record_fresh(
        &mut self,
        key: String,
        (out, took): (Output, Duration),
        compile: bool,
    ) -> Fresh {
        let (dir, cache, _) = self.fresh_dirs();
        let store: Vec<_> = std::fs::read_dir(cache.join("envs"))
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| {
                        e.path().is_dir() && !e.file_name().to_string_lossy().starts_with('.')
                    })
                    .collect()
            })
            .unwrap_or_default();
        assert!(
            store.is_empty(),
            "a build from nothing kept an env in its store: {store:?}"
        );
        let fresh = if out.status.success() {
            Fresh::Built(
                self.snapshot_of(&dir.join(".venv"), compile)
                    .expect("a built env"),
            )
        } else {
            Fresh::Failed(format!(
                "exit {:?}: {}",
                out.status.code(),
                last_lines(&stderr(&out), 6)
            ))
        };
        for part in TEMPLATE {
            let (from, to) = (
                cache.join(part),
                self.root.join("cache-template").join(part),
            );
            if !to.exists() && from.is_dir() && !copy_dir(&from, &to) {
                let _ = std::fs::remove_dir_all(&to);
            }
        }
        self.stats.fresh_builds += 1;
        self.stats.fresh_time += took;
        self.memo.insert(key, fresh.clone());
        fresh
    }

    /// A build from nothing's project, cache and data directories.
    fn fresh_dirs(&self) -> (PathBuf, PathBuf, PathBuf) {
        (
            self.fresh_dir(),
            self.root.join("fresh-cache"),
            self.root.join("fresh-data"),
        )
    }

    /// Puts penv's prepared pip seed and interpreter probes into `cache`
    /// when it has none.
    fn seed_cache(&self, cache: &Path) {
        for part in TEMPLATE {
            let (from, to) = (
                self.root.join("cache-template").join(part),
                cache.join(part),
            );
            if from.is_dir() && !to.exists() {
                std::fs::create_dir_all(cache).unwrap();
                // Hard links: the same files (and digests) in every build.
                let linked = Command::new("cp").arg("-al").arg(&from).arg(&to).status();
                assert!(
                    linked.is_ok_and(|s| s.success()),
                    "linking {}",
                    from.display()
                );
            }
        }
    }
}

/// What a new cache starts with: penv's prepared pip seed (the pip linked
/// into every env, prepared from the interpreter's own wheel: the same
/// bytes for every build) and its interpreter probes (keyed by the
/// binary's path and metadata). Neither holds an env.
const TEMPLATE: [&str; 2] = ["seed", "interpreters"];

/// `cp -a from to`; whether it worked (its complaints are not shown: a
/// copy that fails is dropped and made again).
fn copy_dir(from: &Path, to: &Path) -> bool {
    Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The last `n` lines of `text`, on one line each.
pub(super) fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join(" | ")
}
