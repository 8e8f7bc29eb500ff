//! penv with each installer (issue 25, item 4): every scenario that
//! installs runs once with penv's default installer (pip) and once with
//! `PENV_INSTALLER=uv`, next to uv itself, in one `just bench` run
//! (`--installer pip|uv|both`; both by default when uv is on `PATH`). The
//! uv pass's rows say so in their name and carry the goals for
//! penv with uv against uv.

use crate::args::Scenario;
use crate::table::{Row, Target};

/// Which installers penv is measured with.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Installers {
    Pip,
    Uv,
    Both,
}

impl Installers {
    /// The passes to run for `scenario` (`true`: penv with uv); a scenario
    /// that installs nothing runs once, with pip.
    pub(crate) fn passes(self, scenario: Scenario, have_uv: bool) -> Vec<bool> {
        let installs = matches!(
            scenario,
            Scenario::Empty
                | Scenario::Cold
                | Scenario::Locked
                | Scenario::Switch
                | Scenario::Derive
                | Scenario::Package
                | Scenario::Real
        );
        match self {
            _ if !installs || !have_uv => vec![false],
            Self::Pip => vec![false],
            Self::Uv => vec![true],
            Self::Both => vec![false, true],
        }
    }
}

/// A row of the uv pass: named so, and with the goal for penv with
/// uv where it sets one (cold ≤ 1.3× uv, from a lock ≤ 1.2×, adding and
/// removing packages ≤ 1.5×, a new checkout ≤ 1×, switching back ≤ 1/3).
pub(crate) fn uv_row(mut row: Row) -> Row {
    let label = row.scenario.to_lowercase();
    let goal = if label.contains("pylock") || label.contains("frozen") || label.contains("locked") {
        Some(Target::UvTimes(1.2))
    } else if label.contains("cold") {
        Some(Target::UvTimes(1.3))
    } else if label.contains("adds") || label.contains("added") || label.contains("removes") {
        Some(Target::UvTimes(1.5))
    } else if label.contains("checkout") || label.contains("worktree") {
        Some(Target::UvTimes(1.0))
    } else if label.contains("switch back") {
        Some(Target::UvOver(3))
    } else {
        None
    };
    if let Some(goal) = goal {
        row.target = goal;
    }
    row.scenario = format!("{} [penv: uv]", row.scenario);
    row
}
