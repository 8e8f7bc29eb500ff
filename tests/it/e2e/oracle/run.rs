//! Running a sequence against the oracle, the verdict after each step, and
//! shrinking a failing sequence to the shortest one that still fails.
//!
//! After every step (the initial build is step 0): `sync --check` on the
//! project, a build from nothing of the same files and options, `sync`,
//! then the verdict — an env that differs in content from the fresh build
//! must have been called stale (exit 1), and after the sync it must equal
//! the fresh build (or both must fail). A stale verdict on an env that
//! already equalled the fresh build is counted as a needless rebuild: not
//! wrong, only slow.

use std::fmt::Write as _;
use std::process::Output;
use std::time::{Duration, Instant};

use super::compare::{Snapshot, differences, dist_differences};
use super::project::{Tree, read_tree, render, write_tree};
use super::steps::{Model, Step, Timeline, render_sequence};
use super::world::{Fresh, Stats, Target, World, last_lines};
use crate::common::output::stderr;

/// A step after which the env was not what a build from nothing gives.
#[derive(Clone, Debug)]
pub(super) struct Failure {
    /// How many steps of the sequence ran (0: the initial build failed).
    pub(super) at: usize,
    pub(super) problems: Vec<String>,
    /// The differing paths, when contents were compared.
    pub(super) paths: Vec<String>,
}

impl Failure {
    /// The problems and the first 20 differing paths.
    pub(super) fn describe(&self) -> String {
        let mut text = self.problems.join("\n  ");
        if !self.paths.is_empty() {
            let _ = write!(
                text,
                "\n  differing paths (first 20 of {}):",
                self.paths.len()
            );
            for path in self.paths.iter().take(20) {
                let _ = write!(text, "\n    {path}");
            }
        }
        text
    }
}

/// What one step saw: the env before, `sync --check`, the build from
/// nothing, `sync`, the env after.
struct Seen {
    before: Option<Snapshot>,
    check: Output,
    fresh: Fresh,
    sync: Output,
    after: Option<Snapshot>,
}

impl Seen {
    /// The verdict on step `index` (no problems: it passed); a needless
    /// rebuild is counted in `stats`.
    fn verdict(&self, index: usize, stats: &mut Stats) -> Failure {
        let mut failure = Failure {
            at: index,
            problems: Vec::new(),
            paths: Vec::new(),
        };
        let (check, sync) = (self.check.status.code(), self.sync.status.code());
        let want = match &self.fresh {
            Fresh::Built(want) => want,
            Fresh::Failed(why) => {
                if sync == Some(0) {
                    failure.problems.push(format!(
                        "a build from nothing fails ({why}), but `sync` succeeded: {}",
                        last_lines(&stderr(&self.sync), 1)
                    ));
                }
                return failure;
            }
        };
        let equal_before = self.before.as_ref() == Some(want);
        match check {
            Some(0) if !equal_before => {
                failure.problems.push(
                    "`sync --check` said fresh (exit 0), but the env differs from a build from nothing of the same files".to_owned(),
                );
                if let Some(before) = &self.before {
                    failure.problems.push(dist_differences(before, want));
                    failure.paths = differences(before, want);
                }
            }
            Some(1) if equal_before => stats.needless += 1,
            Some(0 | 1) => {}
            code => failure.problems.push(format!(
                "`sync --check` exited {code:?}: {}",
                last_lines(&stderr(&self.check), 4)
            )),
        }
        if sync != Some(0) {
            failure.problems.push(format!(
                "`sync` failed ({sync:?}) where a build from nothing succeeds: {}",
                last_lines(&stderr(&self.sync), 6)
            ));
        } else if let Some(after) = self.after.as_ref().filter(|a| *a != want) {
            failure.problems.push(format!(
                "after `sync` ({}), the env differs from a build from nothing: {}",
                last_lines(&stderr(&self.sync), 1),
                dist_differences(after, want)
            ));
            if failure.paths.is_empty() {
                failure.paths = differences(after, want);
            }
        }
        failure
    }
}

impl World {
    /// Runs `steps` from empty directories; `log` prints a line per step.
    pub(super) fn run(&mut self, steps: &[Step], log: bool) -> Result<(), Failure> {
        self.reset();
        let mut timeline = Timeline::new();
        let mut trees: Vec<Tree> = Vec::new();
        self.apply(0, None, &mut timeline, &mut trees, log)?;
        for (i, step) in steps.iter().enumerate() {
            self.apply(i + 1, Some(*step), &mut timeline, &mut trees, log)?;
        }
        Ok(())
    }

    /// Writes the files of `step` (none: the initial build), then checks,
    /// syncs and compares; `trees` gets the subject's files afterwards.
    fn apply(
        &mut self,
        index: usize,
        step: Option<Step>,
        timeline: &mut Timeline,
        trees: &mut Vec<Tree>,
        log: bool,
    ) -> Result<(), Failure> {
        let started = Instant::now();
        let back = step.and_then(|s| timeline.push(s));
        let model = timeline.now().clone();
        let target = self.write_files(step, back, &model, trees);
        let mut notes = String::new();
        if step.is_some_and(|s| model.locks_before(s)) {
            let out = self.penv(target, &["lock"]);
            if !out.status.success() {
                let _ = write!(
                    notes,
                    "; `penv lock` failed: {}",
                    last_lines(&stderr(&out), 3)
                );
            }
        }
        let flags = model.sync_flags();
        let before = self.snapshot(target, model.compile);
        let check = self.penv(target, &[&["sync", "--check"][..], &flags].concat());
        // The build from nothing runs while the project syncs: they share
        // nothing (another directory, cache and data directory).
        let tree = read_tree(&self.dir(target));
        let known = self.known_fresh(&tree, &flags);
        let (built, sync) = std::thread::scope(|scope| {
            let world = &*self;
            let building = known
                .as_ref()
                .err()
                .map(|_| scope.spawn(|| world.build_from_nothing(&tree, &flags)));
            let sync = world.penv(target, &[&["sync"][..], &flags].concat());
            (
                building.map(|b| b.join().expect("the build from nothing")),
                sync,
            )
        });
        let fresh = match (known, built) {
            (Ok(fresh), _) => fresh,
            (Err(key), Some(built)) => self.record_fresh(key, built, model.compile),
            (Err(_), None) => unreachable!("a build from nothing runs when none is known"),
        };
        let after = self.snapshot(target, model.compile);
        trees.push(read_tree(&self.dir(Target::Subject)));
        self.stats.steps += 1;
        self.stats.step_time += started.elapsed();
        let seen = Seen {
            before,
            check,
            fresh,
            sync,
            after,
        };
        let failure = seen.verdict(index, &mut self.stats);
        if log {
            eprintln!(
                "  [{index}] {} ({target:?}{}): check {:?}, sync {:?}, {}{}{notes} ({:.1?})",
                step.map_or_else(|| "initial build".to_owned(), |s| s.to_string()),
                if flags.is_empty() {
                    String::new()
                } else {
                    format!(", {}", flags.join(" "))
                },
                seen.check.status.code(),
                seen.sync.status.code(),
                match &seen.fresh {
                    Fresh::Built(_) => "fresh build ok",
                    Fresh::Failed(_) => "fresh build FAILS",
                },
                if failure.problems.is_empty() {
                    ""
                } else {
                    ": DIFFERENT"
                },
                started.elapsed()
            );
        }
        if failure.problems.is_empty() {
            Ok(())
        } else {
            Err(failure)
        }
    }

    /// Writes the project files `step` leads to and says which project the
    /// step syncs: the model rendered into the subject (keeping its
    /// `pylock.toml` while the model has one), the subject's files as they
    /// were `k` steps ago for [`Step::Back`], the subject's files copied to
    /// the second checkout for [`Step::Checkout`].
    fn write_files(
        &mut self,
        step: Option<Step>,
        back: Option<usize>,
        model: &Model,
        trees: &[Tree],
    ) -> Target {
        let subject = self.dir(Target::Subject);
        match (step, back) {
            (_, Some(earlier)) => write_tree(&subject, &trees[earlier]),
            (Some(Step::Checkout), _) => {
                write_tree(&self.dir(Target::Checkout), &read_tree(&subject));
                return Target::Checkout;
            }
            _ => {
                let mut tree = render(model, &self.python, &mut self.wheels);
                if model.lock.is_some()
                    && let Ok(lock) = std::fs::read(subject.join("pylock.toml"))
                {
                    tree.insert("pylock.toml".into(), lock);
                }
                write_tree(&subject, &tree);
            }
        }
        Target::Subject
    }

    /// Runs `steps` — generated from `seed`, or replayed when `None` — and
    /// on a failure shrinks it within `budget`; returns the report, or
    /// `None` when every step gave what a build from nothing gives.
    pub(super) fn check_sequence(
        &mut self,
        seed: Option<u64>,
        steps: &[Step],
        budget: Duration,
    ) -> Option<String> {
        let origin = match seed {
            Some(seed) => format!(
                "seed {seed} (PENV_ORACLE_SEED={seed} PENV_ORACLE_STEPS={})",
                steps.len()
            ),
            None => "the sequence replayed".to_owned(),
        };
        eprintln!("oracle: {origin}: {}", render_sequence(steps));
        let failure = self.run(steps, true).err()?;
        let prefix = &steps[..failure.at.min(steps.len())];
        eprintln!(
            "oracle: {origin}: DIFFERENT after step {} of {}\n  steps so far: {}\n  {}\nshrinking (at most {budget:?})…",
            failure.at,
            steps.len(),
            render_sequence(prefix),
            failure.describe()
        );
        let (shortest, last, runs) = self.shrink(prefix, failure, budget);
        let report = format!(
            "{origin}: the shortest failing sequence found ({} steps, {runs} runs to shrink):\n  \
             PENV_ORACLE_REPLAY=\"{}\" cargo test --test it e2e::oracle::oracle_random -- --ignored --nocapture\n  {}",
            shortest.len(),
            render_sequence(&shortest),
            last.describe()
        );
        eprintln!("oracle: {report}");
        Some(report)
    }

    /// Drops chunks of steps (halves, then quarters, … then single steps)
    /// while the sequence still fails; returns the shortest, its failure
    /// and the runs it took.
    fn shrink(
        &mut self,
        steps: &[Step],
        failure: Failure,
        budget: Duration,
    ) -> (Vec<Step>, Failure, usize) {
        let deadline = Instant::now() + budget;
        let (mut best, mut last, mut runs) = (steps.to_vec(), failure, 0);
        let mut chunk = (best.len() / 2).max(1);
        while !best.is_empty() {
            let mut progressed = false;
            let mut i = 0;
            while i < best.len() {
                let candidate: Vec<Step> = best[..i]
                    .iter()
                    .chain(&best[(i + chunk).min(best.len())..])
                    .copied()
                    .collect();
                // A run of n steps takes about n + 1 average steps.
                let steps = u32::try_from(candidate.len() + 1).unwrap_or(u32::MAX);
                let per_step = self.stats.step_time
                    / u32::try_from(self.stats.steps.max(1)).unwrap_or(u32::MAX);
                if Instant::now() + per_step * steps > deadline {
                    eprintln!("  shrinking stopped at its time budget");
                    return (best, last, runs);
                }
                runs += 1;
                match self.run(&candidate, false) {
                    Err(failure) => {
                        best = candidate[..failure.at.min(candidate.len())].to_vec();
                        eprintln!(
                            "  still fails with {} steps: {}",
                            best.len(),
                            render_sequence(&best)
                        );
                        last = failure;
                        progressed = true;
                    }
                    Ok(()) => i += chunk,
                }
            }
            if chunk == 1 && !progressed {
                break;
            }
            chunk = (chunk / 2).max(1);
        }
        (best, last, runs)
    }
}
