//! The subject's files: a [`Model`] rendered as a project (penv.toml, a
//! requirement file, the wheelhouse `./wheels` it finds links in, a wheel
//! in `./dist`), and whole projects read and written as trees of bytes — so
//! a second checkout, a branch switch and a build from nothing all get the
//! same files, and the oracle keys its fresh builds by those bytes.
//!
//! Every wheel lives inside the project: copying the project copies the
//! wheelhouse, as a checkout of a repository that vendors its wheels does.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use super::steps::{Code, Model};
use crate::common::build_wheel_files;

/// A project's files by path relative to its root (`/`-separated), without
/// the env and penv's own directory.
pub(crate) type Tree = BTreeMap<String, Vec<u8>>;

/// What a project's tree leaves out: the env and `.penv` (stash, staging).
const NOT_PROJECT_FILES: [&str; 2] = [".venv", ".penv"];

/// The wheel `./dist` holds and `requirements.txt` may name.
pub(super) const DIST_WHEEL: &str = "dist/xlocal-1.0-py3-none-any.whl";

/// Test wheels built once each (by their contents) and kept as bytes.
pub(super) struct Wheels {
    scratch: PathBuf,
    built: HashMap<String, (String, Vec<u8>)>,
}

impl Wheels {
    pub(super) fn new(scratch: PathBuf) -> Self {
        std::fs::create_dir_all(&scratch).unwrap();
        Self {
            scratch,
            built: HashMap::new(),
        }
    }

    /// The file name and bytes of the wheel with these contents.
    fn get(
        &mut self,
        name: &str,
        version: &str,
        requires: &[&str],
        files: &[(&str, &str)],
    ) -> (String, Vec<u8>) {
        let key = format!("{name} {version} {requires:?} {files:?}");
        self.built
            .entry(key)
            .or_insert_with(|| {
                let path = build_wheel_files(&self.scratch, name, version, requires, files);
                let bytes = std::fs::read(&path).unwrap();
                std::fs::remove_file(&path).unwrap();
                let file = path.file_name().unwrap().to_string_lossy().into_owned();
                (file, bytes)
            })
            .clone()
    }
}

/// A rebuildable module's source: its generation, fixed width (a rebuild
/// of the same size has other bytes, not other lengths), then padding.
fn code(name: &str, code: Code) -> String {
    format!(
        "NAME = {name:?}\nCODE = \"g{:06}\"\n# {}\n",
        code.generation,
        "x".repeat(code.padding as usize)
    )
}

/// The model as project files (`pylock.toml` apart: `penv lock` writes it).
pub(super) fn render(model: &Model, python: &Path, wheels: &mut Wheels) -> Tree {
    let mut tree = Tree::new();
    let requirements: Vec<String> = model
        .reqs
        .iter()
        .map(|(name, pin)| match pin {
            Some(version) => format!("{:?}", format!("{name}=={version}")),
            None => format!("{name:?}"),
        })
        .collect();
    let toml = format!(
        "{}python = {:?}\nrequirements = [{}]\nrequirement-files = [\"requirements.txt\"]\n\n\
         [groups]\ndev = [\"gamma\"]\n\n\
         [pip]\nfind-links = [\"./wheels\"]\nno-index = true\ncompile-bytecode = {}\n",
        if model.package {
            "package = true\n"
        } else {
            ""
        },
        python.display().to_string(),
        requirements.join(", "),
        model.compile
    );
    tree.insert("penv.toml".into(), toml.into_bytes());
    if model.package {
        let pyproject = "[build-system]\nrequires = []\nbuild-backend = \"backend\"\nbackend-path = [\".\"]\n\n\
                         [project]\nname = \"oapp\"\nversion = \"1.0\"\ndependencies = [\"gamma\"]\n";
        tree.insert("pyproject.toml".into(), pyproject.into());
        tree.insert("backend.py".into(), super::super::pyproject::BACKEND.into());
        tree.insert("oapp.py".into(), "VERSION = \"1.0\"\n".into());
    }
    let mut lines = String::from("# local wheels, by path\n");
    if model.direct {
        lines = lines + "./" + DIST_WHEEL + "\n";
    }
    tree.insert("requirements.txt".into(), lines.into_bytes());
    let module = |name: &str, version: &str| format!("NAME = {name:?}\nVERSION = {version:?}\n");
    let shared = "\"\"\"One module, two distributions (as PyJWT and jwt).\"\"\"\n";
    let mut put = |dir: &str, (file, bytes): (String, Vec<u8>)| {
        tree.insert(format!("{dir}/{file}"), bytes);
    };
    for version in ["1.0", "2.0", "3.0"] {
        let src = module("alpha", version);
        put(
            "wheels",
            wheels.get("alpha", version, &[], &[("alpha/__init__.py", &src)]),
        );
    }
    let beta = |v: &str| module("beta", v);
    put(
        "wheels",
        wheels.get("beta", "1.0", &[], &[("beta/__init__.py", &beta("1.0"))]),
    );
    put(
        "wheels",
        wheels.get(
            "beta",
            "2.0",
            &["alpha>=2"],
            &[("beta/__init__.py", &beta("2.0"))],
        ),
    );
    let gamma = module("gamma", "1.0");
    put(
        "wheels",
        wheels.get("gamma", "1.0", &[], &[("gamma/__init__.py", &gamma)]),
    );
    for dist in ["pyjwt-ish", "jwt-ish"] {
        let own = format!("{}/__init__.py", dist.replace('-', "_"));
        let files = [("sharedmod/__init__.py", shared), (own.as_str(), "")];
        put("wheels", wheels.get(dist, "1.0", &[], &files));
    }
    let flpkg = code("flpkg", model.find_links_code);
    put(
        "wheels",
        wheels.get("flpkg", "1.0", &[], &[("flpkg/__init__.py", &flpkg)]),
    );
    let xlocal = code("xlocal", model.dist_code);
    put(
        "dist",
        wheels.get("xlocal", "1.0", &[], &[("xlocal/__init__.py", &xlocal)]),
    );
    tree
}

/// The project's files under `root`, as bytes.
pub(crate) fn read_tree(root: &Path) -> Tree {
    let mut tree = Tree::new();
    let walk = walkdir::WalkDir::new(root)
        .min_depth(1)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() != 1 || !NOT_PROJECT_FILES.iter().any(|n| e.file_name() == *n));
    for entry in walk {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(root).unwrap();
            let bytes = std::fs::read(entry.path()).unwrap();
            tree.insert(rel.to_string_lossy().into_owned(), bytes);
        }
    }
    tree
}

/// Makes the project files under `root` exactly `tree`: files it lacks are
/// deleted, files whose bytes differ written (the others left alone, as a
/// `git checkout` leaves them); the env and `.penv` are not touched.
pub(crate) fn write_tree(root: &Path, tree: &Tree) {
    std::fs::create_dir_all(root).unwrap();
    for rel in read_tree(root).keys() {
        if !tree.contains_key(rel) {
            std::fs::remove_file(root.join(rel)).unwrap();
        }
    }
    for (rel, bytes) in tree {
        let path = root.join(rel);
        if std::fs::read(&path).ok().as_deref() != Some(bytes.as_slice()) {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, bytes).unwrap();
        }
    }
}

/// The oracle's own key for a build from nothing: every project file's path
/// and bytes (the wheelhouse and `./dist` included, so every wheel's sha256
/// is in it) and the sync options — never penv's spec hash, which is what
/// is under test.
pub(super) fn build_key(tree: &Tree, flags: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for (rel, bytes) in tree {
        hasher.update(rel.as_bytes());
        hasher.update([0]);
        hasher.update(Sha256::digest(bytes));
    }
    hasher.update(flags.join(" ").as_bytes());
    hex::encode(hasher.finalize())
}
