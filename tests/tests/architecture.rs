//! The reactor crate's layers, checked on every test run (issue #19).
//!
//! `docs/guide/01-architecture.md` holds the one table that says, for every file of
//! `reactor/src`, its layer and its one job. This test reads that table and the code, resolves
//! every `use crate::…`, `use super::…` and inline `crate::…` path to the file that defines
//! it (re-exports followed), and fails, naming file and line, when:
//!
//! - a file is missing from the table, or a row names no file;
//! - a file imports from a higher layer;
//! - a file below the helpers imports through a re-export instead of the defining module;
//! - files, or top-level modules, import each other in a cycle;
//! - `impl Handle` appears outside a face (layer 6);
//! - a file of layers 1–4 names `Handle`, `State` or `Inner`;
//! - a helper (layer 7) reaches an item that is not `pub` (the OS calls in `sys/` excepted:
//!   `unsafe` lives only there, so a helper's `flock` or terminal call has to come from it).
//!
//! The parser is small on purpose: comments, strings and `#[cfg(test)]`/`#[cfg(loom)]` modules
//! are blanked out, then `use` trees and `crate::`/`super::` paths are read token by token.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

const FACES: u8 = 6;
const HELPERS: u8 = 7;

#[test]
fn the_reactor_crate_imports_run_one_way() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let src = root.join("reactor/src");
    let guide = fs::read_to_string(root.join("docs/guide/01-architecture.md")).expect("the architecture chapter");
    let crate_ = Crate::read(&src);
    let problems = check(&crate_, &guide);
    assert!(
        problems.is_empty(),
        "reactor/src breaks the layering rules of docs/guide/01-architecture.md:\n{}",
        problems.join("\n")
    );
}

/// One source file, with its code (comments, strings and test modules blanked, line
/// structure kept) and its module path.
struct File {
    module: Vec<String>,
    code: String,
}

struct Crate {
    /// Path relative to `reactor/src` -> file.
    files: BTreeMap<String, File>,
    /// Module path -> file.
    by_module: HashMap<Vec<String>, String>,
}

impl Crate {
    fn read(src: &Path) -> Crate {
        let mut paths = Vec::new();
        walk(src, &mut paths);
        let mut texts = BTreeMap::new();
        for p in paths {
            let rel = p.strip_prefix(src).unwrap().to_string_lossy().replace('\\', "/");
            texts.insert(rel, fs::read_to_string(&p).unwrap());
        }
        // Files that exist only for tests (`#[cfg(test)] mod tests;`) are not the crate's
        // structure: drop them.
        let mut test_only = BTreeSet::new();
        for (rel, text) in &texts {
            for child in gated_file_mods(text) {
                let dir = match rel.rsplit_once('/') {
                    Some((d, "mod.rs")) => format!("{d}/"),
                    Some((d, f)) => format!("{d}/{}/", f.trim_end_matches(".rs")),
                    None if rel == "lib.rs" => String::new(),
                    None => format!("{}/", rel.trim_end_matches(".rs")),
                };
                test_only.insert(format!("{dir}{child}.rs"));
                test_only.insert(format!("{dir}{child}/mod.rs"));
            }
        }
        let mut files = BTreeMap::new();
        let mut by_module = HashMap::new();
        for (rel, text) in texts {
            if test_only.contains(&rel) {
                continue;
            }
            let module = module_of(&rel);
            by_module.insert(module.clone(), rel.clone());
            files.insert(rel, File { module, code: blank_tests(&blank(&text)) });
        }
        Crate { files, by_module }
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

fn module_of(rel: &str) -> Vec<String> {
    let mut parts: Vec<String> = rel.trim_end_matches(".rs").split('/').map(String::from).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

fn is_index(rel: &str) -> bool {
    rel == "lib.rs" || rel.ends_with("/mod.rs")
}

/// The layer table of the architecture chapter: rows `| \`path\` | N name | job |`; a path
/// ending in `/` covers a folder.
fn layer_table(guide: &str) -> Vec<(String, u8)> {
    let mut rows = Vec::new();
    for line in guide.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 4 || !cells[1].starts_with('`') {
            continue;
        }
        let path = cells[1].trim_matches('`').to_string();
        if let Some(layer) = cells[2].chars().next().and_then(|c| c.to_digit(10)) {
            rows.push((path, layer as u8));
        }
    }
    rows
}

fn layer_of<'a>(table: &'a [(String, u8)], rel: &str) -> Option<&'a (String, u8)> {
    table
        .iter()
        .filter(|(p, _)| p == rel || (p.ends_with('/') && rel.starts_with(p.as_str())))
        .max_by_key(|(p, _)| p.len())
}

/// An import: the file it is in, its line, the path as written, the file it resolves to, and
/// whether a re-export had to be followed to get there.
struct Import {
    line: usize,
    path: Vec<String>,
    target: String,
    via_reexport: bool,
}

fn check(c: &Crate, guide: &str) -> Vec<String> {
    let table = layer_table(guide);
    let mut problems = Vec::new();
    let mut layers = HashMap::new();
    for rel in c.files.keys() {
        match layer_of(&table, rel) {
            Some((_, layer)) => {
                layers.insert(rel.clone(), *layer);
            }
            None => problems.push(format!("reactor/src/{rel}: not in the layer table: add a row for it")),
        }
    }
    for (path, _) in &table {
        if !c.files.keys().any(|rel| rel == path || (path.ends_with('/') && rel.starts_with(path.as_str()))) {
            problems.push(format!("docs/guide/01-architecture.md: the row `{path}` names no file of reactor/src"));
        }
    }
    let reexports = reexports(c);
    let mut edges: BTreeSet<(String, String)> = BTreeSet::new();
    for (rel, file) in &c.files {
        let Some(&from) = layers.get(rel) else { continue };
        for imp in imports(c, rel, file, &reexports) {
            let at = format!("reactor/src/{rel}:{}", imp.line);
            let written = imp.path.join("::");
            let to = layers.get(&imp.target).copied().unwrap_or(0);
            edges.insert((rel.clone(), imp.target.clone()));
            if to > from {
                problems.push(format!(
                    "{at}: layer {from} imports `{written}` from reactor/src/{} (layer {to}): imports run downward",
                    imp.target
                ));
            }
            if imp.via_reexport && from < HELPERS {
                problems.push(format!(
                    "{at}: `{written}` goes through a re-export: import it from reactor/src/{}",
                    imp.target
                ));
            }
            if from == HELPERS && to < HELPERS && !imp.target.starts_with("sys/") {
                let module_itself = c.files[&imp.target].module.last() == imp.path.last();
                if let Some(name) = imp.path.last().filter(|_| !module_itself) {
                    if !is_public(&c.files[&imp.target].code, name) {
                        problems.push(format!("{at}: helpers use the public API only, and `{written}` is not `pub`"));
                    }
                }
            }
        }
        for (line, text) in c.files[rel].code.lines().enumerate() {
            // Whole words: `impl fmt::Debug for HandlerSlot` is no `impl Handle`.
            let impls_handle = ["impl Handle", "for Handle"].iter().any(|pat| {
                text.match_indices(pat).any(|(at, _)| {
                    !text[at + pat.len()..].chars().next().is_some_and(|c| c.is_alphanumeric() || c == '_')
                })
            });
            if impls_handle && from != FACES {
                problems.push(format!(
                    "reactor/src/{rel}:{}: `impl Handle` outside a face (layer 6): move the method to a face, or make it a function of this file",
                    line + 1
                ));
            }
            if from <= 4 {
                for name in ["Handle", "State", "Inner"] {
                    if names(text, name) {
                        problems.push(format!(
                            "reactor/src/{rel}:{}: layer {from} names `{name}`: layers 1-4 know nothing of the reactor",
                            line + 1
                        ));
                    }
                }
            }
        }
    }
    for cycle in cycles(c.files.keys().cloned(), &edges) {
        problems.push(format!("file cycle: {}", cycle.join(" -> ")));
    }
    let top = |f: &str| f.split('/').next().unwrap().to_string();
    let module_edges: BTreeSet<(String, String)> =
        edges.iter().map(|(a, b)| (top(a), top(b))).filter(|(a, b)| a != b).collect();
    let modules: BTreeSet<String> = c.files.keys().map(|f| top(f)).collect();
    for cycle in cycles(modules.into_iter(), &module_edges) {
        problems.push(format!("module cycle: {}", cycle.join(" -> ")));
    }
    problems
}

/// `(module, name) -> path` for every `pub use` / `pub(crate) use`.
fn reexports(c: &Crate) -> HashMap<(Vec<String>, String), Vec<String>> {
    let mut out = HashMap::new();
    for file in c.files.values() {
        for (_, is_pub, tree) in use_statements(&file.code) {
            if !is_pub {
                continue;
            }
            for path in expand(&tree) {
                let (path, alias) = split_alias(&path);
                if let Some(abs) = absolute(&path, &file.module, c) {
                    let name = alias.unwrap_or_else(|| abs.last().cloned().unwrap_or_default());
                    out.insert((file.module.clone(), name), abs);
                }
            }
        }
    }
    out
}

fn imports(c: &Crate, rel: &str, file: &File, reexports: &HashMap<(Vec<String>, String), Vec<String>>) -> Vec<Import> {
    let mut out = Vec::new();
    let mut push = |line: usize, path: Vec<String>| {
        if let Some((target, via_reexport)) = resolve(c, reexports, &path, 0) {
            if target != rel {
                out.push(Import { line, path, target, via_reexport });
            }
        }
    };
    for (line, is_pub, tree) in use_statements(&file.code) {
        // An index's re-exports declare its children's items: they are not imports.
        if is_pub && is_index(rel) {
            continue;
        }
        for path in expand(&tree) {
            let (path, _) = split_alias(&path);
            if let Some(abs) = absolute(&path, &file.module, c) {
                push(line, abs);
            }
        }
    }
    let without_uses = blank_uses(&file.code);
    for (line, text) in without_uses.lines().enumerate() {
        for path in inline_paths(text) {
            if let Some(abs) = absolute(&path, &file.module, c) {
                push(line + 1, abs);
            }
        }
    }
    out
}

/// The file that defines `path` (its longest module prefix, re-exports followed), and
/// whether a re-export was followed.
fn resolve(
    c: &Crate,
    reexports: &HashMap<(Vec<String>, String), Vec<String>>,
    path: &[String],
    depth: usize,
) -> Option<(String, bool)> {
    let k = (0..=path.len()).rev().find(|k| c.by_module.contains_key(&path[..*k]))?;
    let module = &path[..k];
    if k < path.len() && depth < 8 {
        if let Some(target) = reexports.get(&(module.to_vec(), path[k].clone())) {
            let mut next = target.clone();
            next.extend_from_slice(&path[k + 1..]);
            if next != path {
                if let Some((file, _)) = resolve(c, reexports, &next, depth + 1) {
                    return Some((file, true));
                }
            }
        }
    }
    Some((c.by_module[module].clone(), false))
}

/// `crate::a::b` / `super::a` / `self::a` made absolute (module segments from the crate root);
/// also `child::x` for a child module `child` of `here` (2018 paths in `use`).
fn absolute(path: &str, here: &[String], c: &Crate) -> Option<Vec<String>> {
    let segs: Vec<&str> = path.split("::").map(str::trim).filter(|s| !s.is_empty()).collect();
    let mut base: Vec<String> = match *segs.first()? {
        "crate" => Vec::new(),
        "super" | "self" => here.to_vec(),
        first => {
            let mut child = here.to_vec();
            child.push(first.to_string());
            if !c.by_module.contains_key(&child) {
                return None;
            }
            let mut out = here.to_vec();
            out.extend(segs.iter().map(|s| s.to_string()));
            return Some(out);
        }
    };
    let mut rest = &segs[..];
    if rest[0] == "crate" {
        rest = &rest[1..];
    }
    while let Some(&s) = rest.first() {
        match s {
            "super" => {
                base.pop();
            }
            "self" => {}
            _ => break,
        }
        rest = &rest[1..];
    }
    base.extend(rest.iter().map(|s| s.to_string()));
    Some(base)
}

fn split_alias(path: &str) -> (String, Option<String>) {
    match path.split_once(" as ") {
        Some((p, a)) => (p.trim().to_string(), Some(a.trim().to_string())),
        None => (path.trim().to_string(), None),
    }
}

/// `(line, is_pub, tree)` of every `use` statement.
fn use_statements(code: &str) -> Vec<(usize, bool, String)> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    while let Some(pos) = code[i..].find("use ") {
        let at = i + pos;
        i = at + 4;
        if at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_') {
            continue;
        }
        let before = code[..at].trim_end();
        let is_pub = before.ends_with("pub") || before.ends_with("pub(crate)") || before.ends_with("pub(super)");
        let statement_start =
            before.is_empty() || before.ends_with([';', '{', '}', ']']) || is_pub || before.ends_with("*/");
        if !statement_start {
            continue;
        }
        let Some(end) = code[at..].find(';') else { break };
        let line = code[..at].matches('\n').count() + 1;
        out.push((line, is_pub, code[at + 4..at + end].to_string()));
        i = at + end;
    }
    out
}

/// `a::{b, c::{d}}` -> `a::b`, `a::c::d`.
fn expand(tree: &str) -> Vec<String> {
    let tree: String = tree.split_whitespace().collect::<Vec<_>>().join(" ");
    let Some(open) = tree.find('{') else { return vec![tree] };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let (mut parts, mut depth, mut cur) = (Vec::new(), 0, String::new());
    for ch in inner.chars() {
        match ch {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(ch);
    }
    parts.push(cur);
    let mut out = Vec::new();
    for p in parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        for e in expand(p) {
            if e == "self" {
                out.push(prefix.trim_end_matches("::").to_string());
            } else {
                out.push(format!("{prefix}{e}"));
            }
        }
    }
    out
}

/// `crate::a::b` and `super::a` paths written inline in code.
fn inline_paths(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    for start in ["crate::", "super::"] {
        let mut i = 0;
        while let Some(pos) = line[i..].find(start) {
            let at = i + pos;
            i = at + start.len();
            let prev = line[..at].chars().next_back();
            if prev.is_some_and(|p| p.is_alphanumeric() || p == '_' || p == ':') {
                continue;
            }
            let path: String =
                line[at..].chars().take_while(|ch| ch.is_alphanumeric() || *ch == '_' || *ch == ':').collect();
            out.push(path.trim_end_matches(':').to_string());
        }
    }
    out
}

/// Whether `line` uses the identifier `name` (not as part of a longer one).
fn names(line: &str, name: &str) -> bool {
    line.match_indices(name).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = line[at + name.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

/// Whether `code` declares `name` as a `pub` item (not `pub(crate)`), or it is a module.
fn is_public(code: &str, name: &str) -> bool {
    ["fn", "struct", "enum", "type", "trait", "const", "static", "mod", "use"].iter().any(|kw| {
        code.match_indices(&format!("pub {kw} ")).any(|(at, m)| {
            let rest = &code[at + m.len()..];
            rest.starts_with(name) || (*kw == "use" && rest[..rest.find(';').unwrap_or(0)].contains(name))
        })
    }) || code.contains(&format!("pub async fn {name}"))
}

/// Names of `mod x;` declarations gated by a `cfg` that mentions `test` or `loom`.
fn gated_file_mods(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    for (i, l) in lines.iter().enumerate() {
        let Some(rest) = l.strip_prefix("mod ").or_else(|| l.strip_prefix("pub(crate) mod ")) else { continue };
        let Some(name) = rest.strip_suffix(';') else { continue };
        if i > 0
            && lines[i - 1].starts_with("#[cfg(")
            && (lines[i - 1].contains("test") || lines[i - 1].contains("loom"))
        {
            out.push(name.to_string());
        }
    }
    out
}

/// Comments, string and char literals blanked (newlines kept, so line numbers hold).
fn blank(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let keep_lines = |s: &[char]| s.iter().map(|&c| if c == '\n' { '\n' } else { ' ' }).collect::<String>();
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let end = if c == '/' && next == Some('/') {
            chars[i..].iter().position(|&c| c == '\n').map_or(chars.len(), |p| i + p)
        } else if c == '/' && next == Some('*') {
            let mut j = i + 2;
            while j + 1 < chars.len() && !(chars[j] == '*' && chars[j + 1] == '/') {
                j += 1;
            }
            (j + 2).min(chars.len())
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !prev_ident(&chars, i) {
            let hashes = chars[i + 1..].iter().take_while(|&&c| c == '#').count();
            if chars.get(i + 1 + hashes) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            let close: String = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
            let body: String = chars[i + 2 + hashes..].iter().collect();
            let len = body.find(&close).map_or(body.chars().count(), |p| body[..p].chars().count());
            i + 2 + hashes + len + close.len()
        } else if c == '"' {
            let mut j = i + 1;
            while j < chars.len() && chars[j] != '"' {
                j += if chars[j] == '\\' { 2 } else { 1 };
            }
            j + 1
        } else if c == '\'' && next == Some('\\') {
            chars[i + 2..].iter().position(|&c| c == '\'').map_or(chars.len(), |p| i + 3 + p)
        } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            i + 3
        } else {
            out.push(c);
            i += 1;
            continue;
        };
        let end = end.min(chars.len());
        out.push_str(&keep_lines(&chars[i..end]));
        i = end;
    }
    out
}

fn prev_ident(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')
}

/// `#[cfg(test)] mod x { … }` (and `cfg(loom)`) bodies blanked: unit tests are not structure.
fn blank_tests(code: &str) -> String {
    let mut out: Vec<char> = code.chars().collect();
    let text: String = code.to_string();
    let mut search = 0;
    while let Some(pos) = text[search..].find("#[cfg(") {
        let at = search + pos;
        search = at + 6;
        let attr_end = match text[at..].find(']') {
            Some(e) => at + e,
            None => break,
        };
        let attr = &text[at..attr_end];
        if !(attr.contains("test") || attr.contains("loom")) {
            continue;
        }
        let after = text[attr_end + 1..].trim_start();
        let after = after.strip_prefix("pub(crate) ").unwrap_or(after);
        if !after.starts_with("mod ") {
            continue;
        }
        let Some(open_rel) = text[attr_end..].find(['{', ';']) else { break };
        let open = attr_end + open_rel;
        if text.as_bytes()[open] == b';' {
            continue;
        }
        let (mut depth, mut j) = (0usize, open);
        let bytes = text.as_bytes();
        while j < bytes.len() {
            match bytes[j] {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            j += 1;
        }
        // Byte offsets equal char offsets here only for ASCII code, which blanking ensures for
        // everything but identifiers; blank by char index to be safe.
        let (from, to) = (text[..at].chars().count(), text[..j.min(bytes.len())].chars().count());
        for c in out.iter_mut().take(to + 1).skip(from) {
            if *c != '\n' {
                *c = ' ';
            }
        }
        search = j.min(text.len());
    }
    out.into_iter().collect()
}

/// The `use` statements blanked, so inline paths are not counted twice.
fn blank_uses(code: &str) -> String {
    let mut out = code.to_string();
    let mut i = 0;
    while let Some(pos) = out[i..].find("use ") {
        let at = i + pos;
        let prev = out[..at].chars().next_back();
        if prev.is_some_and(|p| p.is_alphanumeric() || p == '_') {
            i = at + 4;
            continue;
        }
        let end = out[at..].find(';').map_or(out.len(), |e| at + e);
        let blanked: String = out[at..end].chars().map(|c| if c == '\n' { '\n' } else { ' ' }).collect();
        out.replace_range(at..end, &blanked);
        i = end;
    }
    out
}

/// Every cycle (strongly connected component of two or more nodes), as a list of its nodes.
fn cycles(nodes: impl Iterator<Item = String>, edges: &BTreeSet<(String, String)>) -> Vec<Vec<String>> {
    let nodes: Vec<String> = nodes.collect();
    let index_of: HashMap<&str, usize> = nodes.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
    let mut adj = vec![Vec::new(); nodes.len()];
    for (a, b) in edges {
        if let (Some(&a), Some(&b)) = (index_of.get(a.as_str()), index_of.get(b.as_str())) {
            adj[a].push(b);
        }
    }
    // Tarjan's algorithm, iterative.
    let n = nodes.len();
    let (mut index, mut low, mut on) = (vec![usize::MAX; n], vec![0; n], vec![false; n]);
    let (mut stack, mut sccs, mut counter) = (Vec::new(), Vec::new(), 0);
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work = vec![(root, 0usize)];
        while let Some(&mut (v, ref mut next)) = work.last_mut() {
            if *next == 0 {
                index[v] = counter;
                low[v] = counter;
                counter += 1;
                stack.push(v);
                on[v] = true;
            }
            if let Some(&w) = adj[v].get(*next) {
                *next += 1;
                if index[w] == usize::MAX {
                    work.push((w, 0));
                } else if on[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut comp = Vec::new();
                while let Some(w) = stack.pop() {
                    on[w] = false;
                    comp.push(nodes[w].clone());
                    if w == v {
                        break;
                    }
                }
                if comp.len() > 1 {
                    comp.sort();
                    sccs.push(comp);
                }
            }
        }
    }
    sccs
}

#[test]
fn the_checker_sees_an_upward_import_and_a_cycle() {
    // The rules themselves, on a three-file crate made up here: a checker that cannot fail is
    // no check.
    let mut files = BTreeMap::new();
    let mut by_module = HashMap::new();
    for (rel, text) in [
        ("lib.rs", "mod low;\nmod high;\npub use high::Handle;\n"),
        ("low.rs", "use crate::high::Handle;\npub(crate) fn f() {}\n"),
        ("high.rs", "use crate::low::f;\npub struct Handle;\nimpl Handle { fn g() { f() } }\n"),
    ] {
        let module = module_of(rel);
        by_module.insert(module.clone(), rel.to_string());
        files.insert(rel.to_string(), File { module, code: blank(text) });
    }
    let c = Crate { files, by_module };
    let guide = "| `lib.rs` | 6 faces | index |\n| `low.rs` | 3 data | low |\n| `high.rs` | 6 faces | high |\n";
    let problems = check(&c, guide).join("\n");
    assert!(problems.contains("reactor/src/low.rs:1: layer 3 imports `high::Handle`"), "{problems}");
    assert!(problems.contains("file cycle: high.rs -> low.rs"), "{problems}");
    assert!(problems.contains("reactor/src/low.rs:1: layer 3 names `Handle`"), "{problems}");
}
