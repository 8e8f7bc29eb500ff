//! The differential oracle: every fast path penv takes gives exactly what a
//! build from nothing of the same spec gives, by content.
//!
//! penv reuses envs — the stash (a branch switch back), the store (another
//! checkout of the same spec clones its env), derived envs (an edit clones
//! the old env and pip installs or removes only the difference), the lock.
//! Each reuse decides "this is the same" from what it hashed; the oracle
//! does not trust that. A seeded generator drives random sequences of edits
//! of one project (the subject: packages added, removed, pinned up and
//! down, a group, bytecode compilation, a `pylock.toml` written or removed,
//! wheels rebuilt with new code under the same name and version, two
//! distributions that ship one module, a second checkout sharing the
//! store, a switch back to an earlier state), and after each one compares
//! the subject's env, file by file, with the same files built from nothing
//! in an empty cache (`compare.rs` says what is compared). The fresh builds
//! are memoized by the oracle's own key (the project's bytes, wheels
//! included, and the sync options), never by penv's spec hash, which is
//! what is under test. A failure prints the seed, the steps and the
//! differing paths, then shrinks to the shortest failing sequence and
//! prints it in a form `PENV_ORACLE_REPLAY` runs again.
//!
//! `oracle_fixed_seeds` runs a few fixed seeds in CI; `just oracle N` runs N
//! random steps (`PENV_ORACLE_SEED` to pick the seed).

mod compare;
mod project;
mod run;
mod steps;
mod world;

pub(super) use compare::{Digests, Snapshot, differences, site_packages, snapshot};
pub(super) use project::{read_tree, write_tree};

use std::time::{Duration, Instant, SystemTime};

use steps::{generate, parse_sequence};
use world::World;

/// The seeds CI runs and their lengths, chosen by what they generate:
/// together they take, in 12 steps, every kind of step where it matters —
/// one of two distributions sharing a module dropped under a lock synced
/// `--frozen`, bytecode turned on, a switch back, a wheel in `./dist`
/// rebuilt while a requirement file names it, a second checkout sharing
/// the store, a wheel in `find-links` rebuilt while installed:
///
/// - 2900: `require pyjwt-ish; require jwt-ish; lock frozen; drop pyjwt-ish`
/// - 2560: `require flpkg; compile on; back 3; direct on; rebuild dist
///   new-size; checkout; require flpkg; rebuild find-links same-size`
const CI_SEEDS: [(u64, usize); 2] = [(2900, 4), (2560, 8)];

/// How long CI spends shrinking each failing sequence.
const CI_SHRINK: Duration = Duration::from_secs(15);

/// Steps per run of `oracle_random`: a long run is cut into runs of this
/// many (the seed + 1 for each next run), so a failure shrinks from a short
/// sequence.
const RUN_LEN: usize = 25;

/// A variable of the oracle's own (not penv's: penv runs with a cleared
/// environment), read here only.
#[allow(
    clippy::disallowed_methods,
    reason = "the test harness's own environment, not penv's"
)]
fn oracle_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Prints the counts and says whether any sequence failed.
fn finish(world: &World, started: Instant, reports: &[String]) {
    let s = &world.stats;
    eprintln!(
        "oracle: {} runs, {} steps in {:.1?}; {} builds from nothing ({:.1?}), {} memoized; {} needless rebuilds",
        s.runs,
        s.steps,
        started.elapsed(),
        s.fresh_builds,
        s.fresh_time,
        s.memo_hits,
        s.needless
    );
    assert!(
        reports.is_empty(),
        "the fast paths differ from a build from nothing:\n\n{}",
        reports.join("\n\n")
    );
}

#[test]
fn oracle_fixed_seeds() {
    let python = crate::require_python!();
    let started = Instant::now();
    let mut world = World::new(python);
    let mut reports = Vec::new();
    for (seed, n) in CI_SEEDS {
        reports.extend(world.check_sequence(Some(seed), &generate(seed, n), CI_SHRINK));
    }
    finish(&world, started, &reports);
}

/// [`oracle_fixed_seeds`] with every sync installing with uv
/// (`PENV_INSTALLER=uv`): the store and stash reuse uv's envs, an edit
/// of a locked project derives (what uv installed from the lock is known
/// by the hashes it checked), and any other edit builds from nothing.
#[test]
#[ignore = "long: `just test-all` (and CI) runs it"]
fn oracle_fixed_seeds_uv() {
    let python = crate::require_python!();
    let uv = crate::require_uv!();
    let started = Instant::now();
    let mut world = World::with_uv(python, uv);
    let mut reports = Vec::new();
    for (seed, n) in CI_SEEDS {
        reports.extend(world.check_sequence(Some(seed), &generate(seed, n), CI_SHRINK));
    }
    finish(&world, started, &reports);
}

/// A locked project's edits with uv, in one fixed sequence: each derives
/// from the env it replaces (uv's installs known by the hashes it
/// checked), and must equal uv's build from nothing of the same lock.
const UV_LOCK_SEQUENCE: &str = "lock locked; require beta; pin alpha 2.0; group on; \
     drop beta; require flpkg; rebuild find-links same-size; back 2; lock frozen; \
     direct on; pin alpha 3.0; unlock";

#[test]
#[ignore = "long: `just test-all` (and CI) runs it"]
fn oracle_uv_lock() {
    let python = crate::require_python!();
    let uv = crate::require_uv!();
    let started = Instant::now();
    let mut world = World::with_uv(python, uv);
    let steps = parse_sequence(UV_LOCK_SEQUENCE).expect("a sequence");
    let report = world.check_sequence(None, &steps, CI_SHRINK);
    finish(&world, started, &Vec::from_iter(report));
}

/// The package project's fast paths, in one fixed sequence: the store
/// without the project and a checkout installing only its own (`package
/// on; checkout`), derives beside an unchanged project (`require beta`,
/// `compile on`), a lock, a switch back.
const PACKAGE_SEQUENCE: &str = "package on; checkout; require beta; group on; checkout; \
     compile on; lock plain; checkout; back 3; package off";

#[test]
#[ignore = "long: `just test-all` (and CI) runs it"]
fn oracle_package_project() {
    let python = crate::require_python!();
    let started = Instant::now();
    let mut world = World::new(python);
    let steps = parse_sequence(PACKAGE_SEQUENCE).expect("a sequence");
    let report = world.check_sequence(None, &steps, CI_SHRINK);
    finish(&world, started, &Vec::from_iter(report));
}

/// `just oracle N`: `PENV_ORACLE_STEPS` random steps (500 by default) from
/// `PENV_ORACLE_SEED` (the clock by default), in runs of [`RUN_LEN`]; or
/// the one sequence `PENV_ORACLE_REPLAY` gives (as a failure prints it).
/// The first failure is shrunk for at most `PENV_ORACLE_SHRINK_SECS`
/// (600 by default), then the test fails.
#[test]
#[ignore = "long: run with `just oracle N`"]
fn oracle_random() {
    let python = crate::require_python!();
    let started = Instant::now();
    let mut world = World::new(python);
    let shrink = Duration::from_secs(oracle_var("PENV_ORACLE_SHRINK_SECS").map_or(600, |v| {
        v.parse().expect("PENV_ORACLE_SHRINK_SECS: seconds")
    }));
    if let Some(replay) = oracle_var("PENV_ORACLE_REPLAY") {
        let steps = parse_sequence(&replay).unwrap_or_else(|e| panic!("PENV_ORACLE_REPLAY: {e}"));
        let report = world.check_sequence(None, &steps, shrink);
        return finish(&world, started, &Vec::from_iter(report));
    }
    let total: usize = oracle_var("PENV_ORACLE_STEPS")
        .map_or(500, |v| v.parse().expect("PENV_ORACLE_STEPS: a number"));
    let seed: u64 = oracle_var("PENV_ORACLE_SEED").map_or_else(
        || {
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_secs()
        },
        |v| v.parse().expect("PENV_ORACLE_SEED: a number"),
    );
    let mut done = 0;
    let mut next = seed;
    while done < total {
        let n = RUN_LEN.min(total - done);
        if let Some(report) = world.check_sequence(Some(next), &generate(next, n), shrink) {
            return finish(&world, started, &[report]);
        }
        done += n;
        next = next.wrapping_add(1);
    }
    finish(&world, started, &[]);
}
