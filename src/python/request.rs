//! What the project asks for: a Python request and where it came from.
//!
//! A request is a version prefix ("3.12", "3.12.4"), a PEP 440 specifier set
//! (">=3.10,<3.13"), an implementation with an optional version ("pypy3.10",
//! "cpython@3.12"), or a path to an interpreter.

use crate::diagnostics::escape_path;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use pep440_rs::{Version, VersionSpecifiers};

use super::interpreter::InterpreterInfo;

/// A parsed Python request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Any interpreter: the newest found.
    Any,
    /// An implementation and/or version constraint.
    Version {
        /// `cpython`, `pypy`, … (lowercase); `None` for any.
        implementation: Option<String>,
        /// The version constraint.
        version: VersionConstraint,
    },
    /// A specific interpreter binary.
    Path(PathBuf),
}

/// The version part of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionConstraint {
    /// No constraint.
    Any,
    /// Release components that must match as a prefix: `[3, 12]` matches 3.12.x.
    Prefix(Vec<u64>),
    /// A PEP 440 specifier set.
    Specifiers(VersionSpecifiers),
}

/// Why a request string could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid Python request `{}`: {reason}",
    crate::diagnostics::excerpt(request)
)]
pub struct RequestError {
    /// The string given.
    pub(crate) request: String,
    /// What was wrong.
    pub(crate) reason: String,
}

/// The implementation names a request may start with.
const IMPLEMENTATIONS: &[&str] = &["cpython", "pypy", "graalpy", "python"];

impl Request {
    /// A one-line reminder of the forms a request takes.
    pub(crate) const HINT: &'static str = "write a version (`3.12`, `3.12.4`), a specifier (`>=3.10,<3.13`), an implementation (`pypy3.10`, `cpython@3.12`) or a path to an interpreter";

    /// Parses a request string.
    pub(crate) fn parse(raw: &str) -> Result<Self, RequestError> {
        let s = raw.trim();
        let err = |reason: &str| RequestError {
            request: raw.to_owned(),
            reason: reason.to_owned(),
        };
        if s.is_empty() {
            return Err(err("it is empty"));
        }
        if s == "*" || s.eq_ignore_ascii_case("any") {
            return Ok(Self::Any);
        }
        // `~=3.10` is a specifier (compatible release), `~/py/bin/python` a path.
        let home_path = s.starts_with('~') && !s.starts_with("~=");
        if s.contains('/') || s.contains('\\') || home_path || s.starts_with('.') {
            return Ok(Self::Path(PathBuf::from(s)));
        }
        let lower = s.to_ascii_lowercase();
        if let Some((implementation, version)) = lower.split_once('@') {
            let implementation = parse_implementation(implementation).map_err(|()| {
                err(&format!(
                    "unknown implementation `{implementation}` (known: cpython, pypy, graalpy)"
                ))
            })?;
            let version = parse_version_constraint(version).ok_or_else(|| {
                err(&format!(
                    "`{version}` is not a version or version specifier"
                ))
            })?;
            return Ok(Self::Version {
                implementation,
                version,
            });
        }
        for name in IMPLEMENTATIONS {
            if let Some(rest) = lower.strip_prefix(name) {
                let rest = rest.trim_start_matches(['-', ' ']);
                let version = if rest.is_empty() {
                    VersionConstraint::Any
                } else {
                    parse_prefix(rest)
                        .map(VersionConstraint::Prefix)
                        .ok_or_else(|| {
                            err(&format!(
                                "`{rest}` after `{name}` is not a version like `3.12`"
                            ))
                        })?
                };
                return Ok(Self::Version {
                    implementation: parse_implementation(name).ok().flatten(),
                    version,
                });
            }
        }
        match parse_version_constraint(s) {
            Some(version) => Ok(Self::Version {
                implementation: None,
                version,
            }),
            None => Err(err("not a version, specifier, implementation or path")),
        }
    }

    /// Whether an interpreter satisfies the request (paths are matched by the caller).
    pub(crate) fn matches(&self, info: &InterpreterInfo) -> bool {
        match self {
            Self::Any | Self::Path(_) => true,
            Self::Version {
                implementation,
                version,
            } => {
                implementation
                    .as_deref()
                    .is_none_or(|i| i == info.implementation)
                    && version.matches(info.pep440_version().as_ref())
            }
        }
    }
}

impl VersionConstraint {
    /// Whether `version` satisfies the constraint.
    pub(crate) fn matches(&self, version: Option<&Version>) -> bool {
        let Some(version) = version else {
            return matches!(self, Self::Any);
        };
        match self {
            Self::Any => true,
            Self::Prefix(prefix) => {
                let release = version.release();
                release.len() >= prefix.len() && release[..prefix.len()] == prefix[..]
            }
            Self::Specifiers(specifiers) => specifiers.contains(version),
        }
    }
}

/// `Ok(None)` for "python" (any implementation), `Ok(Some(name))` for a
/// known one, `Err(())` for an unknown one.
fn parse_implementation(name: &str) -> Result<Option<String>, ()> {
    match name.trim() {
        "python" | "py" | "" => Ok(None),
        "cpython" | "cp" => Ok(Some("cpython".to_owned())),
        "pypy" | "pp" => Ok(Some("pypy".to_owned())),
        "graalpy" => Ok(Some("graalpy".to_owned())),
        _ => Err(()),
    }
}

/// `3`, `3.12`, `3.12.4`: release components (major 2 or more).
fn parse_prefix(s: &str) -> Option<Vec<u64>> {
    let parts: Option<Vec<u64>> = s.split('.').map(|p| p.parse().ok()).collect();
    parts.filter(|p| (1..=3).contains(&p.len()) && p[0] >= 2)
}

/// A prefix or a non-empty PEP 440 specifier set; empty is any version.
fn parse_version_constraint(s: &str) -> Option<VersionConstraint> {
    let s = s.trim();
    if s.is_empty() {
        return Some(VersionConstraint::Any);
    }
    if let Some(prefix) = parse_prefix(s) {
        return Some(VersionConstraint::Prefix(prefix));
    }
    VersionSpecifiers::from_str(s)
        .ok()
        .filter(|v| !v.is_empty())
        .map(VersionConstraint::Specifiers)
}

impl fmt::Display for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Any => f.write_str("any Python"),
            Self::Path(p) => f.write_str(&escape_path(p)),
            Self::Version {
                implementation,
                version,
            } => {
                if let Some(i) = implementation {
                    f.write_str(i)?;
                    if !matches!(version, VersionConstraint::Any) {
                        f.write_str("@")?;
                    }
                }
                match version {
                    VersionConstraint::Any if implementation.is_none() => f.write_str("any Python"),
                    VersionConstraint::Any => Ok(()),
                    VersionConstraint::Prefix(p) => {
                        f.write_str(&p.iter().map(u64::to_string).collect::<Vec<_>>().join("."))
                    }
                    VersionConstraint::Specifiers(s) => write!(f, "{s}"),
                }
            }
        }
    }
}

/// Where a request came from, for messages and for `status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestSource {
    /// `--python`.
    CommandLine,
    /// `penv python find REQ`.
    FindArgument,
    /// `penv python pin VERSION`.
    PinArgument,
    /// `PENV_PYTHON`.
    EnvVar,
    /// `python` in the project file.
    ProjectFile(PathBuf),
    /// `.python-version`, with its line number.
    PythonVersionFile(PathBuf, usize),
    /// `requires-python` in `pyproject.toml`.
    RequiresPython(PathBuf),
    /// Nothing asked: the newest interpreter.
    Default,
}

impl fmt::Display for RequestSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::diagnostics::display_path;
        match self {
            Self::CommandLine => f.write_str("--python"),
            Self::FindArgument => f.write_str("the argument of `penv python find`"),
            Self::PinArgument => f.write_str("the argument of `penv python pin`"),
            Self::EnvVar => f.write_str("PENV_PYTHON"),
            Self::ProjectFile(p) => write!(f, "`python` in `{}`", display_path(p)),
            Self::PythonVersionFile(p, line) => write!(f, "`{}` line {line}", display_path(p)),
            Self::RequiresPython(p) => write!(f, "`requires-python` in `{}`", display_path(p)),
            Self::Default => f.write_str("nothing asked: the newest found"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(v: &str) -> Option<Version> {
        Version::from_str(v).ok()
    }

    #[test]
    fn a_huge_request_is_quoted_cut_short() {
        let err = Request::parse(&"3".repeat(65_536)).unwrap_err();
        let message = err.to_string();
        assert!(message.len() < 400, "{} bytes", message.len());
        assert!(
            message.starts_with("invalid Python request `333"),
            "{message}"
        );
        assert_eq!(
            err.request.len(),
            65_536,
            "the request itself is kept whole"
        );
    }

    #[test]
    fn parses_every_documented_form() {
        assert_eq!(
            Request::parse("3.12").unwrap(),
            Request::Version {
                implementation: None,
                version: VersionConstraint::Prefix(vec![3, 12])
            }
        );
        assert_eq!(
            Request::parse("3.12.4").unwrap(),
            Request::Version {
                implementation: None,
                version: VersionConstraint::Prefix(vec![3, 12, 4])
            }
        );
        assert_eq!(
            Request::parse("pypy3.10").unwrap(),
            Request::Version {
                implementation: Some("pypy".into()),
                version: VersionConstraint::Prefix(vec![3, 10])
            }
        );
        assert_eq!(
            Request::parse("cpython@3.12").unwrap(),
            Request::Version {
                implementation: Some("cpython".into()),
                version: VersionConstraint::Prefix(vec![3, 12])
            }
        );
        assert_eq!(
            Request::parse("/usr/bin/python3.12").unwrap(),
            Request::Path("/usr/bin/python3.12".into())
        );
        assert!(matches!(
            Request::parse(">=3.10,<3.13").unwrap(),
            Request::Version {
                implementation: None,
                version: VersionConstraint::Specifiers(_)
            }
        ));
        assert_eq!(
            Request::parse("python3.11").unwrap(),
            Request::parse("3.11").unwrap()
        );
        assert_eq!(
            Request::parse("cpython@>=3.11").unwrap().to_string(),
            "cpython@>=3.11"
        );
        // A compatible-release specifier is not a home-relative path.
        let compatible = Request::parse("~=3.10").unwrap();
        assert!(
            matches!(
                &compatible,
                Request::Version {
                    version: VersionConstraint::Specifiers(_),
                    ..
                }
            ),
            "{compatible:?}"
        );
        let Request::Version { version: v, .. } = compatible else {
            unreachable!()
        };
        assert!(v.matches(version("3.12.1").as_ref()) && !v.matches(version("3.9.18").as_ref()));
        assert_eq!(
            Request::parse("~/py/bin/python3").unwrap(),
            Request::Path("~/py/bin/python3".into())
        );
    }

    #[test]
    fn rejects_garbage_with_a_reason() {
        for bad in [
            "",
            "banana",
            "3.x",
            "jython@3",
            "pypy-three",
            ">=",
            "1.2.3.4",
        ] {
            let err = Request::parse(bad).unwrap_err();
            assert!(!err.reason.is_empty(), "{bad}");
        }
    }

    #[test]
    fn constraints_match_versions() {
        let prefix = VersionConstraint::Prefix(vec![3, 12]);
        assert!(prefix.matches(version("3.12.1").as_ref()));
        assert!(!prefix.matches(version("3.1.2").as_ref()));
        assert!(!prefix.matches(version("3.13.0").as_ref()));
        let exact = VersionConstraint::Prefix(vec![3, 12, 4]);
        assert!(exact.matches(version("3.12.4").as_ref()));
        assert!(!exact.matches(version("3.12.41").as_ref()));
        let spec = VersionConstraint::Specifiers(">=3.10,<3.13".parse().unwrap());
        assert!(spec.matches(version("3.12.9").as_ref()));
        assert!(!spec.matches(version("3.13.0").as_ref()));
        assert!(!spec.matches(None));
    }
}
