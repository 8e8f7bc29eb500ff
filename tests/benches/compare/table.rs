//! The table of medians, ratios and targets, and the notes under it.

use crate::tools::Bench;

/// One line of the table: medians in seconds (an overhead can be negative
/// when it is lost in the noise), `None` where not measured.
pub(crate) struct Row {
    pub(crate) scenario: String,
    pub(crate) runs: String,
    pub(crate) penv: Option<f64>,
    pub(crate) by_hand: Option<f64>,
    pub(crate) uv: Option<f64>,
    pub(crate) target: Target,
}

/// What penv's figure should be, from the issue.
pub(crate) enum Target {
    None,
    /// At most this many seconds.
    AtMost(f64),
    /// At most the by-hand figure divided by this.
    ByHandOver(u32),
    /// At most uv's figure divided by this.
    UvOver(u32),
    /// At most the by-hand figure times this.
    ByHandTimes(f64),
    /// At most uv's figure times this (penv installing with uv).
    UvTimes(f64),
}

impl Target {
    pub(crate) fn text(&self) -> String {
        match self {
            Self::None => String::new(),
            Self::AtMost(limit) => format!("<= {}", seconds(*limit)),
            Self::ByHandOver(k) => format!("<= 1/{k} by hand"),
            Self::UvOver(k) => format!("<= 1/{k} uv"),
            Self::ByHandTimes(k) => format!("<= {k}x by hand"),
            Self::UvTimes(k) => format!("<= {k}x uv"),
        }
    }

    /// PASS or MISS, or why it could not be judged.
    pub(crate) fn met(&self, row: &Row) -> String {
        let limit = match self {
            Self::None => return String::new(),
            Self::AtMost(limit) => Some(*limit),
            Self::ByHandOver(k) => row.by_hand.map(|hand| hand / f64::from(*k)),
            Self::UvOver(k) => row.uv.map(|uv| uv / f64::from(*k)),
            Self::ByHandTimes(k) => row.by_hand.map(|hand| hand * k),
            Self::UvTimes(k) => row.uv.map(|uv| uv * k),
        };
        match (row.penv, limit) {
            (Some(penv), Some(limit)) if penv <= limit => "PASS".into(),
            (Some(_), Some(_)) => "MISS".into(),
            (_, None) if matches!(self, Self::UvOver(_) | Self::UvTimes(_)) => {
                "not measured (no uv)".into()
            }
            _ => "not measured".into(),
        }
    }
}

pub(crate) fn print_table(rows: &[Row]) {
    const HEADER: [&str; 9] = [
        "scenario",
        "runs",
        "penv",
        "by hand",
        "uv",
        "penv/by hand",
        "penv/uv",
        "target",
        "met",
    ];
    // Numbers right-aligned, text left-aligned.
    const RIGHT: [bool; 9] = [false, true, true, true, true, true, true, false, false];
    let cells: Vec<[String; 9]> = rows
        .iter()
        .map(|row| {
            [
                row.scenario.clone(),
                row.runs.clone(),
                row.penv.map_or_else(dash, seconds),
                row.by_hand.map_or_else(dash, seconds),
                row.uv.map_or_else(dash, seconds),
                ratio(row.penv, row.by_hand),
                ratio(row.penv, row.uv),
                row.target.text(),
                row.target.met(row),
            ]
        })
        .collect();
    let mut widths = HEADER.map(str::len);
    for line in &cells {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let print_line = |line: &[String; 9]| {
        print!("|");
        for ((cell, width), right) in line.iter().zip(widths).zip(RIGHT) {
            if right {
                print!(" {cell:>width$} |");
            } else {
                print!(" {cell:<width$} |");
            }
        }
        println!();
    };
    print_line(&HEADER.map(str::to_owned));
    // Markdown's rule: `---:` marks a right-aligned column.
    print!("|");
    for (width, right) in widths.iter().zip(RIGHT) {
        if right {
            print!("{}:|", "-".repeat(width + 1));
        } else {
            print!("{}|", "-".repeat(width + 2));
        }
    }
    println!();
    for line in &cells {
        print_line(line);
    }
}

/// What each column did, under the table.
pub(crate) fn print_notes(b: &Bench) {
    let wheelhouse = b.wheelhouse.display();
    print!(
        r"by hand: `python -m venv DIR` (pip through ensurepip), then
         `DIR/bin/python -m pip install --no-index --find-links {wheelhouse} -r FILE`;
         a no-op sync and a switch by hand re-run that `pip install -r` in the same env
         (it adds, never removes); the run row's by-hand figure is `.venv/bin/python -c pass`;
         from pylock.toml: `python -m venv` + `pip install --no-deps --require-hashes -r`
         of the pinned files penv gave pip (`name==version --hash`, from the wheelhouse).
"
    );
    match &b.uv {
        Some(_) => print!(
            r"uv:      empty env: `uv venv` + `uv pip install pip` (the bundled pip wheel); otherwise
         `uv sync` of a pyproject.toml holding the same requirements (it writes uv.lock),
         `uv run`; a private cache per scenario, warmed before it is timed;
         from pylock.toml: `uv venv` + `uv pip install -r pylock.toml`, empty cache.
"
        ),
        None => println!("uv:      not on PATH, so not measured"),
    }
    print!(
        r"penv:    penv.toml with the same python and requirements; its cache (pip seed) warm;
         rows marked [penv: uv]: `PENV_INSTALLER=uv` (its own uv cache, warm but for the cold
         build; uv hard-links from its cache, uv's default and penv's `auto` with uv).
overhead = median of `X run python -c pass` - median of that env's `.venv/bin/python -c pass`.
"
    );
    if let Some(load) = load_average() {
        println!("load average at the end: {load}");
    }
}

/// The 1, 5 and 15 minute load averages (Linux): other work on the machine
/// shows in the figures, so the header and the notes say how busy it was.
pub(crate) fn load_average() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    Some(
        text.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
    )
}

pub(crate) fn dash() -> String {
    "-".into()
}

/// A duration for people: `1.54 s`, `15.9 ms`, `0.31 ms`.
pub(crate) fn seconds(secs: f64) -> String {
    let ms = secs * 1000.0;
    if secs.abs() >= 1.0 {
        format!("{secs:.2} s")
    } else if ms.abs() >= 10.0 {
        format!("{ms:.0} ms")
    } else if ms.abs() >= 1.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.2} ms")
    }
}

/// `penv / other` with two significant digits, or `-` when either is
/// missing or not positive (an overhead lost in the noise can be negative,
/// and a ratio to it means nothing).
pub(crate) fn ratio(penv: Option<f64>, other: Option<f64>) -> String {
    match (penv, other) {
        (Some(penv), Some(other)) if penv > 0.0 && other > 0.0 => {
            let r = penv / other;
            if r.abs() >= 10.0 {
                format!("{r:.0}x")
            } else if r.abs() >= 1.0 {
                format!("{r:.1}x")
            } else if r.abs() >= 0.1 {
                format!("{r:.2}x")
            } else {
                format!("{r:.3}x")
            }
        }
        _ => dash(),
    }
}
