//! The probe: the Python script penv runs (in isolated mode, on any
//! Python 3) to learn what an interpreter is, printing one JSON object
//! that `interpreter` reads and caches.
//!
//! Invariant: the wheel tags it reports are `packaging.tags.sys_tags()`'s,
//! pip's own code, found in a fixed order ([`TAGS_SEARCH`]), or `null` —
//! never tags computed another way.

/// The wheel-tag search of the probe (Python, run on any Python 3): the
/// tags `packaging.tags.sys_tags()` gives, best first, from the first place
/// that has a working `packaging`:
///
/// 1. the newest pip wheel (by version) in each of `wheel_dirs`, in order,
///    imported from the wheel itself (a zip; nothing is installed);
/// 2. each of `modules` as the interpreter imports it (its own pip's
///    vendored `packaging`, then a standalone `packaging`).
///
/// `find_tags` returns `(tags, where)`, or `(None, None)` when no place
/// works. Modules it imports are dropped from `sys.modules` again, so one
/// broken wheel does not shadow the next.
const TAGS_SEARCH: &str = r#"
import importlib, os, sys
def _pip_wheels(directory):
    found = []
    if not directory:
        return []
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    for name in names:
        parts = name.split("-")
        if parts[0] == "pip" and len(parts) >= 3 and name.endswith(".whl"):
            key = tuple(int(p) if p.isdigit() else -1 for p in parts[1].split("."))
            found.append((key, os.path.join(directory, name)))
    found.sort(reverse=True)
    return [path for _, path in found]
def _tags_from(path, module):
    saved = list(sys.path)
    top = module.split(".")[0]
    try:
        if path:
            sys.path.insert(0, path)
        tags = [str(t) for t in importlib.import_module(module).sys_tags()]
        return tags or None
    except Exception:
        return None
    finally:
        sys.path[:] = saved
        for name in list(sys.modules):
            if name == top or name.startswith(top + "."):
                del sys.modules[name]
def find_tags(wheel_dirs, modules):
    for directory in wheel_dirs:
        for wheel in _pip_wheels(directory):
            tags = _tags_from(wheel, "pip._vendor.packaging.tags")
            if tags:
                return tags, wheel
    for module in modules:
        tags = _tags_from(None, module)
        if tags:
            return tags, module
    return None, None
"#;

/// The script run (in isolated mode) to learn what an interpreter is, after
/// [`TAGS_SEARCH`]. It runs on any Python 3 and prints one JSON object.
///
/// It also reports the PEP 508 marker environment and the wheel tags the
/// interpreter supports, best first, as pip computes them: with
/// `packaging.tags.sys_tags()`, the code pip itself runs to accept a wheel,
/// so no second implementation of manylinux/musllinux detection can drift
/// from it. The pip wheel `ensurepip` bundles comes first; Debian and
/// Ubuntu (and Fedora) split it out of the standard library and keep it in
/// `WHEEL_PKG_DIR` (`/usr/share/python-wheels`), which comes next, then the
/// `packaging` of a pip installed in the interpreter (`python3-pip`), then
/// a standalone `packaging`. With none of them `tags` is `null`, and the
/// lock selection falls back to pure-Python tags only, saying so where a
/// platform wheel is passed over (see `InterpreterInfo::wheel_tags`).
const PROBE_MAIN: &str = r#"
import json, platform, sysconfig
v = sys.version_info
version = "%d.%d.%d" % (v[0], v[1], v[2])
if v[3] != "final":
    version += {"alpha": "a", "beta": "b", "candidate": "rc"}.get(v[3], "") + str(v[4])
impl = getattr(sys, "implementation", None)
base = getattr(sys, "_base_executable", None) or sys.executable
def impl_version():
    if not impl:
        return platform.python_version()
    i = impl.version
    s = "%d.%d.%d" % (i.major, i.minor, i.micro)
    if i.releaselevel != "final":
        s += i.releaselevel[0] + str(i.serial)
    return s
markers = {
    "implementation_name": impl.name if impl else "cpython",
    "implementation_version": impl_version(),
    "os_name": os.name,
    "platform_machine": platform.machine(),
    "platform_python_implementation": platform.python_implementation(),
    "platform_release": platform.release(),
    "platform_system": platform.system(),
    "platform_version": platform.version(),
    "python_full_version": platform.python_version(),
    "python_version": ".".join(platform.python_version_tuple()[:2]),
    "sys_platform": sys.platform,
}
stdlib = sysconfig.get_path("stdlib")
tags, _ = find_tags(
    [
        os.path.join(stdlib, "ensurepip", "_bundled"),
        sysconfig.get_config_var("WHEEL_PKG_DIR"),
        "/usr/share/python-wheels",
    ],
    ["pip._vendor.packaging.tags", "packaging.tags"],
)
print(json.dumps({
    "implementation": impl.name if impl else "cpython",
    "version": version,
    "base_executable": os.path.realpath(base),
    "prefix": sys.prefix,
    "base_prefix": getattr(sys, "base_prefix", sys.prefix),
    "stdlib": stdlib,
    "has_venv": __import__("importlib.util").util.find_spec("venv") is not None,
    "markers": markers,
    "tags": tags,
}))
"#;

/// The whole probe script.
pub(super) fn script() -> String {
    format!("{TAGS_SEARCH}{PROBE_MAIN}")
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};
    use std::process::Command;

    use super::*;

    /// Runs [`TAGS_SEARCH`]'s `find_tags` with the real `python3` over
    /// `dirs`, with `modules_dir` first on `sys.path` and the modules
    /// `nosuchmodule.tags`, `fakepackaging.tags`; `None` without a python3.
    fn find_tags(
        modules_dir: &Path,
        dirs: &[&Path],
    ) -> Option<(Option<Vec<String>>, Option<String>)> {
        let script = format!(
            "{TAGS_SEARCH}\nimport json\nsys.path.insert(0, sys.argv[1])\n\
             print(json.dumps(find_tags(sys.argv[2:], ['nosuchmodule.tags', 'fakepackaging.tags'])))"
        );
        let out = Command::new("python3")
            .arg("-I")
            .arg("-c")
            .arg(script)
            .arg(modules_dir)
            .args(dirs)
            .output()
            .ok()?;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Some(serde_json::from_slice(&out.stdout).unwrap())
    }

    /// A fake pip wheel in `dir`: a directory named as the wheel (which
    /// `sys.path` takes as a zip would be taken), whose vendored
    /// `packaging.tags` answers `[tag]`, or has no `tags` when `tag` is `None`.
    fn fake_pip_wheel(dir: &Path, version: &str, tag: Option<&str>) -> PathBuf {
        let root = dir.join(format!("pip-{version}-py3-none-any.whl"));
        let packaging = root.join("pip/_vendor/packaging");
        std::fs::create_dir_all(&packaging).unwrap();
        for init in ["pip", "pip/_vendor", "pip/_vendor/packaging"] {
            std::fs::write(root.join(init).join("__init__.py"), "").unwrap();
        }
        if let Some(tag) = tag {
            std::fs::write(
                packaging.join("tags.py"),
                format!("def sys_tags():\n    return [{tag:?}]\n"),
            )
            .unwrap();
        }
        root
    }

    #[test]
    #[allow(clippy::disallowed_methods, reason = "the test harness's own CI flag")]
    fn the_tag_search_takes_the_first_place_with_a_working_packaging() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = |name: &str| {
            let d = tmp.path().join(name);
            std::fs::create_dir_all(&d).unwrap();
            d
        };
        let (bundled, debian, broken, empty) =
            (dir("bundled"), dir("debian"), dir("broken"), dir("empty"));
        let (modules, no_modules) = (dir("modules"), dir("no-modules"));
        std::fs::create_dir_all(modules.join("fakepackaging")).unwrap();
        std::fs::write(modules.join("fakepackaging/__init__.py"), "").unwrap();
        std::fs::write(
            modules.join("fakepackaging/tags.py"),
            "def sys_tags():\n    return ['from-packaging']\n",
        )
        .unwrap();
        fake_pip_wheel(&bundled, "9.0.1", Some("bundled-9"));
        let newest = fake_pip_wheel(&bundled, "10.0", Some("bundled-10"));
        let debian_wheel = fake_pip_wheel(&debian, "23.0.1", Some("debian"));
        fake_pip_wheel(&broken, "99.0", None);
        std::fs::write(empty.join("setuptools-1.0-py3-none-any.whl"), "").unwrap();
        let Some(first) = find_tags(&modules, &[&bundled, &debian]) else {
            let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
            assert!(!ci, "python3 is needed to run the probe's tag search");
            eprintln!("skipped: no python3");
            return;
        };
        let found = |tag: &str, place: &Path| {
            (
                Some(vec![tag.to_owned()]),
                Some(place.display().to_string()),
            )
        };
        // The bundled directory first, and in it the newest pip by version
        // (`10.0` after `9.0.1`, which sorts last as text).
        assert_eq!(first, found("bundled-10", &newest));
        // Debian: nothing bundled (or a wheel that does not work), the
        // distribution's wheel directory next.
        for nothing_first in [&empty, &broken, &tmp.path().join("missing")] {
            assert_eq!(
                find_tags(&modules, &[nothing_first, &debian]).unwrap(),
                found("debian", &debian_wheel),
                "{}",
                nothing_first.display()
            );
        }
        // No wheel anywhere: the modules the interpreter imports, in order.
        assert_eq!(
            find_tags(&modules, &[&empty, &broken]).unwrap(),
            (
                Some(vec!["from-packaging".to_owned()]),
                Some("fakepackaging.tags".to_owned())
            )
        );
        assert_eq!(find_tags(&no_modules, &[&empty]).unwrap(), (None, None));
    }
}
