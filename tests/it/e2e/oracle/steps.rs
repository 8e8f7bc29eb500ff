//! What the oracle does to its subject: the steps, the model of the project
//! they edit (a plain value, so a sequence can be generated, printed,
//! parsed back and shrunk without running anything), and the seeded
//! generator.
//!
//! Every step is defined on every model (removing a package that is not
//! there changes nothing), so any subsequence of a sequence is a sequence:
//! that is what lets the shrinker drop steps freely.

use std::collections::BTreeMap;
use std::fmt;

/// Packages a step can require or drop (all in the project's `./wheels`).
pub(super) const REQUIRABLE: [&str; 5] = ["alpha", "beta", "flpkg", "pyjwt-ish", "jwt-ish"];

/// The versions of the packages that have several, for pins.
pub(super) const VERSIONS: [(&str, &[&str]); 2] =
    [("alpha", &["1.0", "2.0", "3.0"]), ("beta", &["1.0", "2.0"])];

/// splitmix64: small, seedable, and the same on every machine.
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub(super) fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).expect("below n")
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// How a step's sync installs: penv.toml's requirements, or the lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum SyncMode {
    /// `penv sync` (which locks again first when a lock is out of date).
    Plain,
    /// `penv sync --locked`.
    Locked,
    /// `penv sync --frozen`.
    Frozen,
}

/// Which rebuildable wheel a [`Step::Rebuild`] writes again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Rebuilt {
    /// `flpkg` in the `find-links` directory `./wheels`.
    FindLinks,
    /// `./dist/xlocal-1.0-py3-none-any.whl`, named in `requirements.txt`.
    Dist,
}

/// One edit of the project (or of where it is synced), then a sync.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Step {
    /// Require the package, unpinned.
    Require(&'static str),
    /// Remove the package from the requirements.
    Drop(&'static str),
    /// Pin the package to a version (an upgrade or a downgrade).
    Pin(&'static str, &'static str),
    /// Sync with `--group dev` (on) or without.
    Group(bool),
    /// `[pip] compile-bytecode`.
    Compile(bool),
    /// Write `pylock.toml` with `penv lock`, and sync it this way from now on.
    Lock(SyncMode),
    /// Delete `pylock.toml`.
    Unlock,
    /// The wheel rebuilt with new code, the same version and file name;
    /// `same_size`: the new bytes are as many as the old.
    Rebuild { wheel: Rebuilt, same_size: bool },
    /// Name `./dist/xlocal-1.0-py3-none-any.whl` in `requirements.txt`.
    Direct(bool),
    /// The project itself installed (`package = true`): package `oapp`,
    /// its dependency `gamma` static in `pyproject.toml`.
    Package(bool),
    /// Sync a second checkout of the project (the same files, another
    /// directory, the same store) instead of the subject.
    Checkout,
    /// Switch back to the project as it was this many steps ago.
    Back(usize),
}

/// The project as the steps have left it; [`super::project::render`] writes
/// it out (`pylock.toml` apart, which `penv lock` writes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Model {
    /// Requirement name → pinned version.
    pub(super) reqs: BTreeMap<&'static str, Option<&'static str>>,
    pub(super) group: bool,
    pub(super) compile: bool,
    /// `Some` when the project has a `pylock.toml`, and how it is synced.
    pub(super) lock: Option<SyncMode>,
    pub(super) direct: bool,
    pub(super) package: bool,
    pub(super) find_links_code: Code,
    pub(super) dist_code: Code,
}

/// Which build of a rebuildable wheel is on disk: each rebuild is a new
/// generation; the padding changes only when the size is to change.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Code {
    pub(super) generation: u32,
    pub(super) padding: u32,
}

impl Model {
    /// Where every sequence starts: `alpha`, nothing else.
    pub(super) fn initial() -> Self {
        Self {
            reqs: BTreeMap::from([("alpha", None)]),
            group: false,
            compile: false,
            lock: None,
            direct: false,
            package: false,
            find_links_code: Code::default(),
            dist_code: Code::default(),
        }
    }

    /// The `sync` (and `sync --check`) options this model is synced with.
    pub(super) fn sync_flags(&self) -> Vec<&'static str> {
        let mut flags = Vec::new();
        // Groups are kept until a command line chooses again: the model
        // always chooses, the defaults by name.
        if self.group {
            flags.extend(["--group", "dev"]);
        } else {
            flags.push("--default-groups");
        }
        match self.lock {
            Some(SyncMode::Locked) => flags.push("--locked"),
            Some(SyncMode::Frozen) => flags.push("--frozen"),
            Some(SyncMode::Plain) | None => {}
        }
        flags
    }

    /// Whether pip can resolve it (`beta` 2.0 needs `alpha>=2`).
    fn resolvable(&self) -> bool {
        !(self.reqs.get("alpha") == Some(&Some("1.0"))
            && self.reqs.get("beta") == Some(&Some("2.0")))
    }

    /// The model after `step` (the same model for the steps that change
    /// where or which files are synced, not what the project says:
    /// [`Step::Checkout`], [`Step::Back`] — the timeline handles those).
    fn after(&self, step: Step) -> Self {
        let mut next = self.clone();
        match step {
            Step::Require(name) => {
                next.reqs.insert(name, None);
            }
            Step::Drop(name) => {
                next.reqs.remove(name);
            }
            Step::Pin(name, version) => {
                next.reqs.insert(name, Some(version));
            }
            Step::Group(on) => next.group = on,
            Step::Compile(on) => next.compile = on,
            Step::Lock(mode) => next.lock = Some(mode),
            Step::Unlock => next.lock = None,
            Step::Rebuild { wheel, same_size } => {
                let code = match wheel {
                    Rebuilt::FindLinks => &mut next.find_links_code,
                    Rebuilt::Dist => &mut next.dist_code,
                };
                code.generation += 1;
                if !same_size {
                    code.padding += 1;
                }
            }
            Step::Direct(on) => next.direct = on,
            Step::Package(on) => next.package = on,
            Step::Checkout | Step::Back(_) => {}
        }
        next
    }

    /// Whether `penv lock` runs before this step's sync: when the project
    /// keeps a lock synced with `--locked`/`--frozen` (a user keeps it up to
    /// date), when the lock is written, and when a wheel was rebuilt (the
    /// lock's sha256 updated for its new bytes). A plain sync locks again by
    /// itself when penv.toml changed.
    pub(super) fn locks_before(&self, step: Step) -> bool {
        match self.lock {
            None => false,
            Some(SyncMode::Plain) => matches!(step, Step::Lock(_) | Step::Rebuild { .. }),
            Some(_) => !matches!(step, Step::Back(_) | Step::Checkout),
        }
    }
}

/// The models after each step so far (the first is [`Model::initial`]).
pub(super) struct Timeline(pub(super) Vec<Model>);

impl Timeline {
    pub(super) fn new() -> Self {
        Self(vec![Model::initial()])
    }

    /// Applies `step`; returns the index of the model it went back to for
    /// [`Step::Back`].
    pub(super) fn push(&mut self, step: Step) -> Option<usize> {
        let last = self.0.last().expect("a timeline starts with a model");
        let (next, back) = match step {
            Step::Back(k) => {
                let index = self.0.len().saturating_sub(1 + k);
                (self.0[index].clone(), Some(index))
            }
            other => (last.after(other), None),
        };
        self.0.push(next);
        back
    }

    pub(super) fn now(&self) -> &Model {
        self.0.last().expect("a timeline starts with a model")
    }
}

/// `n` steps from `seed`: each chosen for the model as it is then (a
/// package to drop is one that is there), and none that leaves a spec pip
/// cannot resolve.
pub(super) fn generate(seed: u64, n: usize) -> Vec<Step> {
    let mut rng = Rng::new(seed);
    let mut timeline = Timeline::new();
    let mut steps = Vec::with_capacity(n);
    while steps.len() < n {
        let model = timeline.now();
        let Some(step) = candidate(&mut rng, model, timeline.0.len()) else {
            continue;
        };
        if !model.after(step).resolvable()
            || (matches!(step, Step::Back(_)) && timeline.0.len() < 2)
        {
            continue;
        }
        timeline.push(step);
        steps.push(step);
    }
    steps
}

/// One random step for `model`, or `None` when the kind drawn does not apply.
fn candidate(rng: &mut Rng, model: &Model, history: usize) -> Option<Step> {
    let present: Vec<&'static str> = model.reqs.keys().copied().collect();
    let absent: Vec<&'static str> = REQUIRABLE
        .into_iter()
        .filter(|n| !model.reqs.contains_key(n))
        .collect();
    Some(match rng.below(14) {
        0 | 1 => Step::Require(absent.get(rng.below(absent.len().max(1)))?),
        2 | 3 => Step::Drop(present.get(rng.below(present.len().max(1)))?),
        4 | 5 => {
            let (name, versions) = rng.pick(&VERSIONS);
            Step::Pin(name, rng.pick(versions))
        }
        // One draw more only here: the CI seeds never draw 6.
        6 if rng.below(2) == 0 => Step::Package(!model.package),
        6 => Step::Group(!model.group),
        7 => Step::Compile(!model.compile),
        8 => match model.lock {
            Some(_) if rng.below(2) == 0 => Step::Unlock,
            _ => Step::Lock(rng.pick(&[SyncMode::Plain, SyncMode::Locked, SyncMode::Frozen])),
        },
        9 | 10 => Step::Rebuild {
            wheel: rng.pick(&[Rebuilt::FindLinks, Rebuilt::Dist]),
            same_size: rng.below(2) == 0,
        },
        11 => Step::Direct(!model.direct),
        12 => Step::Checkout,
        _ => Step::Back(1 + rng.below(history.min(3))),
    })
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let on = |b: bool| if b { "on" } else { "off" };
        match self {
            Step::Require(name) => write!(f, "require {name}"),
            Step::Drop(name) => write!(f, "drop {name}"),
            Step::Pin(name, version) => write!(f, "pin {name} {version}"),
            Step::Group(b) => write!(f, "group {}", on(*b)),
            Step::Compile(b) => write!(f, "compile {}", on(*b)),
            Step::Lock(mode) => write!(f, "lock {}", format!("{mode:?}").to_lowercase()),
            Step::Unlock => write!(f, "unlock"),
            Step::Rebuild { wheel, same_size } => write!(
                f,
                "rebuild {} {}",
                if *wheel == Rebuilt::FindLinks {
                    "find-links"
                } else {
                    "dist"
                },
                if *same_size { "same-size" } else { "new-size" }
            ),
            Step::Direct(b) => write!(f, "direct {}", on(*b)),
            Step::Package(b) => write!(f, "package {}", on(*b)),
            Step::Checkout => write!(f, "checkout"),
            Step::Back(k) => write!(f, "back {k}"),
        }
    }
}

/// A sequence as it is printed: the steps separated by `; `.
pub(super) fn render_sequence(steps: &[Step]) -> String {
    steps
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Parses what [`render_sequence`] prints (`PENV_ORACLE_REPLAY`).
pub(super) fn parse_sequence(text: &str) -> Result<Vec<Step>, String> {
    text.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(parse_step)
        .collect()
}

fn parse_step(text: &str) -> Result<Step, String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let name = |word: &str| {
        REQUIRABLE
            .into_iter()
            .find(|n| *n == word)
            .ok_or_else(|| format!("`{word}` is not one of {REQUIRABLE:?}"))
    };
    let version = |pkg: &str, word: &str| {
        VERSIONS
            .iter()
            .find(|(n, _)| *n == pkg)
            .and_then(|(_, vs)| vs.iter().copied().find(|v| *v == word))
            .ok_or_else(|| format!("`{pkg}` has no version `{word}`"))
    };
    let on = |word: &str| match word {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err(format!("`{word}` is not on or off")),
    };
    Ok(match words.as_slice() {
        ["require", n] => Step::Require(name(n)?),
        ["drop", n] => Step::Drop(name(n)?),
        ["pin", n, v] => Step::Pin(name(n)?, version(n, v)?),
        ["group", b] => Step::Group(on(b)?),
        ["compile", b] => Step::Compile(on(b)?),
        ["lock", "plain"] => Step::Lock(SyncMode::Plain),
        ["lock", "locked"] => Step::Lock(SyncMode::Locked),
        ["lock", "frozen"] => Step::Lock(SyncMode::Frozen),
        ["unlock"] => Step::Unlock,
        ["rebuild", w, s] => Step::Rebuild {
            wheel: match *w {
                "find-links" => Rebuilt::FindLinks,
                "dist" => Rebuilt::Dist,
                _ => return Err(format!("`{w}` is not find-links or dist")),
            },
            same_size: match *s {
                "same-size" => true,
                "new-size" => false,
                _ => return Err(format!("`{s}` is not same-size or new-size")),
            },
        },
        ["direct", b] => Step::Direct(on(b)?),
        ["package", b] => Step::Package(on(b)?),
        ["checkout"] => Step::Checkout,
        ["back", k] => Step::Back(k.parse().map_err(|e| format!("`{k}`: {e}"))?),
        _ => return Err(format!("`{text}` is not a step")),
    })
}

#[test]
fn sequences_print_and_parse_back_and_generation_is_deterministic() {
    let steps = generate(7, 60);
    assert_eq!(steps, generate(7, 60));
    assert_eq!(parse_sequence(&render_sequence(&steps)), Ok(steps));
}
