//! The scenarios: one function each, returning their table rows.

use crate::measure::{Columns, Samples, timed};
use crate::support::{penv_requirements, remove_dir};
use crate::table::{Row, Target};
use crate::tools::Bench;
use crate::{Result, WARMUPS};
use std::path::{Path, PathBuf};

/// Empty env with pip, caches warm: `penv sync` of a project without
/// requirements; by hand `python -m venv` (ensurepip); uv `uv venv` then
/// `uv pip install pip` from the interpreter's bundled wheel (uv's `--seed`
/// would add setuptools and wheel on Python < 3.12, and needs an index).
pub(crate) fn empty_env(b: &Bench, dir: &Path) -> Result<Vec<Row>> {
    let uv_cache = dir.join("uv-cache");
    // One uncounted run first: it warms the caches.
    let mut times = Columns::skipping(1);
    for run in 0..=b.runs {
        let project = dir.join(format!("penv-{run}"));
        b.penv_project(&project, None)?;
        times.penv.push(b.penv_sync(&project)?);
        remove_dir(&project)?;

        let venv = dir.join(format!("hand-{run}"));
        times.hand.push(b.hand_venv(&venv)?);
        remove_dir(&venv)?;

        if let (Some(tool), Some(bundled)) = (&b.uv, &b.python.bundled_pip) {
            let venv = dir.join(format!("uv-{run}"));
            let create = timed(b.uv(tool, dir, &uv_cache).arg("venv").arg(&venv))?;
            let pip = timed(
                b.uv(tool, dir, &uv_cache)
                    .args(["pip", "install", "--no-index", "--find-links"])
                    .arg(bundled)
                    .arg("--python")
                    .arg(venv.join("bin/python"))
                    .arg("pip"),
            )?;
            times.uv.push(create + pip);
            remove_dir(&venv)?;
        }
    }
    let row = times.row(
        "empty env with pip (warm cache)",
        b.runs,
        Target::AtMost(0.25),
    );
    Ok(vec![row])
}

/// Cold build of `medium.txt`, from nothing: no env, no stash, and penv's
/// store emptied before each run (else the second run is a store clone,
/// which the derive scenario times as its own row); caches warm (one
/// uncounted run first: pip's, penv's seed, uv's). By hand `python -m
/// venv` + `pip install -r`; uv `uv sync` (it writes `uv.lock` too: that
/// is part of its work).
pub(crate) fn cold_build(b: &Bench, dir: &Path) -> Result<Vec<Row>> {
    let store = b.root.join("penv-cache/envs");
    let uv_cache = dir.join("uv-cache");
    let mut times = Columns::skipping(1);
    for run in 0..=b.slow_runs() {
        if store.exists() {
            remove_dir(&store)?;
        }
        let project = dir.join(format!("penv-{run}"));
        b.penv_project(&project, Some(&b.medium))?;
        times.penv.push(b.penv_sync(&project)?);
        remove_dir(&project)?;

        let venv = dir.join(format!("hand-{run}"));
        times
            .hand
            .push(b.hand_venv(&venv)? + b.hand_install(&venv, &b.medium)?);
        remove_dir(&venv)?;

        if let Some(tool) = &b.uv {
            let project = dir.join(format!("uv-{run}"));
            b.uv_project(&project, &b.medium)?;
            times.uv.push(b.uv_sync(tool, &project, &uv_cache)?);
            remove_dir(&project)?;
        }
    }
    let row = times.row(
        "cold build of medium.txt (no env, store, stash; caches warm)",
        b.slow_runs(),
        Target::ByHandOver(3),
    );
    Ok(vec![row])
}

/// Cold sync of `medium.txt` from a `pylock.toml` made once beforehand
/// (`penv lock`, not timed): `penv sync --locked`, pip resolving nothing
/// (`--no-deps --require-hashes`). By hand: `python -m venv` + `pip install
/// --no-deps --require-hashes -r` of the same pinned, hashed files; uv:
/// `uv venv` + `uv pip install -r pylock.toml` with an empty cache. Compare
/// penv's figure with the cold build's (resolving).
pub(crate) fn cold_locked(b: &Bench, dir: &Path) -> Result<Vec<Row>> {
    let source = dir.join("lock-source");
    b.penv_project(&source, Some(&b.medium))?;
    crate::measure::capture(b.penv(&source).arg("lock"))?;
    let lock = source.join("pylock.toml");
    // The requirement file penv gives pip: the same files, for pip by hand.
    // From a sync not timed, with the store off: a sync that clones an env
    // from the store runs no pip and writes none.
    crate::measure::capture(
        b.penv(&source)
            .args(["sync", "--locked"])
            .env("PENV_STORE_MAX", "0"),
    )?;
    let pinned = dir.join("pinned.txt");
    crate::support::copy(&source.join(".penv/.venv.pylock.txt"), &pinned)?;
    let mut times = Columns::skipping(0);
    for run in 0..b.slow_runs() {
        let project = dir.join(format!("penv-{run}"));
        b.penv_project(&project, Some(&b.medium))?;
        crate::support::copy(&lock, &project.join("pylock.toml"))?;
        times
            .penv
            .push(timed(b.penv(&project).args(["sync", "--locked"]))?);
        remove_dir(&project)?;

        let venv = dir.join(format!("hand-{run}"));
        times
            .hand
            .push(b.hand_venv(&venv)? + b.hand_install_pinned(&venv, &pinned)?);
        remove_dir(&venv)?;

        if let Some(tool) = &b.uv {
            let venv = dir.join(format!("uv-{run}"));
            let cache = dir.join(format!("uv-cache-{run}"));
            let create = timed(b.uv(tool, dir, &cache).arg("venv").arg(&venv))?;
            let install = timed(
                b.uv(tool, dir, &cache)
                    .args(["pip", "install", "--python"])
                    .arg(venv.join("bin/python"))
                    .arg("-r")
                    .arg(&lock),
            )?;
            times.uv.push(create + install);
            remove_dir(&venv)?;
            remove_dir(&cache)?;
        }
    }
    let row = times.row(
        "cold sync of medium.txt from pylock.toml",
        b.slow_runs(),
        Target::ByHandOver(3),
    );
    Ok(vec![row])
}

/// No-op sync of a built `medium.txt` env. By hand, the nearest thing is
/// running `pip install -r medium.txt` again (every requirement already
/// satisfied); that takes seconds, so it gets the slow scenarios' run count.
pub(crate) fn noop_sync(b: &Bench, dir: &Path) -> Result<Vec<Row>> {
    let built = Built::new(b, dir, true)?;
    let mut times = Columns::skipping(WARMUPS);
    for _ in 0..WARMUPS + b.quick_runs() {
        times.penv.push(b.penv_sync(&built.penv)?);
        if let (Some(tool), Some(project)) = (&b.uv, &built.uv) {
            times.uv.push(b.uv_sync(tool, project, &built.uv_cache)?);
        }
    }
    if let Some(venv) = &built.hand {
        times.hand = Samples::skipping(1);
        for _ in 0..=b.slow_runs() {
            times.hand.push(b.hand_install(venv, &b.medium)?);
        }
    }
    let mut row = times.row("no-op sync", b.quick_runs(), Target::UvOver(3));
    row.runs = format!("{} (by hand {})", b.quick_runs(), b.slow_runs());
    Ok(vec![row])
}

/// `X run python -c pass` against the env's own `.venv/bin/python -c pass`,
/// interleaved run by run so drift hits both alike. The overhead is the
/// difference of the medians, each tool against its own env.
pub(crate) fn run_overhead(b: &Bench, dir: &Path) -> Result<Vec<Row>> {
    let built = Built::new(b, dir, false)?;
    let penv_python = built.penv.join(".venv/bin/python");
    // `run` by each tool; `hand` is penv's env's python called directly.
    let mut times = Columns::skipping(WARMUPS);
    let mut uv_direct = Samples::skipping(WARMUPS);
    for _ in 0..WARMUPS + b.quick_runs() {
        times.hand.push(timed(
            b.command(&penv_python, &built.penv).args(["-c", "pass"]),
        )?);
        times.penv.push(timed(
            b.penv(&built.penv).args(["run", "python", "-c", "pass"]),
        )?);
        if let (Some(tool), Some(project)) = (&b.uv, &built.uv) {
            let python = project.join(".venv/bin/python");
            uv_direct.push(timed(b.command(&python, project).args(["-c", "pass"]))?);
            let mut uv_run = b.uv(tool, project, &built.uv_cache);
            times
                .uv
                .push(timed(uv_run.args(["run", "python", "-c", "pass"]))?);
        }
    }
    let total = times.row(
        "`run python -c pass` (by hand: .venv/bin/python)",
        b.quick_runs(),
        Target::None,
    );
    let overhead = Row {
        scenario: "run overhead (run - .venv/bin/python)".into(),
        runs: total.runs.clone(),
        penv: total
            .penv
            .zip(total.by_hand)
            .map(|(run, direct)| run - direct),
        by_hand: None,
        uv: total
            .uv
            .zip(uv_direct.median())
            .map(|(run, direct)| run - direct),
        target: Target::UvOver(4),
    };
    Ok(vec![total, overhead])
}

/// A branch switch: `medium` built, then its requirements become
/// `medium-b` (timed: the sync that follows), then `medium` again (timed:
/// back to a spec built before). Each run starts from a fresh project built
/// for `medium`; uv's cache stays warm across runs. By hand, a switch is
/// `pip install -r` of the other set into the same env: it adds and never
/// removes, so it does less than the others (the env keeps medium's extras).
pub(crate) fn switch(b: &Bench, dir: &Path) -> Result<Vec<Row>> {
    let uv_cache = dir.join("uv-cache");
    let hand_venv = dir.join("hand");
    b.hand_venv(&hand_venv)?;
    b.hand_install(&hand_venv, &b.medium)?;

    let (mut to_b, mut back) = (Columns::skipping(0), Columns::skipping(0));
    for run in 0..b.slow_runs() {
        let project = dir.join(format!("penv-{run}"));
        b.penv_project(&project, Some(&b.medium))?;
        b.penv_sync(&project)?;
        penv_requirements(&project, &b.medium_b)?;
        to_b.penv.push(b.penv_sync(&project)?);
        penv_requirements(&project, &b.medium)?;
        back.penv.push(b.penv_sync(&project)?);
        remove_dir(&project)?;

        to_b.hand.push(b.hand_install(&hand_venv, &b.medium_b)?);
        back.hand.push(b.hand_install(&hand_venv, &b.medium)?);

        if let Some(tool) = &b.uv {
            let project = dir.join(format!("uv-{run}"));
            b.uv_project(&project, &b.medium)?;
            b.uv_sync(tool, &project, &uv_cache)?;
            b.uv_project(&project, &b.medium_b)?;
            to_b.uv.push(b.uv_sync(tool, &project, &uv_cache)?);
            b.uv_project(&project, &b.medium)?;
            back.uv.push(b.uv_sync(tool, &project, &uv_cache)?);
            remove_dir(&project)?;
        }
    }
    Ok(vec![
        to_b.row(
            "switch medium -> medium-b (new spec)",
            b.slow_runs(),
            Target::None,
        ),
        back.row(
            "switch back medium-b -> medium (built before)",
            b.slow_runs(),
            Target::UvOver(2),
        ),
    ])
}

/// `medium.txt` built by each tool, for the scenarios that time an env at
/// rest: a penv project, a uv project (with its warm cache) and, when asked,
/// a venv made by hand.
pub(crate) struct Built {
    pub(crate) penv: PathBuf,
    pub(crate) uv: Option<PathBuf>,
    pub(crate) uv_cache: PathBuf,
    pub(crate) hand: Option<PathBuf>,
}

impl Built {
    pub(crate) fn new(b: &Bench, dir: &Path, by_hand: bool) -> Result<Self> {
        let penv = dir.join("penv");
        b.penv_project(&penv, Some(&b.medium))?;
        b.penv_sync(&penv)?;
        let uv_cache = dir.join("uv-cache");
        let uv = match &b.uv {
            Some(tool) => {
                let project = dir.join("uv");
                b.uv_project(&project, &b.medium)?;
                b.uv_sync(tool, &project, &uv_cache)?;
                Some(project)
            }
            None => None,
        };
        let hand = if by_hand {
            let venv = dir.join("hand");
            b.hand_venv(&venv)?;
            b.hand_install(&venv, &b.medium)?;
            Some(venv)
        } else {
            None
        };
        Ok(Self {
            penv,
            uv,
            uv_cache,
            hand,
        })
    }
}
