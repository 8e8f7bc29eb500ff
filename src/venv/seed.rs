//! Which pip an env is seeded with.
//!
//! The spec holds the pip *request* (`[venv] pip-version`, else
//! [`DEFAULT_PIP_REQUEST`]), so the hash is known without network or
//! Python; the version is chosen when an env is built, newest first, from
//! the pip wheels penv can see: those it downloaded before (`<cache>/pip/`),
//! those in the project's local `find-links` directories, and the ones the
//! interpreter bundles. penv asks the project's index (or `find-links` URLs)
//! with `pip download` only when none of those satisfies the request, or,
//! for a request that is not one exact version, at most once a day per
//! interpreter, request and index, to pick up a newer pip. A failed or
//! offline check is not retried that day. When nothing satisfies the
//! default request, the bundled pip is seeded with a warning naming what it
//! gets wrong; an explicit `pip-version` nothing satisfies is an error.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;
use std::time::Duration;

use pep440_rs::{Operator, Version, VersionSpecifiers};
use sha2::{Digest, Sha256};

use super::create::{self, CreateError};
use crate::credentials::Redactor;
use crate::diagnostics::Location;
use crate::fs::{self, FsError};
use crate::printer::Printer;
use crate::python::interpreter::InterpreterInfo;
use crate::spec::{DEFAULT_PIP_REQUEST, PipSpec};
use crate::state::now;

/// How often penv asks the index whether a newer pip exists.
const RECHECK_AFTER_SECS: u64 = 24 * 3600;

/// How long `pip download` may take.
const DOWNLOAD_TIMEOUT: Duration = Duration::from_mins(5);

/// The first pip that normalizes extras (PEP 685) when it compares them.
const PEP_685_PIP: &str = "23.3";

/// The pip an env is to get.
#[derive(Debug, Clone)]
pub struct PipRequest {
    /// The specifiers (canonical text in the spec).
    pub specifiers: VersionSpecifiers,
    /// Where `[venv] pip-version` is written, when the project sets it
    /// (`Some(None)`: set, position unknown); `None` for the default.
    pub explicit: Option<Option<Location>>,
}

impl PipRequest {
    /// The request of a spec's `venv.pip-version` (canonical, so it parses).
    pub fn new(canonical: Option<&str>, explicit: Option<Option<Location>>) -> Self {
        let text = canonical.unwrap_or(DEFAULT_PIP_REQUEST);
        Self {
            specifiers: VersionSpecifiers::from_str(text).unwrap_or_else(|_| {
                VersionSpecifiers::from_str(DEFAULT_PIP_REQUEST).expect("the default parses")
            }),
            explicit,
        }
    }

    /// The one version an `==X` request allows.
    fn exact(&self) -> Option<&Version> {
        match &*self.specifiers {
            [one] if *one.operator() == Operator::Equal => Some(one.version()),
            _ => None,
        }
    }
}

/// Where pip wheels may come from, with `${NAME}` already expanded.
#[derive(Debug, Clone, Default)]
pub struct PipSources {
    /// Local `find-links` directories.
    pub local_dirs: Vec<PathBuf>,
    /// Whether pip would search anything else (an index, a `find-links` URL).
    pub remote: bool,
    /// The index options for `pip download`, as pip gets them.
    pub args: Vec<String>,
}

impl PipSources {
    /// The sources of the (expanded) `[pip]` options, relative paths taken
    /// from `root`.
    pub fn new(pip: &PipSpec, root: &Path) -> Self {
        let mut sources = Self {
            remote: !pip.no_index,
            ..Self::default()
        };
        if let Some(url) = &pip.index_url {
            sources
                .args
                .extend(["--index-url".to_owned(), url.for_pip().to_owned()]);
        }
        for url in &pip.extra_index_urls {
            sources
                .args
                .extend(["--extra-index-url".to_owned(), url.for_pip().to_owned()]);
        }
        for link in &pip.find_links {
            let location = link.location.for_pip();
            let local = match location.strip_prefix("file://") {
                Some(rest) => percent_encoding::percent_decode_str(
                    rest.strip_prefix("localhost").unwrap_or(rest),
                )
                .decode_utf8()
                .ok()
                .map(|p| PathBuf::from(p.as_ref())),
                None => (!location.contains("://")).then(|| root.join(location)),
            };
            match local {
                Some(dir) if dir.is_dir() => {
                    sources
                        .args
                        .extend(["--find-links".to_owned(), dir.display().to_string()]);
                    sources.local_dirs.push(dir);
                }
                _ => {
                    sources.remote = true;
                    sources
                        .args
                        .extend(["--find-links".to_owned(), location.to_owned()]);
                }
            }
        }
        if pip.no_index {
            sources.args.push("--no-index".to_owned());
        }
        sources
    }
}

/// Where a pip wheel was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Origin {
    /// The project's `find-links`.
    FindLinks,
    /// Downloaded before, in penv's cache.
    Cache,
    /// The interpreter's own.
    Bundled,
}

#[derive(Debug, Clone)]
struct Candidate {
    wheel: PathBuf,
    version: Version,
    origin: Origin,
}

/// The pip chosen for an env.
#[derive(Debug, Clone)]
pub struct Seed {
    /// Its wheel.
    pub wheel: PathBuf,
    /// Its version.
    pub version: Version,
    /// The prepared seed in penv's cache (`None` without a cache).
    pub dir: Option<PathBuf>,
}

/// `pip-<version>-<tags>.whl` of a pure-Python wheel: its version.
fn wheel_version(path: &Path) -> Option<Version> {
    let name = path.file_name()?.to_str()?;
    let stem = name.strip_suffix(".whl")?;
    let mut parts = stem.split('-');
    if parts.next()? != "pip" {
        return None;
    }
    let version = Version::from_str(parts.next()?).ok()?;
    let tags: Vec<&str> = parts.collect();
    // `pip-X-py3-none-any`, optionally with a build tag before the tags.
    let (python, abi, platform) = match tags.as_slice() {
        [p, a, pl] | [_, p, a, pl] => (*p, *a, *pl),
        _ => return None,
    };
    (python.split('.').any(|t| t == "py3") && abi == "none" && platform == "any").then_some(version)
}

fn wheels_in(dir: &Path, origin: Origin) -> Vec<Candidate> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| {
            let wheel = e.path();
            let version = wheel_version(&wheel)?;
            wheel.is_file().then_some(Candidate {
                wheel,
                version,
                origin,
            })
        })
        .collect()
}

/// Where penv keeps the pip wheels it downloaded.
fn download_dir(cache_dir: &Path) -> PathBuf {
    cache_dir.join("pip")
}

/// The marker saying a wheel does not install on an interpreter.
fn incompatible_marker(cache_dir: &Path, wheel: &Path, info: &InterpreterInfo) -> PathBuf {
    let mut name = create::seed_name(wheel, info).into_os_string();
    name.push(".incompatible");
    cache_dir.join("seed").join(name)
}

/// Every pip wheel penv can see for this interpreter, newest first.
fn candidates(
    info: &InterpreterInfo,
    sources: &PipSources,
    cache_dir: Option<&Path>,
) -> Vec<Candidate> {
    let mut all: Vec<Candidate> = Vec::new();
    for dir in &sources.local_dirs {
        all.extend(wheels_in(dir, Origin::FindLinks));
    }
    if let Some(cache) = cache_dir {
        all.extend(wheels_in(&download_dir(cache), Origin::Cache));
    }
    for dir in create::bundled_dirs(info) {
        all.extend(wheels_in(&dir, Origin::Bundled));
    }
    if let Some(cache) = cache_dir {
        all.retain(|c| !incompatible_marker(cache, &c.wheel, info).exists());
    }
    all.sort_by(|a, b| b.version.cmp(&a.version).then(a.origin.cmp(&b.origin)));
    all
}

/// What goes wrong with pip `version`, when something known does.
pub fn known_problems(version: &Version) -> Option<String> {
    let fixed = Version::from_str(PEP_685_PIP).expect("a version");
    (*version < fixed).then(|| {
        format!(
            "pip before {PEP_685_PIP} does not normalize extras (PEP 685): `pkg[with_extra]` installs `pkg` without the extra, and exits 0, when `pkg` declares it as `with-extra`"
        )
    })
}

/// Chooses the pip for an env (see the module doc), prepares its seed in
/// the cache, and returns it.
#[allow(clippy::too_many_arguments)]
pub fn choose(
    info: &InterpreterInfo,
    base: &Path,
    request: &PipRequest,
    sources: &PipSources,
    root: &Path,
    cache_dir: Option<&Path>,
    redactor: &Redactor,
    printer: &Printer,
) -> Result<Seed, CreateError> {
    // The interpreter's own pip installs (and downloads) the others; without
    // one (a distribution's Python without its pip wheel package), a pip
    // wheel installs itself, as ensurepip does.
    let bundled = create::bundled_pip_wheel(info).ok();
    let satisfying = |all: Vec<Candidate>| -> Vec<Candidate> {
        all.into_iter()
            .filter(|c| request.specifiers.contains(&c.version))
            .collect()
    };
    let mut found = satisfying(candidates(info, sources, cache_dir));
    let mut fetch_error = None;
    let runner = bundled.clone().or_else(|| {
        candidates(info, sources, cache_dir)
            .into_iter()
            .next()
            .map(|c| c.wheel)
    });
    if let Some(cache) = cache_dir
        && let Some(runner) = &runner
        && sources.remote
    {
        let key = check_key(info, request, sources, redactor);
        let record = cache.join("pip").join("checked").join(key);
        let due = if found.is_empty() {
            // An explicit request is an error unless the index has it: ask.
            request.explicit.is_some() || !checked_within(&record, RECHECK_AFTER_SECS)
        } else {
            request.exact().is_none() && !checked_within(&record, RECHECK_AFTER_SECS)
        };
        if due {
            let progress = printer.step(&format!("Looking for pip {}", request.specifiers));
            let fetched = download(base, runner, request, sources, root, cache, redactor);
            progress.finish();
            // Recorded whatever the outcome: an offline machine does not wait
            // for the index at every rebuild.
            let _ = fs::create_dir_all(record.parent().expect("has a parent"));
            let _ = fs::write_atomic(&record, now().to_string().as_bytes());
            match fetched {
                Ok(output) => printer.verbose(&output),
                Err(e) => {
                    let why = match e.detail() {
                        Some(detail) => format!("{e}:\n{detail}"),
                        None => e.to_string(),
                    };
                    printer.verbose(&format!("pip download failed: {why}"));
                    fetch_error = Some(why);
                }
            }
            found = satisfying(candidates(info, sources, cache_dir));
        }
    }
    for candidate in &found {
        let installer = bundled.as_deref().unwrap_or(&candidate.wheel);
        match prepare(info, base, installer, candidate, cache_dir) {
            Ok(seed) => {
                printer.verbose(&format!(
                    "seeding pip {} from `{}`",
                    seed.version,
                    candidate.wheel.display()
                ));
                if let Some(problem) = known_problems(&seed.version) {
                    printer.warn(&format!("seeding pip {}: {problem}", seed.version));
                }
                return Ok(seed);
            }
            Err(e) if candidate.origin != Origin::Bundled => {
                if let (Some(cache), CreateError::Command { stderr, .. }) = (cache_dir, &e)
                    && stderr.contains("requires a different Python")
                {
                    let _ =
                        fs::write_atomic(&incompatible_marker(cache, &candidate.wheel, info), b"");
                }
                printer.verbose(&format!(
                    "passing over `{}`: {e}",
                    candidate.wheel.display()
                ));
            }
            Err(e) => return Err(e),
        }
    }
    if let Some(location) = &request.explicit {
        return Err(CreateError::NoPipForRequest {
            request: request.specifiers.to_string(),
            looked: looked_in(sources, cache_dir),
            fetch_error,
            location: location.clone(),
        });
    }
    let installer = match bundled {
        Some(wheel) => wheel,
        None => create::bundled_pip_wheel(info)?,
    };
    let fallback = Candidate {
        version: wheel_version(&installer).unwrap_or_else(|| Version::new([0])),
        wheel: installer.clone(),
        origin: Origin::Bundled,
    };
    let seed = prepare(info, base, &installer, &fallback, cache_dir)?;
    let problem = known_problems(&seed.version)
        .map(|p| format!(": {p}"))
        .unwrap_or_default();
    printer.warn(&format!(
        "seeding the interpreter's bundled pip {}: found no pip {} in {}{problem}",
        seed.version,
        request.specifiers,
        looked_in(sources, cache_dir)
    ));
    Ok(seed)
}

fn prepare(
    info: &InterpreterInfo,
    base: &Path,
    installer: &Path,
    candidate: &Candidate,
    cache_dir: Option<&Path>,
) -> Result<Seed, CreateError> {
    let dir = match cache_dir {
        Some(cache) => Some(create::prepare_seed(
            info,
            base,
            &candidate.wheel,
            installer,
            cache,
        )?),
        None => None,
    };
    Ok(Seed {
        wheel: candidate.wheel.clone(),
        version: candidate.version.clone(),
        dir,
    })
}

/// Where penv looked, for messages.
fn looked_in(sources: &PipSources, cache_dir: Option<&Path>) -> String {
    let mut places: Vec<String> = sources
        .local_dirs
        .iter()
        .map(|d| format!("`{}`", d.display()))
        .collect();
    if let Some(cache) = cache_dir {
        places.push(format!(
            "penv's cache (`{}`)",
            download_dir(cache).display()
        ));
    }
    if sources.remote {
        places.push("the project's index".to_owned());
    }
    let mut text = match places.split_last() {
        None => "no place to look".to_owned(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    };
    if !sources.remote {
        text.push_str(" (no index asked: `no-index = true`)");
    }
    text
}

/// The name of the record of the last check: a digest of what was asked,
/// of whom (credentials redacted), for which interpreter.
fn check_key(
    info: &InterpreterInfo,
    request: &PipRequest,
    sources: &PipSources,
    redactor: &Redactor,
) -> String {
    let mut hasher = Sha256::new();
    hasher.update(format!(
        "{}{}\0{}\0{}",
        info.implementation,
        info.major_minor(),
        request.specifiers,
        redactor.redact(&sources.args.join("\0"))
    ));
    hex::encode(hasher.finalize())[..16].to_owned()
}

fn checked_within(record: &Path, secs: u64) -> bool {
    fs::read_optional(record)
        .ok()
        .flatten()
        .and_then(|b| String::from_utf8_lossy(&b).trim().parse::<u64>().ok())
        .is_some_and(|t| now().saturating_sub(t) < secs)
}

/// `python <bundled pip>/pip download pip<request>` from the project's
/// sources into penv's cache; returns pip's (redacted) output.
fn download(
    base: &Path,
    installer: &Path,
    request: &PipRequest,
    sources: &PipSources,
    root: &Path,
    cache: &Path,
    redactor: &Redactor,
) -> Result<String, CreateError> {
    let dest = download_dir(cache);
    fs::create_dir_all(&dest)?;
    let tmp = tempfile::Builder::new()
        .prefix(".download-")
        .tempdir_in(&dest)
        .map_err(|e| FsError::new("create a temporary directory in", &dest, e))?;
    let mut cmd = Command::new(base);
    cmd.arg("-I")
        .arg(installer.join("pip"))
        .args([
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--disable-pip-version-check",
            "--no-input",
            // Offline, fail soon: the bundled pip is the fallback.
            "--timeout",
            "15",
            "--retries",
            "1",
            "--dest",
        ])
        .arg(tmp.path())
        .args(&sources.args)
        .arg(format!("pip{}", request.specifiers))
        .current_dir(root);
    crate::installer::clean_pip_env(&mut cmd);
    let shown = redactor.redact(&format!("{cmd:?}").replace('"', ""));
    let fail = |status: String, stderr: String| CreateError::Command {
        command: shown.clone(),
        status,
        stderr: redactor.redact(&stderr),
    };
    let output = crate::process::output_within(&mut cmd, DOWNLOAD_TIMEOUT)
        .map_err(|e| fail(e.to_string(), String::new()))?;
    if !output.status.success() {
        return Err(fail(
            output.status.to_string(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        ));
    }
    for wheel in wheels_in(tmp.path(), Origin::Cache) {
        let to = dest.join(wheel.wheel.file_name().expect("a file name"));
        if !to.exists() {
            fs::rename(&wheel.wheel, &to)?;
        }
    }
    Ok(redactor.redact(&format!(
        "{shown}\n{}",
        String::from_utf8_lossy(&output.stdout).trim_end()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_pure_python_pip_wheels_count() {
        let v = |n: &str| wheel_version(Path::new(n)).map(|v| v.to_string());
        assert_eq!(v("pip-24.2-py3-none-any.whl").as_deref(), Some("24.2"));
        assert_eq!(
            v("pip-19.2.3-py2.py3-none-any.whl").as_deref(),
            Some("19.2.3")
        );
        assert_eq!(
            v("pip-99.0.0-1-py3-none-any.whl").as_deref(),
            Some("99.0.0")
        );
        for not in [
            "pip-24.2.tar.gz",
            "pipx-1.0-py3-none-any.whl",
            "pip-24.2-py2-none-any.whl",
            "pip-24.2-cp312-cp312-linux_x86_64.whl",
            "pip-x-py3-none-any.whl",
            "setuptools-65.5.0-py3-none-any.whl",
        ] {
            assert_eq!(v(not), None, "{not}");
        }
    }

    #[test]
    fn requests_and_what_they_accept() {
        let default = PipRequest::new(None, None);
        let accepts =
            |r: &PipRequest, v: &str| r.specifiers.contains(&Version::from_str(v).unwrap());
        assert!(!accepts(&default, "23.2.1"));
        assert!(accepts(&default, "23.3"));
        assert!(
            accepts(&default, "99.0.0"),
            "a repackaged test pip is accepted"
        );
        assert!(default.exact().is_none());
        let pinned = PipRequest::new(Some("==24.3.1"), Some(None));
        assert_eq!(
            pinned.exact().map(ToString::to_string).as_deref(),
            Some("24.3.1")
        );
        assert!(!accepts(&pinned, "24.3"));
        let range = PipRequest::new(Some(">=24, <26"), Some(None));
        assert!(range.exact().is_none() && accepts(&range, "25.3") && !accepts(&range, "26.0"));
    }

    #[test]
    fn only_pips_before_23_3_have_the_extras_problem() {
        let problem = |v: &str| known_problems(&Version::from_str(v).unwrap());
        assert!(problem("23.2.1").unwrap().contains("PEP 685"));
        assert!(problem("22.0.4").is_some());
        assert!(problem("23.3").is_none());
        assert!(problem("24.2").is_none());
    }

    #[test]
    fn local_find_links_are_scanned_and_anything_else_is_remote() {
        let tmp = tempfile::tempdir().unwrap();
        let mut pip = crate::spec::example().pip;
        pip.no_index = true;
        pip.find_links = vec![crate::spec::FindLinks {
            location: crate::credentials::PipUrl::new("."),
            files: vec![],
        }];
        let sources = PipSources::new(&pip, tmp.path());
        assert!(!sources.remote);
        assert_eq!(sources.local_dirs, vec![tmp.path().join(".")]);
        assert_eq!(sources.args.last().map(String::as_str), Some("--no-index"));
        pip.find_links.push(crate::spec::FindLinks {
            location: crate::credentials::PipUrl::new("https://u:p@host/links/"),
            files: vec![],
        });
        let sources = PipSources::new(&pip, tmp.path());
        assert!(sources.remote);
        assert!(sources.args.contains(&"https://u:p@host/links/".to_owned()));
        pip.find_links.clear();
        pip.no_index = false;
        assert!(
            PipSources::new(&pip, tmp.path()).remote,
            "pip's default index"
        );
    }
}
