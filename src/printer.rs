//! The only place that prints. stdout is data (paths, hashes, JSON);
//! stderr is status, warnings and errors. Progress bars appear only on a
//! terminal, never with `-q` or `PENV_NO_PROGRESS`; colour follows
//! `--color` and `NO_COLOR`.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{IsTerminal, Write};
use std::time::Duration;

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when stderr is a terminal and `NO_COLOR` is unset.
    #[default]
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// How much to say, and how.
#[derive(Debug, Clone)]
pub struct Printer {
    quiet: bool,
    verbose: bool,
    color: bool,
    progress: bool,
}

impl Printer {
    /// A printer for these settings.
    #[allow(clippy::fn_params_excessive_bools)]
    pub fn new(
        quiet: bool,
        verbose: bool,
        color: ColorChoice,
        no_color_env: bool,
        no_progress_env: bool,
    ) -> Self {
        let tty = std::io::stderr().is_terminal();
        let color = match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => tty && !no_color_env,
        };
        Self {
            quiet,
            verbose,
            color,
            progress: tty && !quiet && !no_progress_env,
        }
    }

    /// A status line on stderr (silenced by `-q`).
    pub fn status(&self, msg: &str) {
        if !self.quiet {
            to_stderr(&format!("{msg}\n"));
        }
    }

    /// A detail shown with `-v`.
    pub fn verbose(&self, msg: &str) {
        if self.verbose && !self.quiet {
            to_stderr(&format!("{}\n", self.dim(msg)));
        }
    }

    /// A warning on stderr (shown even with `-q`).
    pub fn warn(&self, msg: &str) {
        to_stderr(&format!("{} {msg}\n", self.paint("warning:", "33")));
    }

    /// An error report, already rendered (see `diagnostics::render`).
    pub fn error(&self, rendered: &str) {
        let mut text = rendered.to_owned();
        if self.color {
            text = text.replacen("error:", &self.paint("error:", "1;31"), 1);
            if let Some(pos) = text.rfind("\nhint:") {
                text.replace_range(pos + 1..pos + 6, &self.paint("hint:", "1;36"));
            }
        }
        to_stderr(&text);
    }

    /// A line of data on stdout.
    pub fn data(&self, line: &str) {
        let mut out = std::io::stdout().lock();
        // A closed pipe (`penv hash | head -c0`) is not an error worth a panic.
        let _ = writeln!(out, "{line}");
    }

    /// Whether `-v` was given.
    pub fn is_verbose(&self) -> bool {
        self.verbose
    }

    /// A progress indicator for a step: a spinner on a terminal, else one
    /// plain line now and nothing more.
    pub fn step(&self, msg: &str) -> Progress {
        if self.progress {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(100));
            bar.set_message(msg.to_owned());
            Progress { bar: Some(bar) }
        } else {
            self.status(msg);
            Progress { bar: None }
        }
    }

    fn paint(&self, text: &str, code: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    fn dim(&self, text: &str) -> String {
        self.paint(text, "2")
    }
}

/// Writes to stderr, ignoring a closed pipe (`penv sync 2>&1 | head -1`):
/// losing a message must never abort penv halfway through a rebuild, as
/// `eprintln!`'s panic would.
fn to_stderr(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// A step under way (see [`Printer::step`]).
#[derive(Debug)]
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    /// Updates the message (terminal only).
    pub fn set(&self, msg: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(msg.to_owned());
        }
    }

    /// Runs `f` (which prints) with the spinner hidden, so lines printed
    /// while the step runs do not tangle with it.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    /// Ends the step, leaving nothing behind on the terminal.
    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}
