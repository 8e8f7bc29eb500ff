//! The lock scenario (`just bench --only lock`): `penv lock` and `penv sync
//! --frozen` on a flask-shaped and a bakerydemo-shaped project, offline from
//! the wheelhouse, against pip by hand and uv.
//!
//! - lock: `penv lock` (no `pylock.toml` before; its scratch venv and pip
//!   seed included) against one `pip install --dry-run --ignore-installed
//!   --report` of every requirement of the project in an existing venv, and
//!   `uv lock` (warm cache); target: at most 1.5x the pip run.
//! - frozen sync, every group, no env anywhere (the store off:
//!   `PENV_STORE_MAX=0`) against `python -m venv` + `pip install --no-deps
//!   --require-hashes -r` of the same pinned files, and `uv sync --frozen
//!   --all-groups` (warm cache); target: at most 1.2x by hand.
//! - frozen sync of a new checkout whose env is in the store (penv clones
//!   it, no pip) against the same by hand and uv.

use crate::Result;
use crate::measure::{Columns, capture, timed};
use crate::support::{create_dir, remove_dir, toml_string, write};
use crate::table::{Row, Target};
use crate::tools::Bench;
use std::path::{Path, PathBuf};

/// A project shape: requirements and groups, as lines or as files.
struct Shape {
    name: &'static str,
    base: &'static [&'static str],
    groups: &'static [(&'static str, &'static [&'static str])],
    /// bakerydemo's shape: `requirements/base.txt`, and each group a
    /// `requirements/GROUP.txt` that includes it.
    files: bool,
}

const SHAPES: [Shape; 2] = [
    // flask: a few runtime dependencies and several small groups.
    Shape {
        name: "flask-like",
        base: &["click", "rich", "requests"],
        groups: &[
            ("tests", &["pytest", "colorama"]),
            ("docs", &["docutils", "pygments", "beautifulsoup4"]),
            ("dev", &["httpx", "tabulate", "python-dateutil"]),
        ],
        files: false,
    },
    // bakerydemo: a pinned base file and a development file including it.
    Shape {
        name: "bakerydemo-like",
        base: &[
            "requests==2.32.3",
            "click==8.1.7",
            "rich==13.9.4",
            "attrs==24.2.0",
            "packaging==24.2",
            "python-dateutil==2.9.0.post0",
            "httpx==0.28.1",
            "beautifulsoup4==4.12.3",
            "docutils==0.21.2",
            "pyparsing==3.2.0",
            "typing_extensions==4.12.2",
        ],
        groups: &[(
            "dev",
            &[
                "pytest==8.3.4",
                "tabulate==0.9.0",
                "colorama==0.4.6",
                "tomli==2.2.1",
            ],
        )],
        files: true,
    },
];

pub(crate) fn lock(b: &Bench, dir: &Path) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    for shape in &SHAPES {
        rows.extend(one_shape(b, &dir.join(shape.name), shape)?);
    }
    Ok(rows)
}

fn one_shape(b: &Bench, dir: &Path, shape: &Shape) -> Result<Vec<Row>> {
    create_dir(dir)?;
    let uv_cache = dir.join("uv-cache");
    let uv_project = dir.join("uv");
    let pip_venv = dir.join("pip-venv");
    b.hand_venv(&pip_venv)?;
    let mut locks = Columns::skipping(1);
    // One uncounted run first: it warms the caches.
    for run in 0..=b.slow_runs() {
        let project = dir.join(format!("penv-lock-{run}"));
        penv_project(b, &project, shape)?;
        locks.penv.push(timed(b.penv(&project).arg("lock"))?);
        remove_dir(&project)?;
        locks.hand.push(timed(
            b.command(pip_venv.join("bin/python"), dir)
                .args(["-m", "pip", "install", "--dry-run", "--ignore-installed"])
                .args(["--quiet", "--report"])
                .arg(dir.join("report.json"))
                .args(["--no-index", "--find-links"])
                .arg(&b.wheelhouse)
                .args(everything(shape)),
        )?);
        if let Some(tool) = &b.uv {
            uv_pyproject(b, &uv_project, shape)?;
            locks
                .uv
                .push(timed(b.uv(tool, &uv_project, &uv_cache).arg("lock"))?);
            remove_dir(&uv_project)?;
        }
    }

    // The lock and the files pip is given, from a frozen sync not timed.
    let source = dir.join("source");
    penv_project(b, &source, shape)?;
    capture(b.penv(&source).arg("lock"))?;
    let lock = source.join("pylock.toml");
    capture(frozen(b, &source).env("PENV_STORE_MAX", "0"))?;
    let pinned = dir.join("pinned.txt");
    crate::support::copy(&source.join(".penv/.venv.pylock.txt"), &pinned)?;
    if let Some(tool) = &b.uv {
        uv_pyproject(b, &uv_project, shape)?;
        capture(b.uv(tool, &uv_project, &uv_cache).arg("lock"))?;
        capture(&mut uv_frozen(b, tool, &uv_project, &uv_cache))?;
        remove_dir(&uv_project.join(".venv"))?;
    }

    let mut cold = Columns::skipping(0);
    let mut stored = Columns::skipping(0);
    for run in 0..b.slow_runs() {
        let project = dir.join(format!("penv-{run}"));
        penv_project(b, &project, shape)?;
        crate::support::copy(&lock, &project.join("pylock.toml"))?;
        cold.penv
            .push(timed(frozen(b, &project).env("PENV_STORE_MAX", "0"))?);
        // Built once more with the store on, then a new checkout clones it.
        remove_dir(&project.join(".venv"))?;
        timed(&mut frozen(b, &project))?;
        let checkout = dir.join(format!("checkout-{run}"));
        penv_project(b, &checkout, shape)?;
        crate::support::copy(&lock, &checkout.join("pylock.toml"))?;
        stored.penv.push(timed(&mut frozen(b, &checkout))?);
        remove_dir(&project)?;
        remove_dir(&checkout)?;
        remove_dir(&b.root.join("penv-cache/envs")).ok();

        let venv = dir.join(format!("hand-{run}"));
        let hand = b.hand_venv(&venv)? + b.hand_install_pinned(&venv, &pinned)?;
        cold.hand.push(hand);
        stored.hand.push(hand);
        remove_dir(&venv)?;

        if let Some(tool) = &b.uv {
            let took = timed(&mut uv_frozen(b, tool, &uv_project, &uv_cache))?;
            cold.uv.push(took);
            stored.uv.push(took);
            remove_dir(&uv_project.join(".venv"))?;
        }
    }
    let name = shape.name;
    Ok(vec![
        locks.row(
            &format!("{name}: lock (by hand: one `pip install --dry-run --report`)"),
            b.slow_runs(),
            Target::ByHandTimes(1.5),
        ),
        cold.row(
            &format!("{name}: sync --frozen, all groups, no env to clone"),
            b.slow_runs(),
            Target::ByHandTimes(1.2),
        ),
        stored.row(
            &format!("{name}: sync --frozen, all groups, env in the store"),
            b.slow_runs(),
            Target::None,
        ),
    ])
}

/// `penv sync --frozen --all-groups` in `project`.
fn frozen(b: &Bench, project: &Path) -> std::process::Command {
    let mut cmd = b.penv(project);
    cmd.args(["sync", "--frozen", "--all-groups"]);
    cmd
}

fn uv_frozen(
    b: &Bench,
    tool: &crate::tools::Uv,
    project: &Path,
    cache: &Path,
) -> std::process::Command {
    let mut cmd = b.uv(tool, project, cache);
    cmd.args(["sync", "--frozen", "--all-groups"]);
    cmd
}

/// Every requirement of the shape, groups included: what pip is given.
fn everything(shape: &Shape) -> Vec<&'static str> {
    let groups = shape.groups.iter().flat_map(|(_, reqs)| reqs.iter());
    shape.base.iter().chain(groups).copied().collect()
}

fn quoted(reqs: &[&str]) -> String {
    reqs.iter().map(toml_string).collect::<Vec<_>>().join(", ")
}

/// The penv project of `shape` in `dir`: the bench's python, the
/// wheelhouse, no index.
fn penv_project(b: &Bench, dir: &Path, shape: &Shape) -> Result<()> {
    create_dir(dir)?;
    let mut toml = vec![format!(
        "python = {}",
        toml_string(&b.python.path.display())
    )];
    let mut groups = vec!["[groups]".to_owned()];
    if shape.files {
        let files = dir.join("requirements");
        create_dir(&files)?;
        write(&files.join("base.txt"), &lines(shape.base))?;
        toml.push("requirement-files = [\"requirements/base.txt\"]".to_owned());
        for (group, reqs) in shape.groups {
            let text = format!("-r base.txt\n{}", lines(reqs));
            write(&files.join(format!("{group}.txt")), &text)?;
            groups.push(format!(
                "{group} = {{ requirement-files = [\"requirements/{group}.txt\"] }}"
            ));
        }
    } else {
        toml.push(format!("requirements = [{}]", quoted(shape.base)));
        for (group, reqs) in shape.groups {
            groups.push(format!("{group} = [{}]", quoted(reqs)));
        }
    }
    toml.extend(groups);
    toml.push(format!(
        "[pip]\nfind-links = [{}]\nno-index = true\n",
        toml_string(&b.wheelhouse.display())
    ));
    write(&dir.join("penv.toml"), &toml.join("\n"))
}

fn lines(reqs: &[&str]) -> String {
    let mut text = reqs.join("\n");
    text.push('\n');
    text
}

/// uv's project of `shape` in `dir`: the same requirements as
/// `dependencies` and `[dependency-groups]`, for the bench's Python only.
fn uv_pyproject(b: &Bench, dir: &Path, shape: &Shape) -> Result<PathBuf> {
    create_dir(dir)?;
    let groups = shape
        .groups
        .iter()
        .map(|(group, reqs)| format!("{group} = [{}]", quoted(reqs)))
        .collect::<Vec<_>>()
        .join("\n");
    let text = format!(
        "[project]\nname = \"bench\"\nversion = \"0\"\nrequires-python = \"=={}.*\"\n\
         dependencies = [{}]\n\n[dependency-groups]\n{groups}\n\n\
         [tool.uv]\npackage = false\nno-index = true\nfind-links = [{}]\n",
        b.python.minor,
        quoted(shape.base),
        toml_string(&b.wheelhouse.display())
    );
    let path = dir.join("pyproject.toml");
    write(&path, &text)?;
    Ok(path)
}
