//! Test support shared by the integration tests: hermetic sandboxes, the
//! machine's real Python, tiny wheels built on the spot, fake interpreters.
//!
//! Nothing here touches the network or anything outside a temp dir.

pub mod interpreters;
pub mod output;
pub mod scratch;
pub mod uv;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The penv binary under test.
pub fn penv_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_penv"))
}

/// The interpreter the tests start from: `PENV_TEST_PYTHON` when set (a
/// path or a name on `PATH`; `PENV_TEST_PYTHON=/nonexistent` shows what a
/// machine without Python does), else `python3`.
#[allow(
    clippy::disallowed_methods,
    reason = "the test harness's own environment, not penv's"
)]
fn test_python_command() -> std::ffi::OsString {
    std::env::var_os("PENV_TEST_PYTHON").unwrap_or_else(|| "python3".into())
}

/// The real base interpreter of the machine (`sys._base_executable` of
/// [`test_python_command`], resolved), or `None` ([`require_python!`] then
/// skips the test, or fails it under CI).
pub fn real_python() -> Option<&'static Path> {
    static PYTHON: OnceLock<Option<PathBuf>> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            let out = Command::new(test_python_command())
                .args(["-I", "-c", "import os,sys; print(os.path.realpath(getattr(sys, '_base_executable', sys.executable)))"])
                .output()
                .ok()?;
            out.status.success().then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
        })
        .as_deref()
}

/// Ends the calling test when its real scenario cannot run on this machine:
/// a failure when `CI` is set (CI must never be green while testing nothing),
/// a printed skip on a developer's machine.
#[macro_export]
macro_rules! skip {
    ($($reason:tt)*) => {{
        let reason = format!($($reason)*);
        if $crate::common::in_ci() {
            panic!("cannot run its real scenario: {reason} (CI is set, so this fails instead of skipping)");
        }
        eprintln!("skipped: {reason}");
        return;
    }};
}

/// Whether the tests run under CI (`CI` set to anything but empty, `0` or `false`).
#[allow(
    clippy::disallowed_methods,
    reason = "the test harness's own environment, not penv's"
)]
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
}

/// The machine's real Python, or the end of the calling test ([`skip!`]).
#[macro_export]
macro_rules! require_python {
    () => {
        match $crate::common::real_python() {
            Some(p) => p,
            None => $crate::skip!("no python3 on PATH (or no `PENV_TEST_PYTHON` interpreter)"),
        }
    };
}

/// A hermetic place for one test: a project dir, HOME, cache, and a PATH
/// holding only the real Python's directory and the basic system tools.
pub struct Sandbox {
    pub tmp: tempfile::TempDir,
    pub project: PathBuf,
    pub home: PathBuf,
    /// Shared by the tests of one binary; set `PENV_CACHE_DIR` yourself for a private one.
    pub cache: PathBuf,
    pub wheels: PathBuf,
}

impl Sandbox {
    pub fn new() -> Self {
        let tmp = scratch::tempdir();
        let root = tmp.path().canonicalize().unwrap();
        let project = root.join("project");
        let home = root.join("home");
        // One cache per test binary: the pip seed is prepared once, not per
        // test (it is built atomically, so parallel tests share it safely).
        let cache = scratch::shared_cache();
        let wheels = root.join("wheels");
        for d in [&project, &home, &cache, &wheels] {
            std::fs::create_dir_all(d).unwrap();
        }
        Self {
            tmp,
            project,
            home,
            cache,
            wheels,
        }
    }

    /// Writes a file under the project (creating parents).
    pub fn write(&self, rel: &str, content: &str) -> PathBuf {
        let path = self.project.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
        path
    }

    /// The PATH the sandboxed penv sees.
    pub fn path_var() -> String {
        let mut dirs: Vec<String> = Vec::new();
        if let Some(py) = real_python() {
            dirs.push(py.parent().unwrap().display().to_string());
        }
        dirs.extend(["/usr/local/bin", "/usr/bin", "/bin"].map(str::to_owned));
        dirs.join(":")
    }

    /// A `penv` command running in the project dir with a clean environment.
    pub fn penv(&self) -> Command {
        let mut cmd = Command::new(penv_bin());
        cmd.current_dir(&self.project)
            .env_clear()
            .env("PATH", Self::path_var())
            .env("HOME", &self.home)
            .env("PENV_CACHE_DIR", &self.cache)
            // The cache is shared by every test: no project's env is kept
            // in its store, so no test gets another's env by cloning
            // (`e2e::derive` gives its own cache a store).
            .env("PENV_STORE_MAX", "0")
            .env("PENV_NO_PROGRESS", "1")
            .env("LANG", "C.UTF-8");
        cmd
    }

    /// Runs penv with `args`, returning its output.
    pub fn run(&self, args: &[&str]) -> Output {
        self.penv().args(args).output().expect("penv runs")
    }

    /// Runs penv and asserts success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "penv {args:?} failed ({}):\nstdout:\n{}\nstderr:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The project's env.
    pub fn env(&self) -> PathBuf {
        self.project.join(".venv")
    }

    /// A penv.toml using the real Python and the sandbox's wheels, offline.
    pub fn offline_toml(&self, python: &Path, extra: &str) -> String {
        format!(
            "python = \"{}\"\n{extra}\n[pip]\nfind-links = [\"{}\"]\nno-index = true\n",
            python.display(),
            self.wheels.display()
        )
    }

    /// Writes [`offline_toml`](Self::offline_toml) as the project's `penv.toml`.
    pub fn write_offline_toml(&self, python: &Path, extra: &str) -> PathBuf {
        self.write("penv.toml", &self.offline_toml(python, extra))
    }

    /// Runs the env's python with `code`, returning (success, stdout).
    pub fn env_python(&self, code: &str) -> (bool, String) {
        let out = Command::new(self.env().join("bin/python"))
            .args(["-c", code])
            .env_clear()
            .output()
            .expect("env python runs");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        )
    }
}

/// Builds a pure-Python wheel `name-version-py3-none-any.whl` into `dir`,
/// holding module `name` whose `VERSION` is `version`, depending on `requires`.
/// Uses the real Python's zipfile (the tests have Python anyway).
pub fn build_wheel(dir: &Path, name: &str, version: &str, requires: &[&str]) -> PathBuf {
    build_wheel_with(
        dir,
        name,
        version,
        requires,
        &format!("VERSION = {version:?}\n"),
    )
}

/// Like [`build_wheel`] with the module's source given.
pub fn build_wheel_with(
    dir: &Path,
    name: &str,
    version: &str,
    requires: &[&str],
    module: &str,
) -> PathBuf {
    let python = real_python().expect("building wheels needs python3");
    let module_name = name.replace('-', "_");
    let wheel = dir.join(format!("{module_name}-{version}-py3-none-any.whl"));
    let script = r#"
import base64, hashlib, sys, zipfile
wheel, name, module, version, source = sys.argv[1:6]
requires = sys.argv[6:]
dist = "%s-%s.dist-info" % (module, version)
files = {
    "%s/__init__.py" % module: source,
    dist + "/METADATA": "Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (name, version)
        + "".join("Requires-Dist: %s\n" % r for r in requires),
    dist + "/WHEEL": "Wheel-Version: 1.0\nGenerator: penv-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}
record = []
with zipfile.ZipFile(wheel, "w") as z:
    for path, text in files.items():
        data = text.encode()
        z.writestr(path, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append("%s,sha256=%s,%d" % (path, digest, len(data)))
    record.append(dist + "/RECORD,,")
    z.writestr(dist + "/RECORD", "\n".join(record) + "\n")
"#;
    let status = Command::new(python)
        .args(["-I", "-c", script])
        .arg(&wheel)
        .args([name, &module_name, version, module])
        .args(requires)
        .status()
        .expect("python runs");
    assert!(status.success(), "building {name} {version} failed");
    wheel
}

/// Builds a pure-Python wheel `name-version-py3-none-any.whl` into `dir`
/// shipping exactly `files` (path in the wheel, text) besides its
/// `*.dist-info`, so two distributions can ship the same file. The bytes are
/// a function of the arguments alone (stored, not deflated; fixed
/// timestamps): the same code gives the same wheel, and code of the same
/// length gives a wheel of the same size.
pub fn build_wheel_files(
    dir: &Path,
    name: &str,
    version: &str,
    requires: &[&str],
    files: &[(&str, &str)],
) -> PathBuf {
    build_wheel_headed(dir, name, version, requires, files, &[])
}

/// Like [`build_wheel_files`] with more `METADATA` header lines
/// (`Requires-Python: <3.1`).
pub fn build_wheel_headed(
    dir: &Path,
    name: &str,
    version: &str,
    requires: &[&str],
    files: &[(&str, &str)],
    headers: &[&str],
) -> PathBuf {
    let python = real_python().expect("building wheels needs python3");
    let stem = name.replace('-', "_");
    let wheel = dir.join(format!("{stem}-{version}-py3-none-any.whl"));
    let script = r#"
import base64, hashlib, json, sys, zipfile
wheel, name, stem, version = sys.argv[1:5]
files, requires = json.loads(sys.argv[5]), json.loads(sys.argv[6])
headers = json.loads(sys.argv[7])
dist = "%s-%s.dist-info" % (stem, version)
files = list(files) + [
    [dist + "/METADATA", "Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (name, version)
        + "".join("%s\n" % h for h in headers)
        + "".join("Requires-Dist: %s\n" % r for r in requires)],
    [dist + "/WHEEL", "Wheel-Version: 1.0\nGenerator: penv-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"],
]
def put(z, path, data):
    info = zipfile.ZipInfo(path, (1980, 1, 1, 0, 0, 0))
    info.external_attr = 0o644 << 16
    z.writestr(info, data, zipfile.ZIP_STORED)
record = []
with zipfile.ZipFile(wheel, "w") as z:
    for path, text in files:
        data = text.encode()
        put(z, path, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append("%s,sha256=%s,%d" % (path, digest, len(data)))
    record.append(dist + "/RECORD,,")
    put(z, dist + "/RECORD", "\n".join(record) + "\n")
"#;
    let files: Vec<[&str; 2]> = files.iter().map(|(p, t)| [*p, *t]).collect();
    let status = Command::new(python)
        .args(["-I", "-c", script])
        .arg(&wheel)
        .args([name, &stem, version])
        .arg(serde_json::to_string(&files).unwrap())
        .arg(serde_json::to_string(requires).unwrap())
        .arg(serde_json::to_string(headers).unwrap())
        .status()
        .expect("python runs");
    assert!(status.success(), "building {name} {version} failed");
    wheel
}
