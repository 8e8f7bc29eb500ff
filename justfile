# What people run. `just ci` is what CI runs (`.ci/run`, the same commands with `--locked`).

default:
    @just --list

# Build penv and run its main job on the offline quick-start example.
quickstart:
    cargo run --release -- -C examples/quickstart run hello.py

# The test suite (the README's test command).
test:
    cargo test

# Everything `test` runs, then the slow tests it leaves out (`#[ignore]`d with
# the reason): the fine kill -9 sweeps and the long real scenarios. CI runs both.
test-all: test
    cargo test --test it -- --ignored --skip oracle_random

# Format and lint checks.
lint:
    cargo fmt --check
    cargo clippy --all-targets -- -D warnings

# The crash-safety suite with a fine kill -9 sweep (every STEP ms of a rebuild), figures shown.
crash STEP="10":
    PENV_CRASH_STEP_MS={{STEP}} cargo test --test it crash -- --include-ignored --nocapture

# Regenerate schema/penv.schema.json from the Rust types (snapbox's overwrite mode).
schema:
    SNAPSHOTS=overwrite cargo test --test it schema

# penv against `python -m venv` + pip and uv (when on PATH): medians, ratios, targets.
# ARGS: --wheelhouse DIR, --bench-dir DIR, --python PATH, --runs N, --only SCENARIO (see --help).
bench *ARGS:
    cargo bench --bench compare -- {{ARGS}}

# What CI runs: the tests, then the format and lint checks.
ci: test-all lint

# Fuzz the project-file loader or the requirement-file reader (not in CI).
# cargo-fuzz needs nightly features; RUSTC_BOOTSTRAP lets the stable toolchain run it.
fuzz TARGET="project_file" SECONDS="300":
    mkdir -p tests/fuzz/corpus/{{TARGET}}
    RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir tests/fuzz {{TARGET}} tests/fuzz/corpus/{{TARGET}} tests/fuzz/seeds/{{TARGET}} -- -max_total_time={{SECONDS}}

# Man pages for penv and each subcommand into target/man/ (`man -l target/man/penv.1`).
man:
    cargo run --release -- generate-man target/man

# The differential oracle: N random steps, each env compared with a build from nothing
# (PENV_ORACLE_SEED picks the seed; PENV_ORACLE_REPLAY replays a sequence a failure printed).
oracle N="500":
    PENV_ORACLE_STEPS={{N}} cargo test --test it e2e::oracle::oracle_random -- --ignored --nocapture

# The import graph of src/, file by file: its cycles and files over 450 lines (fails on either).
graph:
    cargo test --test it graph -- --nocapture
