//! The only place that prints. stdout is data (paths, hashes, JSON);
//! stderr is status, warnings and errors. Progress bars appear only on a
//! terminal, never with `-q` or `PENV_NO_PROGRESS`; colour follows
//! `--color` and `NO_COLOR`. Invariant: text is styled with [`anstyle`]
//! where it is made and written through an [`anstream`] stream that drops
//! the styles when colour is off, so no code paints or re-parses text
//! after it is rendered.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{IsTerminal, Write};
use std::time::Duration;

use anstyle::{AnsiColor, Color, Style};

/// How `warning:` is shown.
const WARNING: Style = Style::new().fg_color(Some(Color::Ansi(AnsiColor::Yellow)));
/// How `-v` details are shown.
const DIM: Style = Style::new().dimmed();

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub(crate) enum ColorChoice {
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
    /// Resolved once: `Always` or `Never`, never `Auto`.
    color: anstream::ColorChoice,
    progress: bool,
}

impl Printer {
    /// A printer for these settings.
    #[allow(clippy::fn_params_excessive_bools)]
    pub(crate) fn new(
        quiet: bool,
        verbose: bool,
        color: ColorChoice,
        no_color_var: bool,
        no_progress_var: bool,
    ) -> Self {
        let tty = std::io::stderr().is_terminal();
        // Decided here rather than by anstream's own `Auto`, which would read
        // `NO_COLOR`, `CLICOLOR*` and `TERM` itself: `env_vars` is the only
        // code that reads the environment, and the README promises exactly
        // `--color` and `NO_COLOR`.
        let colour = match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => tty && !no_color_var,
        };
        let color = if colour {
            anstream::ColorChoice::Always
        } else {
            anstream::ColorChoice::Never
        };
        Self {
            quiet,
            verbose,
            color,
            progress: tty && !quiet && !no_progress_var,
        }
    }

    /// A status line on stderr (silenced by `-q`).
    pub(crate) fn status(&self, msg: &str) {
        if !self.quiet {
            self.to_stderr(&format!("{msg}\n"));
        }
    }

    /// A detail shown with `-v`.
    pub(crate) fn verbose(&self, msg: &str) {
        if self.verbose && !self.quiet {
            self.to_stderr(&format!("{DIM}{msg}{DIM:#}\n"));
        }
    }

    /// A warning on stderr (shown even with `-q`).
    pub(crate) fn warn(&self, msg: &str) {
        self.to_stderr(&format!("{WARNING}warning:{WARNING:#} {msg}\n"));
    }

    /// An error report, already rendered with its styles (see
    /// `diagnostics::render_styled`).
    pub(crate) fn error(&self, rendered: &str) {
        self.to_stderr(rendered);
    }

    /// A line of data on stdout (never styled: it is read by programs).
    // A method, not a free function, so that every output goes through the
    // printer the command was given.
    #[allow(clippy::unused_self)]
    pub(crate) fn data(&self, line: &str) {
        let mut out = std::io::stdout().lock();
        // A closed pipe (`penv hash | head -c0`) is not an error worth a panic.
        let _ = writeln!(out, "{line}");
    }

    /// Whether `-v` was given.
    pub(crate) fn is_verbose(&self) -> bool {
        self.verbose
    }

    /// A progress indicator for a step: a spinner on a terminal, else one
    /// plain line now and nothing more.
    pub(crate) fn step(&self, msg: &str) -> Progress {
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

    /// Writes to stderr, without the styles when colour is off, ignoring a
    /// closed pipe (`penv sync 2>&1 | head -1`): losing a message must never
    /// abort penv halfway through a rebuild, as `eprintln!`'s panic would.
    fn to_stderr(&self, text: &str) {
        write_styled(std::io::stderr().lock(), self.color, text);
    }
}

/// Writes `text` to `raw`, its styles kept (`Always`) or dropped (`Never`).
fn write_styled(
    raw: impl anstream::stream::RawStream + anstream::stream::AsLockedWrite,
    color: anstream::ColorChoice,
    text: &str,
) {
    let _ = anstream::AutoStream::new(raw, color).write_all(text.as_bytes());
}

/// A step under way (see [`Printer::step`]).
#[derive(Debug)]
pub(crate) struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    /// Updates the message (terminal only).
    pub(crate) fn set(&self, msg: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(msg.to_owned());
        }
    }

    /// Runs `f` (which prints) with the spinner hidden, so lines printed
    /// while the step runs do not tangle with it.
    pub(crate) fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    /// Ends the step, leaving nothing behind on the terminal.
    pub(crate) fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(color: anstream::ColorChoice, text: &str) -> String {
        let mut out = Vec::new();
        write_styled(&mut out, color, text);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn styles_reach_the_stream_only_when_colour_is_on() {
        let text = format!("{WARNING}warning:{WARNING:#} low disk\n");
        assert_eq!(written(anstream::ColorChoice::Always, &text), text);
        assert_eq!(
            written(anstream::ColorChoice::Never, &text),
            "warning: low disk\n"
        );
    }

    #[test]
    fn colour_follows_the_flag_then_no_color() {
        use anstream::ColorChoice as Resolved;
        let color = |flag, no_color| Printer::new(false, false, flag, no_color, false).color;
        assert_eq!(color(ColorChoice::Always, true), Resolved::Always);
        assert_eq!(color(ColorChoice::Never, false), Resolved::Never);
        // Under `cargo test` stderr is not a terminal, so `auto` is off.
        assert_eq!(color(ColorChoice::Auto, false), Resolved::Never);
    }
}
