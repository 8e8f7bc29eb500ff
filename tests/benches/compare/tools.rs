//! The bench's fixtures and tools: the shared setup, the children's environment, the interpreter, uv, the requirement sets.

use crate::args::Args;
use crate::measure::{capture, timed};
use crate::support::{
    canonical, create_dir, existing_dir, find_on_path, io_error, penv_requirements, remove_dir,
    toml_string, write,
};
use crate::table::load_average;
use crate::{Result, WARMUPS};
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// What every scenario shares.
pub(crate) struct Bench {
    /// The temp dir everything is built in (canonical: venvs record it).
    pub(crate) root: PathBuf,
    pub(crate) penv: PathBuf,
    pub(crate) penv_version: String,
    pub(crate) python: Python,
    pub(crate) uv: Option<Uv>,
    /// `killpy`, for the scan scenario.
    pub(crate) killpy: Option<PathBuf>,
    pub(crate) wheelhouse: PathBuf,
    /// Where the requirement sets come from.
    pub(crate) sets_dir: PathBuf,
    pub(crate) medium: RequirementSet,
    pub(crate) medium_b: RequirementSet,
    pub(crate) runs: usize,
    pub(crate) env: ChildEnv,
    /// penv installs with uv (`PENV_INSTALLER=uv`) in this pass.
    pub(crate) penv_uv: std::cell::Cell<bool>,
    /// The `real` scenario's sets.
    pub(crate) realworld: Option<PathBuf>,
    /// `--link-mode`: both tools' link mode, when given.
    pub(crate) link_mode: Option<String>,
}

impl Bench {
    /// Checks the inputs, finds the tools, and warms penv's cache.
    pub(crate) fn new(args: &Args, tmp: &Path) -> Result<Self> {
        let bench_dir = existing_dir(&args.bench_dir, "requirement sets directory", "--bench-dir")?;
        let root = canonical(tmp)?;
        let env = ChildEnv::inherited(root.join("home"))?;
        let python = Python::probe(&env, args.python.as_deref(), &root)?;
        let wheelhouse = match &args.wheelhouse {
            Some(dir) => existing_dir(dir, "wheelhouse", "--wheelhouse")?,
            None => crate::wheelhouse::default(&env, &python.path, &bench_dir, &root)?,
        };
        let penv = args
            .penv
            .clone()
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_penv")));
        let penv_version = capture(env.command(&penv, &root).arg("--version"))?;
        let uv = match find_on_path("uv", &env.path_var) {
            Some(path) => {
                let version = capture(env.command(&path, &root).arg("--version"))?;
                Some(Uv { path, version })
            }
            None => None,
        };
        let killpy = args
            .killpy
            .clone()
            .or_else(|| find_on_path("killpy", &env.path_var));
        let bench = Self {
            killpy,
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
            penv_uv: std::cell::Cell::new(false),
            realworld: args
                .realworld
                .clone()
                .or_else(|| Some(crate::args::repo().join("../shared/realworld"))),
            link_mode: args.link_mode.clone(),
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
    pub(crate) fn slow_runs(&self) -> usize {
        self.runs.div_ceil(2)
    }

    /// Runs for the scenarios that take milliseconds per run.
    pub(crate) fn quick_runs(&self) -> usize {
        self.runs * 6
    }

    /// `program` in `cwd` with the controlled environment.
    pub(crate) fn command(&self, program: impl AsRef<OsStr>, cwd: &Path) -> Command {
        self.env.command(program, cwd)
    }

    /// penv in `project`, with the bench's (warm) cache and plain output.
    pub(crate) fn penv(&self, project: &Path) -> Command {
        let mut cmd = self.command(&self.penv, project);
        cmd.env("PENV_CACHE_DIR", self.root.join("penv-cache"))
            .env("PENV_NO_PROGRESS", "1");
        if let Some(mode) = &self.link_mode {
            cmd.env("PENV_LINK_MODE", mode);
        }
        if self.penv_uv.get() {
            cmd.env("PENV_INSTALLER", "uv")
                .env("UV_CACHE_DIR", self.root.join("penv-uv-cache"))
                .env("UV_OFFLINE", "1");
        }
        cmd
    }

    /// uv in `cwd` with the given cache, offline, on the bench's python.
    pub(crate) fn uv(&self, uv: &Uv, cwd: &Path, cache: &Path) -> Command {
        let mut cmd = self.command(&uv.path, cwd);
        cmd.env("UV_CACHE_DIR", cache)
            .env("UV_OFFLINE", "1")
            .env("UV_PYTHON_DOWNLOADS", "never")
            .env("UV_PYTHON", &self.python.path);
        if let Some(mode) = &self.link_mode {
            cmd.env("UV_LINK_MODE", mode);
        }
        cmd
    }

    /// Writes a penv project in `dir`: the bench's python, the wheelhouse
    /// with no index, and `requirements.txt` holding `set` when given.
    pub(crate) fn penv_project(&self, dir: &Path, set: Option<&RequirementSet>) -> Result<()> {
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
    pub(crate) fn penv_sync(&self, project: &Path) -> Result<Duration> {
        timed(self.penv(project).arg("sync"))
    }

    /// Writes (or rewrites) a uv project in `dir` whose dependencies are
    /// `set`, for the bench's Python `X.Y` only, from the wheelhouse.
    pub(crate) fn uv_project(&self, dir: &Path, set: &RequirementSet) -> Result<()> {
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
    pub(crate) fn uv_sync(&self, uv: &Uv, project: &Path, cache: &Path) -> Result<Duration> {
        timed(self.uv(uv, project, cache).arg("sync"))
    }

    /// By hand: `python -m venv DIR` (with pip, through ensurepip).
    pub(crate) fn hand_venv(&self, venv: &Path) -> Result<Duration> {
        timed(
            self.command(&self.python.path, &self.root)
                .args(["-m", "venv"])
                .arg(venv),
        )
    }

    /// By hand: `DIR/bin/python -m pip install --no-index --find-links WH -r FILE`.
    pub(crate) fn hand_install(&self, venv: &Path, set: &RequirementSet) -> Result<Duration> {
        timed(
            self.command(venv.join("bin/python"), &self.root)
                .args(["-m", "pip", "install", "--no-index", "--find-links"])
                .arg(&self.wheelhouse)
                .arg("-r")
                .arg(&set.path),
        )
    }

    /// `pip install --no-deps --require-hashes -r pinned` in `venv`, from
    /// the wheelhouse: a lock's files (`name==version --hash`, found there,
    /// as penv gives them), nothing resolved.
    pub(crate) fn hand_install_pinned(&self, venv: &Path, pinned: &Path) -> Result<Duration> {
        timed(
            self.command(venv.join("bin/python"), &self.root)
                .args(["-m", "pip", "install", "--no-index", "--find-links"])
                .arg(&self.wheelhouse)
                .args(["--no-deps", "--require-hashes", "-r"])
                .arg(pinned),
        )
    }

    /// The machine facts above the table.
    pub(crate) fn print_header(&self) {
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
        match &self.killpy {
            Some(path) => println!("killpy:     {}", path.display()),
            None => println!(
                "killpy:     not on PATH (`--killpy`): the scan's by-hand column not measured"
            ),
        }
        println!("wheelhouse: {}", self.wheelhouse.display());
        println!(
            "link mode:  {}",
            self.link_mode.as_deref().map_or_else(
                || "each tool's own (penv: copy or reflink; uv: hard links from its cache)"
                    .to_owned(),
                |mode| format!("{mode} for penv and uv (`--link-mode`)")
            )
        );
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
pub(crate) struct ChildEnv {
    pub(crate) path_var: OsString,
    pub(crate) lang: Option<OsString>,
    pub(crate) home: PathBuf,
    /// The machine's TLS settings (`SSL_CERT_FILE`, `SSL_CERT_DIR`), for
    /// the one scenario that reaches the index (`real`): uv trusts only its
    /// own roots without them, and a proxy's certificate is not among them.
    pub(crate) tls: Vec<(&'static str, OsString)>,
}

impl ChildEnv {
    /// Creates `home` and reads the inherited variables.
    #[expect(
        clippy::disallowed_methods,
        reason = "a bench program, not penv: it reads the two variables it passes on"
    )]
    pub(crate) fn inherited(home: PathBuf) -> Result<Self> {
        create_dir(&home)?;
        Ok(Self {
            path_var: std::env::var_os("PATH").unwrap_or_default(),
            lang: std::env::var_os("LANG"),
            home,
            tls: ["SSL_CERT_FILE", "SSL_CERT_DIR"]
                .into_iter()
                .filter_map(|name| Some((name, std::env::var_os(name)?)))
                .collect(),
        })
    }

    /// `program` in `cwd` with this environment.
    pub(crate) fn command(&self, program: impl AsRef<OsStr>, cwd: &Path) -> Command {
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
pub(crate) struct Python {
    /// Canonical path of the base executable (never a venv's python).
    pub(crate) path: PathBuf,
    pub(crate) implementation: String,
    pub(crate) version: String,
    /// `X.Y`, for uv's `requires-python`.
    pub(crate) minor: String,
    /// `ensurepip`'s directory of bundled wheels, when it holds pip.
    pub(crate) bundled_pip: Option<PathBuf>,
}

/// Prints what the bench needs to know about an interpreter, as JSON.
pub(crate) const PROBE: &str = r"
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
    pub(crate) fn probe(env: &ChildEnv, requested: Option<&Path>, cwd: &Path) -> Result<Self> {
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
pub(crate) struct Uv {
    pub(crate) path: PathBuf,
    pub(crate) version: String,
}

/// A requirement file of the bench directory.
pub(crate) struct RequirementSet {
    pub(crate) path: PathBuf,
    /// Its bytes, for penv's `requirements.txt`.
    pub(crate) text: String,
    /// Its requirement lines, for uv's `dependencies`.
    pub(crate) lines: Vec<String>,
}

impl RequirementSet {
    pub(crate) fn read(path: &Path) -> Result<Self> {
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
