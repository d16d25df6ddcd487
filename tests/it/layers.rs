//! The layers of the crate: no top-level module imports one that imports it back.
//!
//! Read off the source, not the compiled crate: every `crate::name` outside a module's tests is
//! an edge from the module to `name`. The graph must have no cycle, which keeps the pipeline
//! (grammar → syntax → ast → num → engine → trace → render → the doors) readable from the
//! folders.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Top-level module → the top-level modules its code (tests excluded) names.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph = BTreeMap::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if name == "lib" || name == "main" {
            continue;
        }
        let mut files = Vec::new();
        collect_rs(&path, &mut files);
        let mut names = BTreeSet::new();
        for file in files {
            if file.file_stem().is_some_and(|stem| stem == "test") {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap();
            // A module's unit tests sit at its end; what they use is not a layer.
            let code = text.split("#[cfg(test)]\nmod test").next().unwrap_or("");
            for (at, _) in code.match_indices("crate::") {
                let rest = &code[at + "crate::".len()..];
                let used: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !used.is_empty() && used != name {
                    names.insert(used);
                }
            }
        }
        graph.insert(name, names);
    }
    graph
}

fn collect_rs(path: &Path, files: &mut Vec<std::path::PathBuf>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            collect_rs(&entry.unwrap().path(), files);
        }
    } else if path.extension().is_some_and(|ext| ext == "rs") {
        files.push(path.to_path_buf());
    }
}

#[test]
fn no_top_level_module_imports_one_that_imports_it_back() {
    let graph = imports();
    assert!(
        graph.contains_key("syntax") && graph.contains_key("engine"),
        "{graph:?}"
    );
    // Depth-first search for a cycle, with an explicit stack.
    for start in graph.keys() {
        let mut stack: Vec<(String, Vec<String>)> = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((module, path)) = stack.pop() {
            for next in graph.get(&module).into_iter().flatten() {
                assert!(
                    next != start,
                    "import cycle: {} → {start}",
                    path.join(" → ")
                );
                if graph.contains_key(next) && seen.insert(next.clone()) {
                    let mut longer = path.clone();
                    longer.push(next.clone());
                    stack.push((next.clone(), longer));
                }
            }
        }
    }
    // The leaves import nothing of the crate.
    for leaf in ["ops", "span", "units"] {
        assert!(graph[leaf].is_empty(), "{leaf} imports {:?}", graph[leaf]);
    }
}
