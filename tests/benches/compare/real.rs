//! `real`: real projects' requirement sets (`../shared/realworld`:
//! bakerydemo's `requirements.txt`, treeherder's hashed `common.txt`,
//! lifelines' `base-requirements.txt`) built from nothing from the package
//! index, caches warm (one uncounted run first): penv (with pip, and with
//! uv in the uv pass), `python -m venv` + `pip install -r` by hand, and
//! `uv venv` + `uv pip install -r`. The only scenario that uses the
//! network: skipped, with the reason printed, when the index is not
//! reachable or the sets are not there; a set one tool cannot install (a
//! pin for another Python) is reported so and left out.

use crate::Result;
use crate::measure::{Columns, timed};
use crate::support::{remove_dir, toml_string, write};
use crate::table::{Row, Target};
use crate::tools::Bench;
use std::path::{Path, PathBuf};

/// The sets: a name and the requirement file, relative to the realworld
/// directory.
const SETS: [(&str, &str); 3] = [
    ("bakerydemo", "bakerydemo/requirements.txt"),
    ("treeherder", "treeherder/requirements/common.txt"),
    ("lifelines", "lifelines/reqs/base-requirements.txt"),
];

/// The index the sets are installed from (each tool's default).
const INDEX: &str = "https://pypi.org/simple/";

/// Asks the index for one page, with a deadline: `Err` says why not.
const REACHABLE: &str = r"
import sys, urllib.request
urllib.request.urlopen(sys.argv[1] + 'pip/', timeout=10).read(1)
";

/// The rows of the `real` scenario; a set that fails is left out, never
/// the run.
pub(crate) fn real(b: &Bench, dir: &Path) -> Vec<Row> {
    let Some(realworld) = b.realworld.as_ref().filter(|d| d.is_dir()) else {
        eprintln!("real: skipped: no realworld sets (`--realworld DIR`)");
        return vec![skipped(
            "no realworld sets (`--realworld DIR`, default `../shared/realworld`)",
        )];
    };
    if let Err(why) = crate::measure::capture(
        b.command(&b.python.path, dir)
            .envs(tls(b))
            .args(["-I", "-c", REACHABLE, INDEX]),
    ) {
        let why = why.lines().last().unwrap_or_default().to_owned();
        eprintln!("real: skipped: the index `{INDEX}` is not reachable: {why}");
        return vec![skipped(&format!("the index is not reachable: {why}"))];
    }
    let uv_cache = dir.join("uv-cache");
    let mut rows = Vec::new();
    for (name, file) in SETS {
        let file = realworld.join(file);
        if !file.is_file() {
            eprintln!("real: skipped {name}: no `{}`", file.display());
            continue;
        }
        match set(b, dir, &file, &uv_cache) {
            Ok(times) => rows.push(times.row(
                &format!("real {name}: cold build from the index (caches warm)"),
                b.slow_runs(),
                Target::None,
            )),
            Err(why) => {
                eprintln!("real: {name} left out: {why}");
                rows.push(skipped(&format!(
                    "{name} left out: a tool failed (stderr says which)"
                )));
            }
        }
    }
    rows
}

/// One set: an uncounted run of each tool (the caches), then the timed ones.
fn set(b: &Bench, dir: &Path, file: &Path, uv_cache: &Path) -> Result<Columns> {
    let store = b.root.join("penv-cache/envs");
    let mut times = Columns::skipping(1);
    for run in 0..=b.slow_runs() {
        if store.exists() {
            remove_dir(&store)?;
        }
        let project = dir.join(format!("penv-{run}"));
        crate::support::create_dir(&project)?;
        write(
            &project.join("penv.toml"),
            &format!(
                "python = {}\nrequirement-files = [{}]\n",
                toml_string(&b.python.path.display()),
                toml_string(&file.display())
            ),
        )?;
        let mut penv = b.penv(&project);
        penv.arg("sync").env_remove("UV_OFFLINE").envs(tls(b));
        times.penv.push(timed(&mut penv)?);
        remove_dir(&project)?;

        let venv = dir.join(format!("hand-{run}"));
        let by_hand = b.hand_venv(&venv)?
            + timed(
                b.command(venv.join("bin/python"), dir)
                    .envs(tls(b))
                    .args(["-m", "pip", "install", "-r"])
                    .arg(file),
            )?;
        times.hand.push(by_hand);
        remove_dir(&venv)?;

        if let Some(tool) = &b.uv {
            let venv: PathBuf = dir.join(format!("uv-{run}"));
            let mut create = b.uv(tool, dir, uv_cache);
            create
                .env_remove("UV_OFFLINE")
                .envs(tls(b))
                .arg("venv")
                .arg(&venv);
            let mut install = b.uv(tool, dir, uv_cache);
            install
                .env_remove("UV_OFFLINE")
                .envs(tls(b))
                .args(["pip", "install", "--python"])
                .arg(venv.join("bin/python"))
                .arg("-r")
                .arg(file);
            times.uv.push(timed(&mut create)? + timed(&mut install)?);
            remove_dir(&venv)?;
        }
    }
    Ok(times)
}

/// The machine's TLS settings, for the tools that reach the index.
fn tls(b: &Bench) -> impl Iterator<Item = (&'static str, &std::ffi::OsStr)> {
    b.env
        .tls
        .iter()
        .map(|(name, value)| (*name, value.as_os_str()))
}

/// A row with no figures, saying why.
fn skipped(why: &str) -> Row {
    Row {
        scenario: format!("real: skipped, {why}"),
        runs: "0".to_owned(),
        penv: None,
        by_hand: None,
        uv: None,
        target: Target::None,
    }
}
