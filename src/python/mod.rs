//! Finding the base interpreter: which request applies (from the command
//! line, the environment, the project file, `.python-version` or
//! `requires-python`), discovery of what is on the machine, and the choice.
//!
//! Invariant: the chosen interpreter is a base interpreter (never a venv's
//! python or a pyenv shim), identified by its canonical path and
//! fingerprint, and what it is comes from the probe cache whenever the
//! binary is unchanged. This module knows nothing of projects: it takes
//! the request inputs as plain values.

pub(crate) mod choice;
pub(crate) mod discovery;
mod error;
pub mod interpreter;
mod precedence;
mod probe_script;
mod report;
pub mod request;
mod resolve;

pub use error::PythonError;
pub(crate) use precedence::{RequestInputs, Setting, applicable_request, check_requires_python};
pub(crate) use report::{describe, search_report};
pub use resolve::Resolved;
pub(crate) use resolve::resolve;
