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

use std::time::{Duration, Instant};

use super::compare::{differences, dist_differences};
use super::project::{Tree, read_tree, render, write_tree};
use super::steps::{Step, Timeline, render_sequence};
use super::world::{Fresh, Target, World, last_lines};
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
            text += &format!("\n  differing paths (first 20 of {}):", self.paths.len());
            for path in self.paths.iter().take(20) {
                text += &format!("\n    {path}");
            }
        }
        text
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
        let back = step.and_then(|s| timeline.push(s));
        let model = timeline.now().clone();
        let subject = self.dir(Target::Subject);
        let target = if step == Some(Step::Checkout) {
            Target::Checkout
        } else {
            Target::Subject
        };
        match (step, back) {
            (_, Some(earlier)) => write_tree(&subject, &trees[earlier]),
            (Some(Step::Checkout), _) => {
                write_tree(&self.dir(Target::Checkout), &read_tree(&subject))
            }
            _ => {
                let mut tree = render(&model, &self.python, &mut self.wheels);
                if model.lock.is_some()
                    && let Ok(lock) = std::fs::read(subject.join("pylock.toml"))
                {
                    tree.insert("pylock.toml".into(), lock);
                }
                write_tree(&subject, &tree);
            }
        }
        let mut notes = Vec::new();
        if step.is_some_and(|s| model.locks_before(s)) {
            let out = self.penv(target, &["lock"]);
            if !out.status.success() {
                notes.push(format!(
                    "`penv lock` failed: {}",
                    last_lines(&stderr(&out), 3)
                ));
            }
        }
        let flags = model.sync_flags();
        let started = Instant::now();
        let before = self.snapshot(target, model.compile);
        let snap_time = started.elapsed();
        let check = self.penv(target, &[&["sync", "--check"][..], &flags].concat());
        let t = Instant::now();
        let fresh = self.fresh(&read_tree(&self.dir(target)), &flags, model.compile);
        let fresh_time = t.elapsed();
        let t = Instant::now();
        let sync = self.penv(target, &[&["sync"][..], &flags].concat());
        let sync_time = t.elapsed();
        let after = self.snapshot(target, model.compile);
        trees.push(read_tree(&subject));
        self.stats.steps += 1;

        let name = step.map_or_else(|| "initial build".to_owned(), |s| s.to_string());
        let mut failure = Failure {
            at: index,
            problems: Vec::new(),
            paths: Vec::new(),
        };
        let (check_code, sync_code) = (check.status.code(), sync.status.code());
        match &fresh {
            Fresh::Built(want) => {
                let equal_before = before.as_ref() == Some(want);
                match check_code {
                    Some(0) if !equal_before => {
                        failure.problems.push(
                            "`sync --check` said fresh (exit 0), but the env differs from a build from nothing of the same files"
                                .to_owned(),
                        );
                        if let Some(before) = &before {
                            failure.problems.push(dist_differences(before, want));
                            failure.paths = differences(before, want);
                        }
                    }
                    Some(1) if equal_before => self.stats.needless += 1,
                    Some(0 | 1) => {}
                    code => failure.problems.push(format!(
                        "`sync --check` exited {code:?}: {}",
                        last_lines(&stderr(&check), 4)
                    )),
                }
                if sync_code != Some(0) {
                    failure.problems.push(format!(
                        "`sync` failed ({sync_code:?}) where a build from nothing succeeds: {}",
                        last_lines(&stderr(&sync), 6)
                    ));
                } else if let Some(after) = after.as_ref().filter(|a| *a != want) {
                    failure.problems.push(format!(
                        "after `sync` ({}), the env differs from a build from nothing: {}",
                        last_lines(&stderr(&sync), 1),
                        dist_differences(after, want)
                    ));
                    if failure.paths.is_empty() {
                        failure.paths = differences(after, want);
                    }
                }
            }
            Fresh::Failed(why) if sync_code == Some(0) => failure.problems.push(format!(
                "a build from nothing fails ({why}), but `sync` succeeded: {}",
                last_lines(&stderr(&sync), 1)
            )),
            Fresh::Failed(_) => {}
        }
        if log {
            let verdict = match &fresh {
                Fresh::Built(_) => "fresh build ok",
                Fresh::Failed(_) => "fresh build FAILS",
            };
            eprintln!(
                "  [{index}] {name} ({target:?}{}): check {check_code:?}, sync {sync_code:?}, {verdict}{}{} [{:.1?}: snapshot {snap_time:.1?}, fresh {fresh_time:.1?}, sync {sync_time:.1?}]",
                if flags.is_empty() {
                    String::new()
                } else {
                    format!(", {}", flags.join(" "))
                },
                if failure.problems.is_empty() {
                    ""
                } else {
                    ": DIFFERENT"
                },
                notes.iter().map(|n| format!("; {n}")).collect::<String>(),
                started.elapsed()
            );
        }
        if failure.problems.is_empty() {
            Ok(())
        } else {
            Err(failure)
        }
    }

    /// Runs `steps` (from `seed`, for the report), and on a failure shrinks
    /// it within `budget`; returns the report, or `None` when every step
    /// gave what a build from nothing gives.
    pub(super) fn check_sequence(
        &mut self,
        seed: u64,
        steps: &[Step],
        budget: Duration,
    ) -> Option<String> {
        eprintln!(
            "oracle: seed {seed}, {} steps: {}",
            steps.len(),
            render_sequence(steps)
        );
        let failure = self.run(steps, true).err()?;
        let prefix = &steps[..failure.at.min(steps.len())];
        eprintln!(
            "oracle: seed {seed}: DIFFERENT after step {} of {}\n  steps so far: {}\n  {}\nshrinking (at most {budget:?})…",
            failure.at,
            steps.len(),
            render_sequence(prefix),
            failure.describe()
        );
        let (shortest, last, runs) = self.shrink(prefix, failure, budget);
        let report = format!(
            "seed {seed} (PENV_ORACLE_SEED={seed} PENV_ORACLE_STEPS={}): the shortest failing sequence found ({} steps, {runs} runs):\n  \
             PENV_ORACLE_REPLAY=\"{}\" cargo test --test it e2e::oracle::oracle_random -- --ignored --nocapture\n  {}",
            steps.len(),
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
                if Instant::now() > deadline {
                    eprintln!("  shrinking stopped at its time budget");
                    return (best, last, runs);
                }
                let candidate: Vec<Step> = best[..i]
                    .iter()
                    .chain(&best[(i + chunk).min(best.len())..])
                    .copied()
                    .collect();
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
