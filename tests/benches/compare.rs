//! `just bench`: penv side by side with the same work done by hand
//! (`python -m venv` + `python -m pip install`) and with uv when `uv` is on
//! `PATH`, all offline from one wheelhouse. Each scenario runs several times
//! per tool; the medians, their ratios and the project's targets (PASS/MISS)
//! are printed as one table on stdout, progress goes to stderr.
//!
//! What keeps the columns comparable:
//! - every child gets a cleared environment: the inherited `PATH` and `LANG`
//!   and a private `HOME`, nothing else, so the machine's `PIP_*`, `PYTHON*`,
//!   `UV_*` and `VIRTUAL_ENV` change nothing;
//! - one base interpreter for all (`python3` on `PATH`, resolved to its base
//!   executable, or `--python`), one wheelhouse, no index and no network;
//! - penv's cache is warm (its pip seed is prepared once per machine, before
//!   any timing: that is how it is used); uv gets a private cache per
//!   scenario, empty for the cold build, warmed first everywhere else;
//! - each tool keeps its defaults otherwise (pip by hand byte-compiles what it
//!   installs; penv and uv do not).
//!
//! A missed target is a MISS in the table, not a failure: the exit code is 0
//! whenever every measurement ran, 2 when one could not.

use std::ffi::{OsStr, OsString};
use std::fmt::Display;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

type Result<T, E = String> = std::result::Result<T, E>;

const USAGE: &str = "\
usage: just bench [OPTIONS]      (cargo bench --bench compare -- [OPTIONS])

options:
  --wheelhouse DIR   wheels to install from, offline [default: ../shared/wheelhouse]
  --bench-dir DIR    holds medium.txt and medium-b.txt [default: ../shared/bench]
  --python PATH      base interpreter [default: python3 on PATH, resolved]
  --runs N           runs per tool [default: 5]; the cold build and the switch
                     take ceil(N/2), the millisecond scenarios 6N after 3 warm-ups
  --only SCENARIO    only this scenario (repeatable): empty, cold, noop, run, switch
  -h, --help         print this text

Relative paths are relative to the repository root.
";

/// Warm-up runs before the millisecond scenarios are timed.
const WARMUPS: usize = 3;

fn main() -> ExitCode {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and a
    // test run should not spend minutes here.
    if !raw.iter().any(|arg| arg == "--bench") {
        eprintln!("compare: a benchmark; run it with `just bench` (`cargo bench --bench compare`)");
        return ExitCode::SUCCESS;
    }
    let args = match Args::parse(raw.into_iter().filter(|arg| arg != "--bench")) {
        Ok(Some(args)) => args,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(err) => {
            eprintln!("error: {err}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(2)
        }
    }
}

/// Sets up the shared fixtures, runs the chosen scenarios, prints the table.
fn run(args: &Args) -> Result<()> {
    let tmp = tempfile::tempdir().map_err(|err| format!("cannot create a temp dir: {err}"))?;
    let bench = Bench::new(args, tmp.path())?;
    bench.print_header();

    let mut rows = Vec::new();
    for scenario in Scenario::ALL {
        if !args.only.is_empty() && !args.only.contains(&scenario) {
            continue;
        }
        eprintln!("running: {}", scenario.title());
        let dir = bench.root.join(scenario.name());
        create_dir(&dir)?;
        rows.extend(match scenario {
            Scenario::Empty => empty_env(&bench, &dir)?,
            Scenario::Cold => cold_build(&bench, &dir)?,
            Scenario::Noop => noop_sync(&bench, &dir)?,
            Scenario::Run => run_overhead(&bench, &dir)?,
            Scenario::Switch => switch(&bench, &dir)?,
        });
        remove_dir(&dir)?;
    }
    println!();
    print_table(&rows);
    println!();
    print_notes(&bench);
    Ok(())
}

// ---------------------------------------------------------------------------
// Scenarios: one function each, returning their table rows.

/// Empty env with pip, caches warm: `penv sync` of a project without
/// requirements; by hand `python -m venv` (ensurepip); uv `uv venv` then
/// `uv pip install pip` from the interpreter's bundled wheel (uv's `--seed`
/// would add setuptools and wheel on Python < 3.12, and needs an index).
fn empty_env(b: &Bench, dir: &Path) -> Result<Vec<Row>> {
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

/// Cold build of `medium.txt`: no env, no stash; by hand `python -m venv` +
/// `pip install -r`; uv `uv sync` with an empty cache (it writes `uv.lock`
/// too: that is part of its work).
fn cold_build(b: &Bench, dir: &Path) -> Result<Vec<Row>> {
    let mut times = Columns::skipping(0);
    for run in 0..b.slow_runs() {
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
            let cache = dir.join(format!("uv-cache-{run}"));
            b.uv_project(&project, &b.medium)?;
            times.uv.push(b.uv_sync(tool, &project, &cache)?);
            remove_dir(&project)?;
            remove_dir(&cache)?;
        }
    }
    let row = times.row(
        "cold build of medium.txt",
        b.slow_runs(),
        Target::ByHandOver(3),
    );
    Ok(vec![row])
}

/// No-op sync of a built `medium.txt` env. By hand, the nearest thing is
/// running `pip install -r medium.txt` again (every requirement already
/// satisfied); that takes seconds, so it gets the slow scenarios' run count.
fn noop_sync(b: &Bench, dir: &Path) -> Result<Vec<Row>> {
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
fn run_overhead(b: &Bench, dir: &Path) -> Result<Vec<Row>> {
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
fn switch(b: &Bench, dir: &Path) -> Result<Vec<Row>> {
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
struct Built {
    penv: PathBuf,
    uv: Option<PathBuf>,
    uv_cache: PathBuf,
    hand: Option<PathBuf>,
}

impl Built {
    fn new(b: &Bench, dir: &Path, by_hand: bool) -> Result<Self> {
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

// ---------------------------------------------------------------------------
// The shared context: tools, inputs, the controlled environment.

/// What every scenario shares.
struct Bench {
    /// The temp dir everything is built in (canonical: venvs record it).
    root: PathBuf,
    penv: PathBuf,
    penv_version: String,
    python: Python,
    uv: Option<Uv>,
    wheelhouse: PathBuf,
    /// Where the requirement sets come from.
    sets_dir: PathBuf,
    medium: RequirementSet,
    medium_b: RequirementSet,
    runs: usize,
    env: ChildEnv,
}

impl Bench {
    /// Checks the inputs, finds the tools, and warms penv's cache.
    fn new(args: &Args, tmp: &Path) -> Result<Self> {
        let wheelhouse = existing_dir(&args.wheelhouse, "wheelhouse", "--wheelhouse")?;
        let bench_dir = existing_dir(&args.bench_dir, "requirement sets directory", "--bench-dir")?;
        let root = canonical(tmp)?;
        let env = ChildEnv::inherited(root.join("home"))?;
        let python = Python::probe(&env, args.python.as_deref(), &root)?;
        let penv = PathBuf::from(env!("CARGO_BIN_EXE_penv"));
        let penv_version = capture(env.command(&penv, &root).arg("--version"))?;
        let uv = match find_on_path("uv", &env.path_var) {
            Some(path) => {
                let version = capture(env.command(&path, &root).arg("--version"))?;
                Some(Uv { path, version })
            }
            None => None,
        };
        let bench = Self {
            root,
            penv,
            penv_version,
            python,
            uv,
            medium: RequirementSet::read(&bench_dir.join("medium.txt"))?,
            medium_b: RequirementSet::read(&bench_dir.join("medium-b.txt"))?,
            wheelhouse,
            sets_dir: bench_dir,
            runs: args.runs,
            env,
        };

        // Read the wheels once so no tool pays for the first disk read, and
        // let penv prepare its pip seed: both are one-time costs per machine.
        for entry in std::fs::read_dir(&bench.wheelhouse)
            .map_err(|err| io_error("read", &bench.wheelhouse, &err))?
        {
            let path = entry
                .map_err(|err| io_error("read", &bench.wheelhouse, &err))?
                .path();
            if path.is_file() {
                std::fs::read(&path).map_err(|err| io_error("read", &path, &err))?;
            }
        }
        let warm = bench.root.join("warm-penv-cache");
        bench.penv_project(&warm, None)?;
        bench.penv_sync(&warm)?;
        remove_dir(&warm)?;
        Ok(bench)
    }

    /// Runs for the scenarios that take seconds per run.
    fn slow_runs(&self) -> usize {
        self.runs.div_ceil(2)
    }

    /// Runs for the scenarios that take milliseconds per run.
    fn quick_runs(&self) -> usize {
        self.runs * 6
    }

    /// `program` in `cwd` with the controlled environment.
    fn command(&self, program: impl AsRef<OsStr>, cwd: &Path) -> Command {
        self.env.command(program, cwd)
    }

    /// penv in `project`, with the bench's (warm) cache and plain output.
    fn penv(&self, project: &Path) -> Command {
        let mut cmd = self.command(&self.penv, project);
        cmd.env("PENV_CACHE_DIR", self.root.join("penv-cache"))
            .env("PENV_NO_PROGRESS", "1");
        cmd
    }

    /// uv in `cwd` with the given cache, offline, on the bench's python.
    fn uv(&self, uv: &Uv, cwd: &Path, cache: &Path) -> Command {
        let mut cmd = self.command(&uv.path, cwd);
        cmd.env("UV_CACHE_DIR", cache)
            .env("UV_OFFLINE", "1")
            .env("UV_PYTHON_DOWNLOADS", "never")
            .env("UV_PYTHON", &self.python.path);
        cmd
    }

    /// Writes a penv project in `dir`: the bench's python, the wheelhouse
    /// with no index, and `requirements.txt` holding `set` when given.
    fn penv_project(&self, dir: &Path, set: Option<&RequirementSet>) -> Result<()> {
        create_dir(dir)?;
        let requirement_files = match set {
            Some(set) => {
                penv_requirements(dir, set)?;
                "requirement-files = [\"requirements.txt\"]\n"
            }
            None => "",
        };
        let toml = format!(
            "python = {}\n{requirement_files}\n[pip]\nfind-links = [{}]\nno-index = true\n",
            toml_string(&self.python.path.display()),
            toml_string(&self.wheelhouse.display())
        );
        write(&dir.join("penv.toml"), &toml)
    }

    /// `penv sync` in `project`.
    fn penv_sync(&self, project: &Path) -> Result<Duration> {
        timed(self.penv(project).arg("sync"))
    }

    /// Writes (or rewrites) a uv project in `dir` whose dependencies are
    /// `set`, for the bench's Python `X.Y` only, from the wheelhouse.
    fn uv_project(&self, dir: &Path, set: &RequirementSet) -> Result<()> {
        create_dir(dir)?;
        let dependencies: Vec<String> = set.lines.iter().map(toml_string).collect();
        let pyproject = format!(
            "[project]\nname = \"bench\"\nversion = \"0\"\nrequires-python = \"=={}.*\"\n\
             dependencies = [\n  {},\n]\n\n\
             [tool.uv]\npackage = false\nno-index = true\nfind-links = [{}]\n",
            self.python.minor,
            dependencies.join(",\n  "),
            toml_string(&self.wheelhouse.display())
        );
        write(&dir.join("pyproject.toml"), &pyproject)
    }

    /// `uv sync` in `project`.
    fn uv_sync(&self, uv: &Uv, project: &Path, cache: &Path) -> Result<Duration> {
        timed(self.uv(uv, project, cache).arg("sync"))
    }

    /// By hand: `python -m venv DIR` (with pip, through ensurepip).
    fn hand_venv(&self, venv: &Path) -> Result<Duration> {
        timed(
            self.command(&self.python.path, &self.root)
                .args(["-m", "venv"])
                .arg(venv),
        )
    }

    /// By hand: `DIR/bin/python -m pip install --no-index --find-links WH -r FILE`.
    fn hand_install(&self, venv: &Path, set: &RequirementSet) -> Result<Duration> {
        timed(
            self.command(venv.join("bin/python"), &self.root)
                .args(["-m", "pip", "install", "--no-index", "--find-links"])
                .arg(&self.wheelhouse)
                .arg("-r")
                .arg(&set.path),
        )
    }

    /// The machine facts above the table.
    fn print_header(&self) {
        println!(
            "penv bench: {} at {}",
            self.penv_version,
            self.penv.display()
        );
        println!(
            "python:     {} {} at {}",
            self.python.implementation,
            self.python.version,
            self.python.path.display()
        );
        match &self.uv {
            Some(uv) => println!("uv:         {} at {}", uv.version, uv.path.display()),
            None => println!(
                "uv:         uv not on PATH: uv columns and uv-relative targets not measured"
            ),
        }
        println!("wheelhouse: {}", self.wheelhouse.display());
        println!(
            "sets:       {} (medium.txt, medium-b.txt)",
            self.sets_dir.display()
        );
        println!(
            "runs:       {} per tool; cold build and switch {}; no-op sync and run {} after {WARMUPS} warm-ups; medians",
            self.runs,
            self.slow_runs(),
            self.quick_runs()
        );
        let load = load_average().map_or_else(String::new, |load| format!(", load average {load}"));
        println!(
            "machine:    {} {}, {} CPUs{load}",
            std::env::consts::OS,
            std::env::consts::ARCH,
            std::thread::available_parallelism().map_or(0, std::num::NonZero::get)
        );
    }
}

/// The environment every child gets: the bench's own `PATH` (to find the
/// tools) and `LANG` (text decoding as the user has it), a private `HOME`
/// (no user configuration of pip or uv), nothing else.
struct ChildEnv {
    path_var: OsString,
    lang: Option<OsString>,
    home: PathBuf,
}

impl ChildEnv {
    /// Creates `home` and reads the two inherited variables.
    #[expect(
        clippy::disallowed_methods,
        reason = "a bench program, not penv: it reads the two variables it passes on"
    )]
    fn inherited(home: PathBuf) -> Result<Self> {
        create_dir(&home)?;
        Ok(Self {
            path_var: std::env::var_os("PATH").unwrap_or_default(),
            lang: std::env::var_os("LANG"),
            home,
        })
    }

    /// `program` in `cwd` with this environment.
    fn command(&self, program: impl AsRef<OsStr>, cwd: &Path) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(cwd)
            .env_clear()
            .env("PATH", &self.path_var)
            .env("HOME", &self.home);
        if let Some(lang) = &self.lang {
            cmd.env("LANG", lang);
        }
        cmd
    }
}

/// The base interpreter all three tools use.
struct Python {
    /// Canonical path of the base executable (never a venv's python).
    path: PathBuf,
    implementation: String,
    version: String,
    /// `X.Y`, for uv's `requires-python`.
    minor: String,
    /// `ensurepip`'s directory of bundled wheels, when it holds pip.
    bundled_pip: Option<PathBuf>,
}

/// Prints what the bench needs to know about an interpreter, as JSON.
const PROBE: &str = r"
import glob, json, os, platform, sys
try:
    import ensurepip
    bundled = os.path.join(os.path.dirname(ensurepip.__file__), '_bundled')
    if not glob.glob(os.path.join(bundled, 'pip-*.whl')):
        bundled = None
except ImportError:
    bundled = None
print(json.dumps({
    'path': os.path.realpath(getattr(sys, '_base_executable', sys.executable)),
    'implementation': sys.implementation.name,
    'version': platform.python_version(),
    'minor': '%d.%d' % sys.version_info[:2],
    'bundled_pip': bundled,
}))
";

impl Python {
    /// Asks `requested` (default: `python3` on `PATH`) for its base executable.
    fn probe(env: &ChildEnv, requested: Option<&Path>, cwd: &Path) -> Result<Self> {
        let program = requested.unwrap_or(Path::new("python3"));
        let out = capture(env.command(program, cwd).args(["-I", "-c", PROBE]))?;
        let json: serde_json::Value = serde_json::from_str(&out).map_err(|err| {
            format!(
                "`{}` answered the probe with `{out}`: {err}",
                program.display()
            )
        })?;
        let field = |key: &str| json[key].as_str().map(str::to_owned);
        let missing = || format!("`{}` answered the probe with `{out}`", program.display());
        Ok(Self {
            path: field("path").ok_or_else(missing)?.into(),
            implementation: field("implementation").ok_or_else(missing)?,
            version: field("version").ok_or_else(missing)?,
            minor: field("minor").ok_or_else(missing)?,
            bundled_pip: field("bundled_pip").map(PathBuf::from),
        })
    }
}

/// uv, found on `PATH`.
struct Uv {
    path: PathBuf,
    version: String,
}

/// A requirement file of the bench directory.
struct RequirementSet {
    path: PathBuf,
    /// Its bytes, for penv's `requirements.txt`.
    text: String,
    /// Its requirement lines, for uv's `dependencies`.
    lines: Vec<String>,
}

impl RequirementSet {
    fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|err| io_error("read", path, &err))?;
        let mut lines = Vec::new();
        for line in text.lines() {
            let line = line.split(" #").next().unwrap_or_default().trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if line.starts_with('-') {
                return Err(format!(
                    "`{}`: `{line}`: the bench takes plain requirement lines only (uv's `dependencies` cannot hold pip options)",
                    path.display()
                ));
            }
            lines.push(line.to_owned());
        }
        Ok(Self {
            path: path.to_owned(),
            text,
            lines,
        })
    }
}

// ---------------------------------------------------------------------------
// Timing.

/// Runs `cmd` to completion and returns its wall time. Its stdout is
/// discarded; a failure is an error that carries its stderr.
fn timed(cmd: &mut Command) -> Result<Duration> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let out = cmd.output();
    let took = start.elapsed();
    let out = out.map_err(|err| format!("cannot run {}: {err}", shown(cmd)))?;
    if out.status.success() {
        Ok(took)
    } else {
        Err(failed(cmd, &out))
    }
}

/// Runs `cmd` and returns its stdout, trimmed.
fn capture(cmd: &mut Command) -> Result<String> {
    cmd.stdin(Stdio::null());
    let out = cmd
        .output()
        .map_err(|err| format!("cannot run {}: {err}", shown(cmd)))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    } else {
        Err(failed(cmd, &out))
    }
}

/// The error for a command that exited unsuccessfully: the command, where it
/// ran, its exit status, then its stderr in a fenced block.
fn failed(cmd: &Command, out: &std::process::Output) -> String {
    format!(
        "{} failed ({}):\n```\n{}\n```",
        shown(cmd),
        out.status,
        String::from_utf8_lossy(&out.stderr).trim_end()
    )
}

/// `program args…` in backticks, and the directory it runs in.
fn shown(cmd: &Command) -> String {
    let mut text = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    match cmd.get_current_dir() {
        Some(dir) => format!("`{text}` (in `{}`)", dir.display()),
        None => format!("`{text}`"),
    }
}

/// The wall times of one command, run after run; the first `warmups`
/// pushed are not kept.
struct Samples {
    warmups: usize,
    times: Vec<Duration>,
}

impl Samples {
    fn skipping(warmups: usize) -> Self {
        Self {
            warmups,
            times: Vec::new(),
        }
    }

    fn push(&mut self, took: Duration) {
        if self.warmups > 0 {
            self.warmups -= 1;
        } else {
            self.times.push(took);
        }
    }

    /// The median in seconds (the mean of the middle two for an even
    /// count); `None` when nothing was measured.
    fn median(&self) -> Option<f64> {
        let mut sorted = self.times.clone();
        sorted.sort_unstable();
        let mid = sorted.len() / 2;
        match sorted.len() {
            0 => None,
            len if len % 2 == 1 => Some(sorted[mid].as_secs_f64()),
            _ => Some(f64::midpoint(
                sorted[mid - 1].as_secs_f64(),
                sorted[mid].as_secs_f64(),
            )),
        }
    }
}

/// One scenario step's samples, per column of the table.
struct Columns {
    penv: Samples,
    hand: Samples,
    uv: Samples,
}

impl Columns {
    /// Empty columns that drop their first `warmups` samples each.
    fn skipping(warmups: usize) -> Self {
        Self {
            penv: Samples::skipping(warmups),
            hand: Samples::skipping(warmups),
            uv: Samples::skipping(warmups),
        }
    }

    /// The table row of these medians.
    fn row(&self, scenario: &str, runs: usize, target: Target) -> Row {
        Row {
            scenario: scenario.to_owned(),
            runs: runs.to_string(),
            penv: self.penv.median(),
            by_hand: self.hand.median(),
            uv: self.uv.median(),
            target,
        }
    }
}

// ---------------------------------------------------------------------------
// The table.

/// One line of the table: medians in seconds (an overhead can be negative
/// when it is lost in the noise), `None` where not measured.
struct Row {
    scenario: String,
    runs: String,
    penv: Option<f64>,
    by_hand: Option<f64>,
    uv: Option<f64>,
    target: Target,
}

/// What penv's figure should be, from the issue.
enum Target {
    None,
    /// At most this many seconds.
    AtMost(f64),
    /// At most the by-hand figure divided by this.
    ByHandOver(u32),
    /// At most uv's figure divided by this.
    UvOver(u32),
}

impl Target {
    fn text(&self) -> String {
        match self {
            Self::None => String::new(),
            Self::AtMost(limit) => format!("<= {}", seconds(*limit)),
            Self::ByHandOver(k) => format!("<= 1/{k} by hand"),
            Self::UvOver(k) => format!("<= 1/{k} uv"),
        }
    }

    /// PASS or MISS, or why it could not be judged.
    fn met(&self, row: &Row) -> String {
        let limit = match self {
            Self::None => return String::new(),
            Self::AtMost(limit) => Some(*limit),
            Self::ByHandOver(k) => row.by_hand.map(|hand| hand / f64::from(*k)),
            Self::UvOver(k) => row.uv.map(|uv| uv / f64::from(*k)),
        };
        match (row.penv, limit) {
            (Some(penv), Some(limit)) if penv <= limit => "PASS".into(),
            (Some(_), Some(_)) => "MISS".into(),
            (_, None) if matches!(self, Self::UvOver(_)) => "not measured (no uv)".into(),
            _ => "not measured".into(),
        }
    }
}

fn print_table(rows: &[Row]) {
    const HEADER: [&str; 9] = [
        "scenario",
        "runs",
        "penv",
        "by hand",
        "uv",
        "penv/by hand",
        "penv/uv",
        "target",
        "met",
    ];
    // Numbers right-aligned, text left-aligned.
    const RIGHT: [bool; 9] = [false, true, true, true, true, true, true, false, false];
    let cells: Vec<[String; 9]> = rows
        .iter()
        .map(|row| {
            [
                row.scenario.clone(),
                row.runs.clone(),
                row.penv.map_or_else(dash, seconds),
                row.by_hand.map_or_else(dash, seconds),
                row.uv.map_or_else(dash, seconds),
                ratio(row.penv, row.by_hand),
                ratio(row.penv, row.uv),
                row.target.text(),
                row.target.met(row),
            ]
        })
        .collect();
    let mut widths = HEADER.map(str::len);
    for line in &cells {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let print_line = |line: &[String; 9]| {
        print!("|");
        for ((cell, width), right) in line.iter().zip(widths).zip(RIGHT) {
            if right {
                print!(" {cell:>width$} |");
            } else {
                print!(" {cell:<width$} |");
            }
        }
        println!();
    };
    print_line(&HEADER.map(str::to_owned));
    // Markdown's rule: `---:` marks a right-aligned column.
    print!("|");
    for (width, right) in widths.iter().zip(RIGHT) {
        if right {
            print!("{}:|", "-".repeat(width + 1));
        } else {
            print!("{}|", "-".repeat(width + 2));
        }
    }
    println!();
    for line in &cells {
        print_line(line);
    }
}

/// What each column did, under the table.
fn print_notes(b: &Bench) {
    let wheelhouse = b.wheelhouse.display();
    print!(
        r"by hand: `python -m venv DIR` (pip through ensurepip), then
         `DIR/bin/python -m pip install --no-index --find-links {wheelhouse} -r FILE`;
         a no-op sync and a switch by hand re-run that `pip install -r` in the same env
         (it adds, never removes); the run row's by-hand figure is `.venv/bin/python -c pass`.
"
    );
    match &b.uv {
        Some(_) => print!(
            r"uv:      empty env: `uv venv` + `uv pip install pip` (the bundled pip wheel); otherwise
         `uv sync` of a pyproject.toml holding the same requirements (it writes uv.lock),
         `uv run`; a private cache per scenario: empty for the cold build, warm elsewhere.
"
        ),
        None => println!("uv:      not on PATH, so not measured"),
    }
    print!(
        r"penv:    penv.toml with the same python and requirements; its cache (pip seed) warm.
overhead = median of `X run python -c pass` - median of that env's `.venv/bin/python -c pass`.
"
    );
    if let Some(load) = load_average() {
        println!("load average at the end: {load}");
    }
}

/// The 1, 5 and 15 minute load averages (Linux): other work on the machine
/// shows in the figures, so the header and the notes say how busy it was.
fn load_average() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    Some(
        text.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
    )
}

fn dash() -> String {
    "-".into()
}

/// A duration for people: `1.54 s`, `15.9 ms`, `0.31 ms`.
fn seconds(secs: f64) -> String {
    let ms = secs * 1000.0;
    if secs.abs() >= 1.0 {
        format!("{secs:.2} s")
    } else if ms.abs() >= 10.0 {
        format!("{ms:.0} ms")
    } else if ms.abs() >= 1.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.2} ms")
    }
}

/// `penv / other` with two significant digits, or `-` when either is
/// missing or not positive (an overhead lost in the noise can be negative,
/// and a ratio to it means nothing).
fn ratio(penv: Option<f64>, other: Option<f64>) -> String {
    match (penv, other) {
        (Some(penv), Some(other)) if penv > 0.0 && other > 0.0 => {
            let r = penv / other;
            if r.abs() >= 10.0 {
                format!("{r:.0}x")
            } else if r.abs() >= 1.0 {
                format!("{r:.1}x")
            } else if r.abs() >= 0.1 {
                format!("{r:.2}x")
            } else {
                format!("{r:.3}x")
            }
        }
        _ => dash(),
    }
}

// ---------------------------------------------------------------------------
// Arguments.

/// A scenario, as `--only` names it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scenario {
    Empty,
    Cold,
    Noop,
    Run,
    Switch,
}

impl Scenario {
    const ALL: [Self; 5] = [Self::Empty, Self::Cold, Self::Noop, Self::Run, Self::Switch];

    fn name(self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::Cold => "cold",
            Self::Noop => "noop",
            Self::Run => "run",
            Self::Switch => "switch",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Self::Empty => "empty env with pip",
            Self::Cold => "cold build of medium.txt",
            Self::Noop => "no-op sync",
            Self::Run => "`run python -c pass` overhead",
            Self::Switch => "switch medium -> medium-b -> medium",
        }
    }
}

/// The command line.
struct Args {
    wheelhouse: PathBuf,
    bench_dir: PathBuf,
    python: Option<PathBuf>,
    runs: usize,
    only: Vec<Scenario>,
}

impl Args {
    /// Parses the arguments (`--flag VALUE` or `--flag=VALUE`); `Ok(None)`
    /// for `--help`.
    fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Self>> {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut parsed = Self {
            wheelhouse: repo.join("../shared/wheelhouse"),
            bench_dir: repo.join("../shared/bench"),
            python: None,
            runs: 5,
            only: Vec::new(),
        };
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) if flag.starts_with("--") => {
                    (flag.to_owned(), Some(value.to_owned()))
                }
                _ => (arg, None),
            };
            let mut value = || {
                inline
                    .clone()
                    .or_else(|| args.next())
                    .ok_or_else(|| format!("`{flag}` needs a value"))
            };
            match flag.as_str() {
                "-h" | "--help" => return Ok(None),
                "--wheelhouse" => parsed.wheelhouse = repo.join(value()?),
                "--bench-dir" => parsed.bench_dir = repo.join(value()?),
                "--python" => {
                    // A bare name (`python3.12`) is looked up on `PATH`.
                    let python = value()?;
                    parsed.python = Some(if python.contains('/') {
                        repo.join(python)
                    } else {
                        python.into()
                    });
                }
                "--runs" => {
                    let text = value()?;
                    parsed.runs = match text.parse() {
                        Ok(runs) if runs > 0 => runs,
                        _ => {
                            return Err(format!("`--runs` takes a positive integer, not `{text}`"));
                        }
                    };
                }
                "--only" => {
                    let name = value()?;
                    let scenario = Scenario::ALL
                        .into_iter()
                        .find(|scenario| scenario.name() == name)
                        .ok_or_else(|| {
                            let names: Vec<_> = Scenario::ALL.map(Scenario::name).into();
                            format!("unknown scenario `{name}`; one of: {}", names.join(", "))
                        })?;
                    parsed.only.push(scenario);
                }
                _ => return Err(format!("unexpected argument `{flag}`")),
            }
        }
        Ok(Some(parsed))
    }
}

// ---------------------------------------------------------------------------
// Environment and file system: every error names its path.

/// The first executable file `name` in the directories of `path_var`.
fn find_on_path(name: &str, path_var: &OsStr) -> Option<PathBuf> {
    std::env::split_paths(path_var)
        .map(|dir| dir.join(name))
        .find(|candidate| {
            candidate
                .metadata()
                .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
        })
}

/// Makes the penv project's `requirements.txt` hold `set`, as a
/// `git checkout` of another branch would.
fn penv_requirements(project: &Path, set: &RequirementSet) -> Result<()> {
    write(&project.join("requirements.txt"), &set.text)
}

/// `dir` made canonical, or an error naming the option that sets it.
fn existing_dir(dir: &Path, what: &str, option: &str) -> Result<PathBuf> {
    if dir.is_dir() {
        canonical(dir)
    } else {
        Err(format!(
            "the {what} `{}` does not exist; pass `{option} DIR`",
            dir.display()
        ))
    }
}

fn canonical(path: &Path) -> Result<PathBuf> {
    path.canonicalize()
        .map_err(|err| io_error("resolve", path, &err))
}

fn create_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|err| io_error("create", dir, &err))
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|err| io_error("write", path, &err))
}

/// Removes a directory this bench made under its temp dir.
fn remove_dir(dir: &Path) -> Result<()> {
    std::fs::remove_dir_all(dir).map_err(|err| io_error("remove", dir, &err))
}

fn io_error(verb: &str, path: &Path, err: &std::io::Error) -> String {
    format!("cannot {verb} `{}`: {err}", path.display())
}

/// A TOML basic string (JSON's escapes are TOML's).
fn toml_string(text: &impl Display) -> String {
    serde_json::to_string(&text.to_string()).expect("a string serializes")
}
