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
//!
//! The choice is here; where wheels come from is [`sources`], asking the
//! index [`fetch`], the prepared seeds [`cache`], putting pip into an env
//! [`link`].

mod cache;
mod fetch;
mod link;
mod sources;

use std::path::Path;
use std::str::FromStr;

use pep440_rs::{Operator, Version, VersionSpecifiers};

use super::create::CreateError;
use crate::credentials::Redactor;
use crate::diagnostics::{Location, escape_path};
use crate::fs;
use crate::printer::Printer;
use crate::python::interpreter::InterpreterInfo;
use crate::spec::DEFAULT_PIP_REQUEST;
use crate::state::now;
pub(crate) use cache::Seed;
use cache::{incompatible_marker, prepare};
use fetch::{RECHECK_AFTER_SECS, check_key, checked_within, download};
pub(crate) use link::seed_pip;
pub(crate) use sources::PipSources;
use sources::{Candidate, Origin, bundled_pip_wheel, candidates, looked_in, wheel_version};

/// The first pip that normalizes extras (PEP 685) when it compares them.
const PEP_685_PIP: &str = "23.3";

/// The pip an env is to get.
#[derive(Debug, Clone)]
#[expect(
    clippy::option_option,
    reason = "not set, set at a known place, or set where the place is unknown"
)]
pub(crate) struct PipRequest {
    /// The specifiers (canonical text in the spec).
    pub(crate) specifiers: VersionSpecifiers,
    /// Where `[venv] pip-version` is written, when the project sets it
    /// (`Some(None)`: set, position unknown); `None` for the default.
    pub(crate) explicit: Option<Option<Location>>,
}

impl PipRequest {
    /// The request of a spec's `venv.pip-version` (canonical, so it parses).
    #[expect(clippy::option_option, reason = "as `explicit`")]
    pub(crate) fn new(canonical: Option<&str>, explicit: Option<Option<Location>>) -> Self {
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

/// What goes wrong with pip `version`, when something known does.
pub(crate) fn known_problems(version: &Version) -> Option<String> {
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
pub(crate) fn choose(
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
    let bundled = bundled_pip_wheel(info).ok();
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
        let key = check_key(info, &request.specifiers, sources, redactor);
        let record = cache.join("pip").join("checked").join(key);
        let due = if found.is_empty() {
            // An explicit request is an error unless the index has it: ask.
            request.explicit.is_some() || !checked_within(&record, RECHECK_AFTER_SECS)
        } else {
            request.exact().is_none() && !checked_within(&record, RECHECK_AFTER_SECS)
        };
        if due {
            let progress = printer.step(&format!("Looking for pip {}", request.specifiers));
            let fetched = download(
                base,
                runner,
                &request.specifiers,
                sources,
                root,
                cache,
                redactor,
            );
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
        match prepare(
            info,
            base,
            installer,
            &candidate.wheel,
            &candidate.version,
            cache_dir,
        ) {
            Ok(seed) => {
                printer.verbose(&format!(
                    "seeding pip {} from `{}`",
                    seed.version,
                    escape_path(&candidate.wheel)
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
                    escape_path(&candidate.wheel)
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
        None => bundled_pip_wheel(info)?,
    };
    let fallback = Candidate {
        version: wheel_version(&installer).unwrap_or_else(|| Version::new([0])),
        wheel: installer.clone(),
        origin: Origin::Bundled,
    };
    let seed = prepare(
        info,
        base,
        &installer,
        &fallback.wheel,
        &fallback.version,
        cache_dir,
    )?;
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
