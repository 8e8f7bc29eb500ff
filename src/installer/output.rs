//! What pip printed, as penv keeps it: all of stderr, the last lines of
//! stdout, and the warnings in it worth showing once pip succeeded; and
//! what the progress line says while pip runs ([`Progress`]).

use crate::process::Stream;

/// What pip printed: all of stderr, the last lines of stdout.
#[derive(Debug, Default)]
pub(super) struct PipOutput {
    /// All of pip's stderr, line by line.
    pub(super) stderr: Vec<String>,
    /// The last [`STDOUT_TAIL`] lines of its stdout.
    pub(super) stdout_tail: Vec<String>,
}

/// How many lines of pip's stdout are kept for an error report.
const STDOUT_TAIL: usize = 30;

impl PipOutput {
    /// Keeps `line` of `stream`.
    pub(super) fn push(&mut self, stream: Stream, line: String) {
        match stream {
            Stream::Err => self.stderr.push(line),
            Stream::Out => {
                self.stdout_tail.push(line);
                if self.stdout_tail.len() > STDOUT_TAIL {
                    self.stdout_tail.remove(0);
                }
            }
        }
    }

    /// pip's warnings on stderr, each with its indented continuation lines.
    pub(super) fn warnings(&self) -> Vec<String> {
        warnings_in(&self.stderr)
    }
}

/// The messages worth showing in pip's stderr: those starting `WARNING:`,
/// `DEPRECATION:` or `ERROR:` (pip logs them so; continuation lines are
/// indented), shown without pip's `WARNING: ` prefix.
fn warnings_in(stderr: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut in_warning = false;
    for line in stderr {
        if is_warning_start(line) {
            out.push(shown_warning(line).to_owned());
            in_warning = true;
        } else if in_warning && line.starts_with(char::is_whitespace) && !line.trim().is_empty() {
            let last = out.last_mut().expect("a warning started");
            last.push('\n');
            last.push_str(line);
        } else {
            in_warning = false;
        }
    }
    out
}

/// Whether `line` starts a message worth showing (see [`warnings_in`]).
pub(super) fn is_warning_start(line: &str) -> bool {
    ["WARNING:", "DEPRECATION:", "ERROR:"]
        .iter()
        .any(|p| line.starts_with(p))
}

/// `line` as shown: without pip's `WARNING: ` prefix.
pub(super) fn shown_warning(line: &str) -> &str {
    line.strip_prefix("WARNING: ").unwrap_or(line)
}

/// The progress line while pip runs, from its stdout: the package being
/// resolved and how many so far, then how many are being installed.
#[derive(Debug, Default)]
pub(super) struct Progress {
    collected: usize,
}

impl Progress {
    /// What the progress line says after pip's stdout `line`, when it changes.
    pub(super) fn after(&mut self, line: &str) -> Option<String> {
        if let Some(what) = line
            .strip_prefix("Collecting ")
            .or_else(|| line.strip_prefix("Processing "))
        {
            self.collected += 1;
            let name = what.split_whitespace().next().unwrap_or(what);
            Some(format!(
                "Resolving: {name} ({} so far)",
                packages(self.collected)
            ))
        } else {
            let list = line.strip_prefix("Installing collected packages: ")?;
            Some(format!("Installing {}", packages(list.split(", ").count())))
        }
    }
}

/// `1 package`, `2 packages`.
fn packages(n: usize) -> String {
    format!("{n} package{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pips_warnings_are_picked_out_of_its_stderr_with_their_continuations() {
        let stderr: Vec<String> = [
            "WARNING: extpkg 1.0 does not provide the extra 'with_pyroma'",
            "DEPRECATION: a legacy thing will stop working. Discussion:",
            "  https://github.com/pypa/pip/issues/1",
            "",
            "  not a continuation after a blank line",
            "ERROR: pip's dependency resolver does not currently take into account all the packages that are installed.",
            "Some other line",
            "   indented but not after a warning",
        ]
        .map(str::to_owned)
        .to_vec();
        assert_eq!(
            warnings_in(&stderr),
            vec![
                "extpkg 1.0 does not provide the extra 'with_pyroma'".to_owned(),
                "DEPRECATION: a legacy thing will stop working. Discussion:\n  https://github.com/pypa/pip/issues/1".to_owned(),
                "ERROR: pip's dependency resolver does not currently take into account all the packages that are installed.".to_owned(),
            ]
        );
    }

    #[test]
    fn the_progress_line_counts_packages_in_the_singular_and_plural() {
        let mut progress = Progress::default();
        assert_eq!(
            progress.after("Collecting tinypkg==1.0").as_deref(),
            Some("Resolving: tinypkg==1.0 (1 package so far)")
        );
        assert_eq!(
            progress
                .after("Processing ./wheels/otherpkg-1.0-py3-none-any.whl")
                .as_deref(),
            Some("Resolving: ./wheels/otherpkg-1.0-py3-none-any.whl (2 packages so far)")
        );
        assert_eq!(progress.after("  Downloading x.whl (10 kB)"), None);
        assert_eq!(
            progress
                .after("Installing collected packages: tinypkg")
                .as_deref(),
            Some("Installing 1 package")
        );
        assert_eq!(
            progress
                .after("Installing collected packages: a, b")
                .as_deref(),
            Some("Installing 2 packages")
        );
    }
}
