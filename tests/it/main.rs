//! penv's integration tests, one binary (as uv does) so the helpers are
//! compiled once: trycmd cases and their promises (`cli`), real envs built
//! with the machine's Python (`e2e`), crash safety and locking (`crash`), and
//! the JSON schema's drift check (`schema`).
//!
//! Every test that needs the machine's Python, pip or git reaches it through
//! [`require_python!`] or [`skip!`]: a printed skip on a developer's machine,
//! a failure under CI (`CI=true`), so CI is never green while testing nothing.

#[macro_use]
mod common;

mod cli;
mod crash;
mod docs;
mod docs_examples;
mod e2e;
mod graph;
mod schema;
