//! The scan scenario: `penv envs --scan TREE --json` against
//! `killpy list --path TREE --json` (`KillPy`, `pip install killpy`: the
//! peer issue 14 measures against) on a tree the bench builds: 100,000
//! directories laid out like a workspace of projects (packages, modules,
//! subpackages, a file in each leaf) with 50 envs made by `python -m venv
//! --without-pip` among them. Both tools list the same 50 envs with their
//! sizes, or the scenario fails. `KillPy` also lists pyenv's versions: its
//! `PYENV_ROOT` is an empty directory, so both scan the same tree.

use std::path::Path;

use crate::Result;
use crate::measure::{Columns, capture, timed};
use crate::support::{create_dir, io_error, write};
use crate::table::{Row, Target};
use crate::tools::Bench;

/// Directories in the tree, the envs' own not counted.
const DIRS: usize = 100_000;
/// Envs in it.
const ENVS: usize = 50;

/// Builds the tree under `dir`; returns its root.
fn build_tree(b: &Bench, dir: &Path) -> Result<std::path::PathBuf> {
    let tree = dir.join("tree");
    let mut made = 0;
    let mut project = 0;
    'tree: loop {
        let root = tree.join(format!("project{project:03}"));
        for package in 0..10 {
            for module in 0..10 {
                for sub in 0..10 {
                    let leaf = root
                        .join(format!("pkg{package}"))
                        .join(format!("mod{module}"))
                        .join(format!("sub{sub}"));
                    // The directories this leaf adds: itself, and its
                    // parents the first time.
                    made += 1
                        + usize::from(sub == 0)
                        + usize::from(sub == 0 && module == 0)
                        + usize::from(sub == 0 && module == 0 && package == 0);
                    create_dir(&leaf)?;
                    write(&leaf.join("code.py"), "x = 1\n")?;
                    if made >= DIRS {
                        break 'tree;
                    }
                }
            }
        }
        project += 1;
    }
    for i in 0..ENVS {
        let env = tree
            .join(format!("project{:03}", i % (project + 1)))
            .join(format!(".venv{i}"));
        capture(
            b.command(&b.python.path, dir)
                .args(["-m", "venv", "--without-pip"])
                .arg(&env),
        )?;
    }
    Ok(tree)
}

/// How many envs in `tree` a tool's JSON lists (penv: `envs`, which also
/// holds penv's own — the store's entries, registered envs —; `KillPy`:
/// the array).
fn listed(json: &str, tool: &str, tree: &Path) -> Result<usize> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("{tool}'s --json is not JSON: {e}"))?;
    let envs = value
        .get("envs")
        .unwrap_or(&value)
        .as_array()
        .ok_or_else(|| format!("{tool}'s --json holds no list of envs"))?;
    let tree = tree.canonicalize().unwrap_or_else(|_| tree.to_owned());
    Ok(envs
        .iter()
        .filter(|e| {
            // KillPy's `path` is relative to its working directory.
            e.get("absolute_path")
                .or_else(|| e.get("path"))
                .and_then(serde_json::Value::as_str)
                .is_none_or(|p| Path::new(p).starts_with(&tree))
        })
        .count())
}

pub(crate) fn scan(b: &Bench, dir: &Path) -> Result<Vec<Row>> {
    eprintln!("  building {DIRS} directories and {ENVS} envs…");
    let tree = build_tree(b, dir)?;
    let data = dir.join("penv-data");
    let pyenv_root = dir.join("empty-pyenv-root");
    create_dir(&pyenv_root)?;
    let penv = || {
        let mut cmd = b.penv(dir);
        cmd.env("PENV_DATA_DIR", &data)
            .args(["envs", "--json", "--scan"])
            .arg(&tree);
        cmd
    };
    let killpy = |path: &Path| {
        let mut cmd = b.command(path, dir);
        cmd.env("PYENV_ROOT", &pyenv_root)
            .args(["list", "--json", "--path"])
            .arg(&tree);
        cmd
    };
    let found = listed(&capture(&mut penv())?, "penv", &tree)?;
    if found != ENVS {
        return Err(format!(
            "penv envs listed {found} envs in `{}`, not {ENVS}",
            tree.display()
        ));
    }
    if let Some(path) = &b.killpy {
        let found = listed(&capture(&mut killpy(path))?, "killpy", &tree)?;
        if found != ENVS {
            return Err(format!(
                "killpy listed {found} envs in `{}`, not {ENVS}",
                tree.display()
            ));
        }
    }
    // Those runs warmed the page cache for both; now interleaved runs.
    let mut times = Columns::skipping(0);
    for _ in 0..b.runs {
        times.penv.push(timed(&mut penv())?);
        if let Some(path) = &b.killpy {
            times.hand.push(timed(&mut killpy(path))?);
        }
    }
    std::fs::remove_dir_all(&tree).map_err(|e| io_error("remove", &tree, &e))?;
    Ok(vec![times.row(
        "scan 100,000 dirs, 50 envs (by hand: killpy list)",
        b.runs,
        Target::ByHandOver(5),
    )])
}
