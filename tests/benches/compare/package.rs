//! A package project (issue 25): `benchpkg`, installed editable, its
//! dependencies `medium-b.txt` in PEP 621 `[project] dependencies`, built
//! by an in-tree backend (`requires = []`: offline, and the build is pip's
//! machinery, not a backend's work). Two rows:
//!
//! - an edit of its dependencies (one pinned dependency added, `rich`),
//!   derived from the old env (no stash, no store); by hand `pip install
//!   -e .` into the old venv; uv `uv sync` (cache warm);
//! - a new worktree of it (its files copied), the store holding its env
//!   (without the project); by hand `python -m venv` + `pip install -e .`;
//!   uv `uv sync` of the copy (cache warm).

use std::path::Path;

use crate::Result;
use crate::measure::{Columns, timed};
use crate::support::{create_dir, remove_dir, toml_string, write};
use crate::table::{Row, Target};
use crate::tools::Bench;

/// An editable wheel: a `.pth` naming the project directory.
const BACKEND: &str = r#"
import base64, hashlib, os, re, zipfile

HERE = os.path.dirname(os.path.abspath(__file__))

def build_editable(directory, config_settings=None, metadata_directory=None):
    text = open(os.path.join(HERE, "pyproject.toml")).read()
    deps = re.search(r"^dependencies = \[(.*?)\]", text, re.M | re.S).group(1)
    lines = ["Metadata-Version: 2.1", "Name: benchpkg", "Version: 1.0"]
    lines += ["Requires-Dist: " + d for d in re.findall(r'"([^"]+)"', deps)]
    dist = "benchpkg-1.0.dist-info"
    files = {
        "benchpkg.pth": HERE + "\n",
        dist + "/METADATA": "\n".join(lines) + "\n",
        dist + "/WHEEL": "Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    wheel = "benchpkg-1.0-py3-none-any.whl"
    record = []
    with zipfile.ZipFile(os.path.join(directory, wheel), "w") as z:
        for path, data in files.items():
            data = data.encode()
            z.writestr(path, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append("%s,sha256=%s,%d" % (path, digest, len(data)))
        record.append(dist + "/RECORD,,")
        z.writestr(dist + "/RECORD", "\n".join(record) + "\n")
    return wheel
"#;

/// Writes the package project in `dir` depending on `deps`, for penv
/// (`[tool.penv]`, no stash) and uv (`[tool.uv]`) alike.
fn project(b: &Bench, dir: &Path, deps: &[String]) -> Result<()> {
    create_dir(dir)?;
    let quoted: Vec<String> = deps.iter().map(toml_string).collect();
    let wheelhouse = toml_string(&b.wheelhouse.display());
    let pyproject = format!(
        "[build-system]\nrequires = []\nbuild-backend = \"backend\"\nbackend-path = [\".\"]\n\n\
         [project]\nname = \"benchpkg\"\nversion = \"1.0\"\nrequires-python = \"=={}.*\"\n\
         dependencies = [\n  {},\n]\n\n\
         [tool.penv]\npython = {}\n\n[tool.penv.venv]\nkeep-stashed = 0\n\n\
         [tool.penv.pip]\nfind-links = [{wheelhouse}]\nno-index = true\n\n\
         [tool.uv]\nno-index = true\nfind-links = [{wheelhouse}]\n",
        b.python.minor,
        quoted.join(",\n  "),
        toml_string(&b.python.path.display()),
    );
    write(&dir.join("pyproject.toml"), &pyproject)?;
    write(&dir.join("backend.py"), BACKEND)?;
    write(&dir.join("benchpkg_mod.py"), "VERSION = \"1.0\"\n")
}

pub(crate) fn package(b: &Bench, dir: &Path) -> Result<Vec<Row>> {
    let store = b.root.join("penv-cache/envs");
    let uv_cache = dir.join("uv-cache");
    let before: Vec<String> = b.medium_b.lines.clone();
    let mut after = before.clone();
    after.push("rich==13.9.4".to_owned());
    let pip_e = |venv: &Path, project: &Path| {
        timed(
            b.command(venv.join("bin/python"), project)
                .args(["-m", "pip", "install", "--no-index", "--find-links"])
                .arg(&b.wheelhouse)
                .args(["-e", "."]),
        )
    };
    let (mut edit, mut worktree) = (Columns::skipping(1), Columns::skipping(1));
    // One uncounted run first: caches warm.
    for run in 0..=b.slow_runs() {
        // The edit: no store entry for either spec.
        if store.exists() {
            remove_dir(&store)?;
        }
        let p = dir.join(format!("penv-{run}"));
        project(b, &p, &before)?;
        timed(b.penv(&p).env("PENV_STORE_MAX", "0").arg("sync"))?;
        project(b, &p, &after)?;
        edit.penv
            .push(timed(b.penv(&p).env("PENV_STORE_MAX", "0").arg("sync"))?);
        remove_dir(&p)?;
        // A new worktree: the first checkout's sync put its env in the store.
        let first = dir.join(format!("first-{run}"));
        project(b, &first, &before)?;
        b.penv_sync(&first)?;
        let second = dir.join(format!("second-{run}"));
        project(b, &second, &before)?;
        worktree.penv.push(b.penv_sync(&second)?);
        remove_dir(&first)?;
        remove_dir(&second)?;

        let h = dir.join(format!("hand-{run}"));
        project(b, &h, &before)?;
        let venv = h.join(".venv");
        let made = b.hand_venv(&venv)?;
        worktree.hand.push(made + pip_e(&venv, &h)?);
        project(b, &h, &after)?;
        edit.hand.push(pip_e(&venv, &h)?);
        remove_dir(&h)?;

        if let Some(tool) = &b.uv {
            let u = dir.join(format!("uv-{run}"));
            project(b, &u, &before)?;
            b.uv_sync(tool, &u, &uv_cache)?;
            let copy = dir.join(format!("uv-copy-{run}"));
            project(b, &copy, &before)?;
            worktree.uv.push(b.uv_sync(tool, &copy, &uv_cache)?);
            project(b, &u, &after)?;
            edit.uv.push(b.uv_sync(tool, &u, &uv_cache)?);
            remove_dir(&u)?;
            remove_dir(&copy)?;
        }
    }
    Ok(vec![
        edit.row(
            "package project: a dependency added in pyproject, derived (no stash, no store; caches warm)",
            b.slow_runs(),
            Target::None,
        ),
        worktree.row(
            "package project: new worktree, its env in the store (by hand: venv + pip install -e .)",
            b.slow_runs(),
            Target::UvTimes(2.0),
        ),
    ])
}
