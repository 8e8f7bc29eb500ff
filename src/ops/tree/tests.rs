use super::walk::{Options, walk};
use super::*;

fn env() -> MarkerEnvironment {
    MarkerEnvironment::try_from(pep508_rs::MarkerEnvironmentBuilder {
        implementation_name: "cpython",
        implementation_version: "3.11.4",
        os_name: "posix",
        platform_machine: "x86_64",
        platform_python_implementation: "CPython",
        platform_release: "6.1",
        platform_system: "Linux",
        platform_version: "#1",
        python_full_version: "3.11.4",
        python_version: "3.11",
        sys_platform: "linux",
    })
    .unwrap()
}

fn dist(name: &str, version: &str, requires: &[&str], requested: bool) -> InstalledDist {
    InstalledDist {
        name: name.into(),
        version: version.into(),
        requires: requires.iter().map(|r| (*r).to_owned()).collect(),
        requires_python: None,
        requested,
    }
}

/// flask → werkzeug → markupsafe, flask → click (colorama only on
/// Windows), httpx[http2] → h2 (an extra the project asked for) →
/// hpack; a cycle a ↔ b; pip installed by itself.
fn dists() -> Vec<InstalledDist> {
    vec![
        dist("a", "1", &["b"], false),
        dist("b", "1", &["a"], false),
        dist(
            "click",
            "8.1.7",
            &["colorama ; platform_system == 'Windows'"],
            false,
        ),
        dist(
            "flask",
            "3.0.0",
            &[
                "Werkzeug>=3.0",
                "click>=8.1.3",
                "asgiref>=3.2 ; extra == 'async'",
            ],
            true,
        ),
        dist("h2", "4.1.0", &["hpack<5,>=4.0"], false),
        dist("hpack", "4.0.0", &[], false),
        dist(
            "httpx",
            "0.27.0",
            &["h2<5,>=3 ; extra == 'http2'", "bad req ((("],
            true,
        ),
        dist("markupsafe", "2.1.5", &[], false),
        dist("pip", "24.0", &[], false),
        dist("werkzeug", "3.0.1", &["MarkupSafe>=2.1.1", "flask"], false),
    ]
}

fn graph() -> Graph {
    let extras = BTreeMap::from([("httpx".to_owned(), BTreeSet::from(["http2".to_owned()]))]);
    build(&dists(), &env(), &extras)
}

fn requested() -> Options {
    Options {
        requested_roots: true,
        ..Options::default()
    }
}

#[test]
fn the_tree_roots_are_the_requested_then_what_nothing_reached() {
    let graph = graph();
    assert_eq!(graph.unreadable.len(), 1, "{:?}", graph.unreadable);
    let lines = render::text(&walk(&graph, &requested()));
    assert_eq!(
        lines,
        [
            "flask v3.0.0",
            "├── werkzeug v3.0.1 (>=3.0)",
            "│   ├── markupsafe v2.1.5 (>=2.1.1)",
            "│   └── flask v3.0.0 (cycle)",
            "└── click v8.1.7 (>=8.1.3)",
            "httpx v0.27.0",
            "└── h2 v4.1.0 (>=3, <5)",
            "    └── hpack v4.0.0 (>=4.0, <5)",
            "pip v24.0",
            "a v1",
            "└── b v1",
            "    └── a v1 (cycle)",
        ]
    );
}

#[test]
fn without_the_extra_its_requirements_do_not_apply() {
    let graph = build(&dists(), &env(), &BTreeMap::new());
    assert!(graph.nodes["httpx"].deps.is_empty());
    // Nor does a marker for another platform.
    assert!(graph.nodes["click"].deps.is_empty());
}

#[test]
fn an_extra_asked_by_an_edge_spreads_to_its_target() {
    let mut all = dists();
    all.push(dist("app", "1", &["httpx[http2]"], true));
    let graph = build(&all, &env(), &BTreeMap::new());
    assert_eq!(
        graph.nodes["httpx"].extras,
        BTreeSet::from(["http2".to_owned()])
    );
    assert_eq!(graph.nodes["httpx"].deps[0].name, "h2");
}

#[test]
fn invert_depth_and_repeats() {
    let graph = graph();
    let inverted = walk(
        &graph,
        &Options {
            packages: vec!["markupsafe".into()],
            invert: true,
            depth: None,
            requested_roots: true,
        },
    );
    assert_eq!(
        render::text(&inverted),
        [
            "markupsafe v2.1.5",
            "└── werkzeug v3.0.1 (>=2.1.1)",
            "    └── flask v3.0.0 (>=3.0)",
            "        └── werkzeug v3.0.1 (cycle)",
        ]
    );
    let shallow = walk(
        &graph,
        &Options {
            packages: vec!["flask".into()],
            invert: false,
            depth: Some(1),
            requested_roots: true,
        },
    );
    assert_eq!(
        render::text(&shallow),
        [
            "flask v3.0.0",
            "├── werkzeug v3.0.1 (>=3.0) (…)",
            "└── click v8.1.7 (>=8.1.3)",
        ]
    );
    // Two requirers of one distribution: expanded once, then marked.
    let mut all = dists();
    all.push(dist("other", "1", &["werkzeug"], true));
    let graph = build(&all, &env(), &BTreeMap::new());
    let lines = render::text(&walk(&graph, &requested()));
    assert!(
        lines.contains(&"└── werkzeug v3.0.1 (*)".to_owned()),
        "{lines:#?}"
    );
    // Every installed distribution appears, inverted too.
    let inverted = render::text(&walk(
        &graph,
        &Options {
            invert: true,
            ..requested()
        },
    ));
    for name in graph.nodes.keys() {
        assert!(
            inverted.iter().any(|l| l.contains(&format!("{name} v"))),
            "{name}: {inverted:#?}"
        );
    }
}

#[test]
fn a_required_distribution_not_installed_is_marked_missing() {
    let all = vec![dist("app", "1", &["gone>=1"], true)];
    let graph = build(&all, &env(), &BTreeMap::new());
    let lines = render::text(&walk(&graph, &requested()));
    assert_eq!(lines, ["app v1", "└── gone (>=1) (missing)"]);
}

#[test]
fn from_a_lock_every_entry_is_requested_so_the_roots_are_what_nothing_requires() {
    let all: Vec<InstalledDist> = dists()
        .into_iter()
        .map(|d| InstalledDist {
            requested: true,
            ..d
        })
        .collect();
    let graph = build(&all, &env(), &BTreeMap::new());
    let lines = render::text(&walk(&graph, &Options::default()));
    let roots: Vec<&String> = lines
        .iter()
        .filter(|l| !l.starts_with(['├', '└', '│', ' ']))
        .collect();
    // flask is required by werkzeug here (a cycle): `a` and `flask` come in
    // as the first of their cycles; click, below flask, is not a root (h2
    // is: without the extra, httpx does not require it).
    assert_eq!(
        roots,
        [
            "h2 v4.1.0",
            "httpx v0.27.0",
            "pip v24.0",
            "a v1",
            "flask v3.0.0"
        ],
        "{lines:#?}"
    );
}

#[test]
fn a_root_met_below_another_is_expanded_as_a_root_only() {
    let mut all = dists();
    // `app` comes first and requires httpx, itself a root.
    all.push(dist("app", "1", &["httpx[http2]"], true));
    let graph = build(&all, &env(), &BTreeMap::new());
    let lines = render::text(&walk(&graph, &requested()));
    assert_eq!(
        lines[..4],
        [
            "app v1",
            "└── httpx[http2] v0.27.0 (*)",
            "flask v3.0.0",
            "├── werkzeug v3.0.1 (>=3.0)"
        ]
    );
    let at = lines
        .iter()
        .position(|l| l == "httpx v0.27.0")
        .expect("httpx is a root");
    assert_eq!(lines[at + 1], "└── h2 v4.1.0 (>=3, <5)");
}
