//! The pip seed and pip's output (issue 10, item 3).

use super::*;

// ---- pip seed, pip's output, index credentials (issue 10, items 3 and 8) ----

/// Runs a small Python script with the real Python, returning its stdout.
fn python_script(python: &Path, script: &str, args: &[&str]) -> String {
    let out = Command::new(python)
        .args(["-I", "-c", script])
        .args(args)
        .output()
        .expect("python runs");
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out).trim().to_owned()
}

/// The pip wheel `python` bundles (as penv finds it: ensurepip's, else Debian's).
pub(super) fn bundled_pip(python: &Path) -> Option<PathBuf> {
    let found = python_script(
        python,
        "import ensurepip, glob, os\n\
         for d in (os.path.join(os.path.dirname(ensurepip.__file__), '_bundled'), '/usr/share/python-wheels'):\n\
         \x20   w = sorted(glob.glob(os.path.join(d, 'pip-*.whl')), key=lambda p: [int(x) for x in os.path.basename(p).split('-')[1].split('.')])\n\
         \x20   if w:\n\
         \x20       print(w[-1]); break",
        &[],
    );
    (!found.is_empty()).then(|| PathBuf::from(found))
}

/// The version in a `pip-X-….whl` file name.
pub(super) fn pip_wheel_version(wheel: &Path) -> String {
    let name = wheel.file_name().unwrap().to_string_lossy().into_owned();
    name.split('-').nth(1).unwrap().to_owned()
}

pub(super) fn version_below(version: &str, bound: &[u64]) -> bool {
    let parts: Vec<u64> = version.split('.').map(|p| p.parse().unwrap_or(0)).collect();
    parts.as_slice() < bound
}

/// `wheel` repackaged as pip `version` into `dir` (dist-info renamed,
/// `Version:` and `pip.__version__` changed, RECORD rewritten): the same
/// code claiming a newer version, as a find-links or index would offer it.
pub(super) fn repackaged_pip(python: &Path, wheel: &Path, dir: &Path, version: &str) -> PathBuf {
    let script = r#"
import base64, hashlib, re, sys, zipfile
src, dest, version = sys.argv[1:4]
zin = zipfile.ZipFile(src)
old = next(n for n in zin.namelist() if n.endswith(".dist-info/METADATA")).split("/")[0]
new = "pip-%s.dist-info" % version
out = "%s/pip-%s-py3-none-any.whl" % (dest, version)
record = []
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for info in zin.infolist():
        name = info.filename
        if name.startswith(old + "/"):
            name = new + name[len(old):]
        if name == new + "/RECORD":
            continue
        data = zin.read(info.filename)
        if name == new + "/METADATA":
            data = re.sub(rb"(?m)^Version: .*$", ("Version: " + version).encode(), data)
        if name == "pip/__init__.py":
            data = re.sub(rb'__version__ = "[^"]*"', ('__version__ = "%s"' % version).encode(), data)
        z.writestr(name, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append("%s,sha256=%s,%d" % (name, digest, len(data)))
    record.append(new + "/RECORD,,")
    z.writestr(new + "/RECORD", "\n".join(record) + "\n")
print(out)
"#;
    PathBuf::from(python_script(
        python,
        script,
        &[
            &wheel.display().to_string(),
            &dir.display().to_string(),
            version,
        ],
    ))
}

/// A real pip wheel of 23.3 or later on this machine (another
/// interpreter's bundled one), the oldest such, so that it runs on `python`.
#[expect(
    clippy::disallowed_methods,
    reason = "where this machine keeps its Pythons, not an environment variable penv reads"
)]
fn real_pep_685_pip(python: &Path) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = vec![PathBuf::from("/usr/share/python-wheels")];
    let pyenv = std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pyenv")));
    let mut prefixes: Vec<PathBuf> = ["/usr/lib", "/usr/local/lib"].map(PathBuf::from).to_vec();
    if let Some(root) = pyenv {
        for v in std::fs::read_dir(root.join("versions"))
            .into_iter()
            .flatten()
            .flatten()
        {
            prefixes.push(v.path().join("lib"));
        }
    }
    for prefix in prefixes {
        for lib in std::fs::read_dir(prefix).into_iter().flatten().flatten() {
            if lib.file_name().to_string_lossy().starts_with("python3") {
                dirs.push(lib.path().join("ensurepip/_bundled"));
            }
        }
    }
    let mut found: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|d| std::fs::read_dir(d).into_iter().flatten().flatten())
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with("pip-")
                && name.ends_with("-py3-none-any.whl")
                && !version_below(&pip_wheel_version(p), &[23, 3])
        })
        .collect();
    found.sort_by_key(|p| {
        pip_wheel_version(p)
            .split('.')
            .map(|x| x.parse::<u64>().unwrap_or(0))
            .collect::<Vec<_>>()
    });
    // It must run on `python` (its Requires-Python).
    found.into_iter().find(|w| {
        Command::new(python)
            .arg("-I")
            .arg(w.join("pip"))
            .arg("--version")
            .env_clear()
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// penv in `sb` with a cache of its own (pip wheels seen by one test do
/// not leak into another's choice).
fn private_penv(sb: &Sandbox) -> Command {
    let mut cmd = sb.penv();
    cmd.env("PENV_CACHE_DIR", sb.tmp.path().join("private-cache"));
    cmd
}

pub(super) fn private_run(sb: &Sandbox, args: &[&str]) -> Output {
    private_penv(sb).args(args).output().expect("penv runs")
}

/// The env's pip version, from `pip --version`.
pub(super) fn env_pip_version(sb: &Sandbox) -> String {
    let out = Command::new(sb.env().join("bin/pip"))
        .arg("--version")
        .env_clear()
        .output()
        .expect("the env's pip runs");
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out).split_whitespace().nth(1).unwrap().to_owned()
}

fn recorded(sb: &Sandbox) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(state_file(sb)).unwrap()).unwrap()
}

#[test]
fn a_newer_pip_in_find_links_is_seeded_recorded_and_shown() {
    let python = require_python!();
    let Some(bundled) = bundled_pip(python) else {
        skip!("the interpreter bundles no pip");
    };
    let sb = sandbox_with_wheels();
    repackaged_pip(python, &bundled, &sb.wheels, "99.0.0");
    write_requirements(&sb, python, &["tinypkg==1.0"]);
    let out = private_run(&sb, &["sync"]);
    assert_code(&out, 0);
    assert!(
        !stderr(&out).contains("bundled pip"),
        "no fallback warning: {}",
        stderr(&out)
    );
    assert_eq!(env_pip_version(&sb), "99.0.0");
    assert_eq!(recorded(&sb)["pip-version"], "99.0.0");
    assert_eq!(recorded(&sb)["spec"]["venv"]["pip-version"], ">=23.3");
    let status = serde_json::from_slice::<serde_json::Value>(
        &private_run(&sb, &["status", "--json"]).stdout,
    )
    .unwrap();
    assert_eq!(status["pip-version"], "99.0.0");
    let text = stdout(&private_run(&sb, &["status"]));
    assert!(
        text.contains("pip:         99.0.0 (asked for >=23.3)"),
        "{text}"
    );
    // The env's pip works and installs.
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
}

#[test]
fn without_a_newer_pip_the_bundled_one_is_seeded_with_a_warning_saying_what_it_gets_wrong() {
    let python = require_python!();
    let Some(bundled) = bundled_pip(python) else {
        skip!("the interpreter bundles no pip");
    };
    let version = pip_wheel_version(&bundled);
    let sb = sandbox_with_wheels();
    write_requirements(&sb, python, &["tinypkg==1.0"]);
    let out = private_run(&sb, &["sync"]);
    assert_code(&out, 0);
    assert_eq!(env_pip_version(&sb), version);
    assert_eq!(recorded(&sb)["pip-version"], version.as_str());
    let err = stderr(&out);
    if version_below(&version, &[23, 3]) {
        assert!(
            err.contains(&format!(
                "warning: seeding the interpreter's bundled pip {version}"
            )) && err.contains("PEP 685")
                && err.contains(&sb.wheels.display().to_string()),
            "{err}"
        );
    } else {
        // A bundled pip that satisfies the default request is simply used.
        assert!(!err.contains("warning: seeding"), "{err}");
    }
}

#[test]
fn extras_spelled_otherwise_need_a_pep_685_pip_and_the_old_pips_warning_is_shown() {
    let python = require_python!();
    let Some(bundled) =
        bundled_pip(python).filter(|w| version_below(&pip_wheel_version(w), &[23, 3]))
    else {
        skip!("the interpreter's bundled pip is not older than 23.3");
    };
    let Some(new_pip) = real_pep_685_pip(python) else {
        skip!("no pip 23.3 or later on this machine to seed");
    };
    let sb = Sandbox::new();
    build_wheel(&sb.wheels, "extdep", "1.0", &[]);
    // Declares the extra normalized (`with-pyroma`), as PEP 685 builds write it.
    let script = r#"
import base64, hashlib, sys, zipfile
dest = sys.argv[1]
dist = "extpkg-1.0.dist-info"
files = {
    "extpkg/__init__.py": "VERSION = '1.0'\n",
    dist + "/METADATA": "Metadata-Version: 2.1\nName: extpkg\nVersion: 1.0\nProvides-Extra: with-pyroma\nRequires-Dist: extdep; extra == \"with-pyroma\"\n",
    dist + "/WHEEL": "Wheel-Version: 1.0\nGenerator: penv-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}
record = []
with zipfile.ZipFile(dest + "/extpkg-1.0-py3-none-any.whl", "w") as z:
    for path, text in files.items():
        data = text.encode()
        z.writestr(path, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append("%s,sha256=%s,%d" % (path, digest, len(data)))
    record.append(dist + "/RECORD,,")
    z.writestr(dist + "/RECORD", "\n".join(record) + "\n")
"#;
    python_script(python, script, &[&sb.wheels.display().to_string()]);
    // In a requirement file, which penv passes to pip as written.
    sb.write("requirements.txt", "extpkg[with_pyroma]\n");
    sb.write_offline_toml(python, "requirement-files = [\"requirements.txt\"]");
    let out = private_run(&sb, &["sync"]);
    assert_code(&out, 0);
    assert_eq!(env_pip_version(&sb), pip_wheel_version(&bundled));
    assert!(
        stderr(&out).contains("warning: pip: extpkg 1.0 does not provide the extra 'with_pyroma'"),
        "pip's warning is shown: {}",
        stderr(&out)
    );
    assert_eq!(imported(&sb, "extdep"), None, "the old pip drops the extra");

    // A pip that normalizes extras, offered by find-links: seeded, and the
    // extra's dependency installed.
    std::fs::copy(&new_pip, sb.wheels.join(new_pip.file_name().unwrap())).unwrap();
    let out = private_run(&sb, &["sync"]);
    assert_code(&out, 0);
    assert_eq!(env_pip_version(&sb), pip_wheel_version(&new_pip));
    assert_eq!(imported(&sb, "extdep").as_deref(), Some("1.0"));
    assert!(
        !stderr(&out).contains("does not provide the extra"),
        "{}",
        stderr(&out)
    );
}

#[test]
#[ignore = "long: `just test-all` (and CI) runs it"]
fn a_pip_version_pin_is_seeded_exactly_or_is_an_error_naming_the_key() {
    let python = require_python!();
    let Some(bundled) = bundled_pip(python) else {
        skip!("the interpreter bundles no pip");
    };
    let sb = sandbox_with_wheels();
    repackaged_pip(python, &bundled, &sb.wheels, "99.0.0");
    repackaged_pip(python, &bundled, &sb.wheels, "98.0");
    let with_pin = |pin: &str| {
        sb.offline_toml(
            python,
            &format!("requirements = [\"tinypkg\"]\n[venv]\npip-version = \"{pin}\""),
        )
    };
    // Not the newest: the pinned one.
    sb.write("penv.toml", &with_pin("98.0"));
    let out = private_run(&sb, &["sync"]);
    assert_code(&out, 0);
    assert_eq!(env_pip_version(&sb), "98.0");
    // The pin is part of the spec.
    let before = stdout(&private_run(&sb, &["hash"]));
    sb.write("penv.toml", &with_pin(">=99"));
    assert_ne!(stdout(&private_run(&sb, &["hash"])), before);
    let out = private_run(&sb, &["sync"]);
    assert_exit_and_stderr(&out, 0, "pip-version ==98.0 → >=99");
    assert_eq!(env_pip_version(&sb), "99.0.0");
    // The bundled version itself, pinned: no fallback warning, as asked.
    let version = pip_wheel_version(&bundled);
    sb.write("penv.toml", &with_pin(&version));
    let out = private_run(&sb, &["sync"]);
    assert_code(&out, 0);
    assert!(
        !stderr(&out).contains("warning: seeding the interpreter's"),
        "{}",
        stderr(&out)
    );
    assert_eq!(env_pip_version(&sb), version);
    // A pin nobody offers: an error at the key; the env is left as it was.
    sb.write("penv.toml", &with_pin("99.1"));
    let out = private_run(&sb, &["sync"]);
    assert_exit_and_stderr(
        &out,
        2,
        "error: found no pip `==99.1` (`[venv] pip-version`)",
    );
    let err = stderr(&out);
    assert!(
        err.contains("penv.toml:") && err.contains("pip-version = \"99.1\""),
        "{err}"
    );
    assert!(err.contains("hint:"), "{err}");
    assert_eq!(env_pip_version(&sb), version);
}

#[test]
fn pips_whole_output_is_shown_with_v_and_only_its_warnings_without() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    // A dependency on a package nobody offers, behind an extra that does
    // not exist: pip warns and exits 0.
    write_requirements(&sb, python, &["tinypkg[nosuchextra]==1.0"]);
    let out = sb.run(&["sync"]);
    assert_code(&out, 0);
    let err = stderr(&out);
    assert!(
        err.contains("warning: pip: tinypkg 1.0 does not provide the extra 'nosuchextra'"),
        "{err}"
    );
    assert!(!err.contains("Looking in links"), "{err}");
    write_requirements(&sb, python, &["tinypkg[nosuchextra]==2.0"]);
    let out = sb.run(&["-v", "sync"]);
    assert_code(&out, 0);
    let err = stderr(&out);
    assert!(err.contains("  Looking in links: "), "{err}");
    assert!(
        err.contains("  Successfully installed tinypkg-2.0"),
        "{err}"
    );
    assert_eq!(
        err.matches("does not provide the extra 'nosuchextra'")
            .count(),
        1,
        "shown once: {err}"
    );
}
