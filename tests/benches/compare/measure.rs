//! Running and timing commands: one wall time per run, medians per column.

use crate::Result;
use crate::table::{Row, Target};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `cmd` to completion and returns its wall time, once the machine
/// has settled ([`settle`]). Its stdout is discarded; a failure is an error
/// that carries its stderr.
pub(crate) fn timed(cmd: &mut Command) -> Result<Duration> {
    settle();
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let out = cmd.output();
    let took = start.elapsed();
    let out = out.map_err(|err| format!("cannot run {}: {err}", shown(cmd)))?;
    if out.status.success() {
        Ok(took)
    } else {
        Err(failed(cmd, &out))
    }
}

/// Waits for the work earlier commands left behind, so that a timed run
/// pays for its own work only: penv's detached processes (up to 30 s: the
/// trash's emptiers, each deleting an env a sync let go of, and the store's
/// keepers, each copying an env a sync built), then the file system's
/// writeback (`sync`). Removing a 2,700-file env leaves a second or more of journal
/// work, which otherwise lands on whichever tool runs next (measured: a
/// penv+uv cold build 0.54 s right after a removal, 0.25 s after `sync`).
pub(crate) fn settle() {
    let deadline = Instant::now() + Duration::from_secs(30);
    while detached_running() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    rustix::fs::sync();
}

/// Whether a detached penv (`penv empty-trash`, `penv store-keep`) is
/// running (Linux's `/proc`; false where there is none).
fn detached_running() -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return false;
    };
    entries.flatten().any(|entry| {
        std::fs::read(entry.path().join("cmdline")).is_ok_and(|cmdline| {
            let mut args = cmdline.split(|b| *b == 0);
            args.next()
                .is_some_and(|program| program.ends_with(b"penv"))
                && args
                    .next()
                    .is_some_and(|command| command == b"empty-trash" || command == b"store-keep")
        })
    })
}

/// Runs `cmd` and returns its stdout, trimmed.
pub(crate) fn capture(cmd: &mut Command) -> Result<String> {
    cmd.stdin(Stdio::null());
    let out = cmd
        .output()
        .map_err(|err| format!("cannot run {}: {err}", shown(cmd)))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    } else {
        Err(failed(cmd, &out))
    }
}

/// The error for a command that exited unsuccessfully: the command, where it
/// ran, its exit status, then its stderr in a fenced block.
pub(crate) fn failed(cmd: &Command, out: &std::process::Output) -> String {
    format!(
        "{} failed ({}):\n```\n{}\n```",
        shown(cmd),
        out.status,
        String::from_utf8_lossy(&out.stderr).trim_end()
    )
}

/// `program args…` in backticks, and the directory it runs in.
pub(crate) fn shown(cmd: &Command) -> String {
    let mut text = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    match cmd.get_current_dir() {
        Some(dir) => format!("`{text}` (in `{}`)", dir.display()),
        None => format!("`{text}`"),
    }
}

/// The wall times of one command, run after run; the first `warmups`
/// pushed are not kept.
pub(crate) struct Samples {
    pub(crate) warmups: usize,
    pub(crate) times: Vec<Duration>,
}

impl Samples {
    pub(crate) fn skipping(warmups: usize) -> Self {
        Self {
            warmups,
            times: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, took: Duration) {
        if self.warmups > 0 {
            self.warmups -= 1;
        } else {
            self.times.push(took);
        }
    }

    /// The median in seconds (the mean of the middle two for an even
    /// count); `None` when nothing was measured.
    pub(crate) fn median(&self) -> Option<f64> {
        let mut sorted = self.times.clone();
        sorted.sort_unstable();
        let mid = sorted.len() / 2;
        match sorted.len() {
            0 => None,
            len if len % 2 == 1 => Some(sorted[mid].as_secs_f64()),
            _ => Some(f64::midpoint(
                sorted[mid - 1].as_secs_f64(),
                sorted[mid].as_secs_f64(),
            )),
        }
    }
}

/// One scenario step's samples, per column of the table.
pub(crate) struct Columns {
    pub(crate) penv: Samples,
    pub(crate) hand: Samples,
    pub(crate) uv: Samples,
}

impl Columns {
    /// Empty columns that drop their first `warmups` samples each.
    pub(crate) fn skipping(warmups: usize) -> Self {
        Self {
            penv: Samples::skipping(warmups),
            hand: Samples::skipping(warmups),
            uv: Samples::skipping(warmups),
        }
    }

    /// The table row of these medians.
    pub(crate) fn row(&self, scenario: &str, runs: usize, target: Target) -> Row {
        Row {
            scenario: scenario.to_owned(),
            runs: runs.to_string(),
            penv: self.penv.median(),
            by_hand: self.hand.median(),
            uv: self.uv.median(),
            target,
        }
    }
}
