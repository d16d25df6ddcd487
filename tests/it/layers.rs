//! The layers of the crate: no top-level module imports one that imports it back, and no room
//! of the engine or the REPL imports one of its siblings that imports it back.
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

/// The rooms of folder `src/{folder}`: each child module (a file or a folder of its own; `mod`
/// for the folder's `mod.rs`) → the siblings its code (tests excluded) names. An item of
/// `mod.rs`, re-exports included, is an edge to `mod`: a room imports a sibling's item from the
/// sibling.
fn rooms(folder: &str) -> BTreeMap<String, BTreeSet<String>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join(folder);
    let children: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            path.file_stem().unwrap().to_string_lossy().into_owned()
        })
        .filter(|name| name != "mod" && !name.starts_with("test"))
        .collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut files = Vec::new();
    collect_rs(&dir, &mut files);
    for file in files {
        let relative = file.strip_prefix(&dir).unwrap();
        let parts: Vec<String> = relative
            .with_extension("")
            .iter()
            .map(|part| part.to_string_lossy().into_owned())
            .collect();
        if parts.last().is_some_and(|last| last.starts_with("test")) {
            continue;
        }
        let room = if parts.len() == 1 && parts[0] == "mod" {
            "mod".to_string()
        } else {
            parts[0].clone()
        };
        let text = std::fs::read_to_string(&file).unwrap();
        let code = text.split("#[cfg(test)]\nmod test {").next().unwrap_or("");
        let code: String = code
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        // The prefixes by which this file names the folder's children.
        let mut prefixes = vec![format!("crate::{folder}::")];
        // `super::` climbs one module: from `a/b.rs` (module `a::b`) two of them reach the
        // folder, from `a/mod.rs` (module `a`) one.
        let climbs = parts.len() - usize::from(parts.last().is_some_and(|last| last == "mod"));
        prefixes.push(match climbs {
            0 => "self::".into(),
            n => "super::".repeat(n),
        });
        let mut used = BTreeSet::new();
        for prefix in &prefixes {
            for (at, _) in code.match_indices(prefix.as_str()) {
                // `super::super::x` also contains `super::x`: only the whole prefix counts.
                if prefix.starts_with("super::") && code[..at].ends_with("super::") {
                    continue;
                }
                let rest = &code[at + prefix.len()..];
                if let Some(group) = rest.strip_prefix('{') {
                    let group = &group[..group.find('}').unwrap_or(group.len())];
                    for item in group.split(',') {
                        let word: String = item
                            .trim()
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                            .collect();
                        used.insert(word);
                    }
                } else {
                    let word: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    used.insert(word);
                }
            }
        }
        if room == "mod" {
            // mod.rs names its children bare: `child::item`.
            for child in &children {
                let bare = format!("{child}::");
                if code.match_indices(bare.as_str()).any(|(at, _)| {
                    !code[..at].ends_with(|c: char| c == ':' || c == '_' || c.is_alphanumeric())
                }) {
                    used.insert(child.clone());
                }
            }
        }
        let edges = graph.entry(room.clone()).or_default();
        for word in used {
            if word.is_empty() || word == "self" || word == "super" {
                continue;
            }
            let target = if children.contains(&word) {
                word
            } else {
                "mod".to_string()
            };
            if target != room {
                edges.insert(target);
            }
        }
    }
    graph
}

/// A cycle of `graph`, if it has one, as the path that closes it.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    for start in graph.keys() {
        let mut stack: Vec<(String, Vec<String>)> = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((module, path)) = stack.pop() {
            for next in graph.get(&module).into_iter().flatten() {
                if next == start {
                    let mut closed = path.clone();
                    closed.push(next.clone());
                    return Some(closed);
                }
                if seen.insert(next.clone()) {
                    let mut longer = path.clone();
                    longer.push(next.clone());
                    stack.push((next.clone(), longer));
                }
            }
        }
    }
    None
}

/// Panics with the cycle if a room of `src/{folder}` imports one that imports it back.
fn assert_no_cycle_in(folder: &str) {
    let graph = rooms(folder);
    assert!(graph.len() > 5, "{folder}: {graph:?}");
    if let Some(path) = cycle(&graph) {
        panic!(
            "import cycle in src/{folder}: {}\n{graph:#?}",
            path.join(" → ")
        );
    }
}

#[test]
fn no_room_of_the_engine_imports_one_that_imports_it_back() {
    assert_no_cycle_in("engine");
}

#[test]
fn no_room_of_the_repl_imports_one_that_imports_it_back() {
    assert_no_cycle_in("repl");
}
