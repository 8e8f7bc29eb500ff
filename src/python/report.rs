//! The text that says what discovery saw: one line per interpreter, and the
//! "Looked in … Found: …" report of a failed search.
//!
//! Invariant: the report is built from the data that drove the search (the
//! directories searched, the candidates and their verdicts), so it never
//! lies about where penv looked. Interpreters and the directories searched
//! are shown by their absolute paths, wherever penv runs from: they are
//! places on the machine, not in the project.

use crate::diagnostics::escape_path;
use std::fmt::Write as _;

use super::choice::Verdict;
use super::discovery::{Candidate, Discovery};

/// "Looked in … Found: …", built from the data that drove the search.
pub(crate) fn search_report(discovery: &Discovery, verdicts: &[Verdict]) -> String {
    let mut out = String::from("Looked in:\n");
    let mut sources: Vec<String> = Vec::new();
    for s in &discovery.searched {
        let line = format!("  {} `{}`", s.source, escape_path(&s.dir));
        if !sources.contains(&line) {
            sources.push(line);
        }
    }
    out.push_str(&sources.join("\n"));
    out.push('\n');
    if discovery.candidates.is_empty() {
        out.push_str("Found no interpreter there.");
    } else {
        out.push_str("Found:");
        for (c, v) in discovery.candidates.iter().zip(verdicts) {
            let _ = write!(out, "\n  {}", describe(c));
            if let Verdict::PassedOver(why) = v {
                let _ = write!(out, ": {why}");
            }
        }
    }
    out
}

/// ``cpython 3.12.1 `/usr/bin/python3.12` (PATH)``: the path as found,
/// absolute.
pub(crate) fn describe(c: &Candidate) -> String {
    match c.info() {
        Some(info) => format!(
            "{} {} `{}` ({})",
            info.implementation,
            info.version,
            escape_path(&c.path),
            c.source
        ),
        None => format!("`{}` ({})", escape_path(&c.path), c.source),
    }
}
