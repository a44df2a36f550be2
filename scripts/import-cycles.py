#!/usr/bin/env python3
"""Checks that no two files under src/ depend on each other in a circle.

Every path a file names -- in `use` lines and inline (`crate::a::b`, `super::x`,
`self::x`) -- becomes an edge to the file that defines that module. Not edges: a
parent naming its own children (`mod x;`, `pub use x::Y`: a module owns its files),
and inline modules such as `#[cfg(test)] mod tests { ... }` (test code, where
`super` is the file itself). Prints each circle and exits 1 when there is one, 0
otherwise.

    scripts/import-cycles.py [SRC_DIR]
"""

import re
import sys
from pathlib import Path


# Circles known and owned elsewhere: reported, but they do not fail the check. Remove
# an entry once its circle is gone (the check then keeps it gone).
KNOWN: list[set[str]] = []


def module_of(src: Path, file: Path) -> list[str]:
    """`src/bot/handlers.rs` -> ['bot', 'handlers']; `src/bot/mod.rs` -> ['bot']."""
    parts = list(file.relative_to(src).with_suffix("").parts)
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return parts


def strip_comments_and_strings(text: str) -> str:
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r'"(?:\\.|[^"\\])*"', '""', text)


def strip_inline_modules(text: str) -> str:
    """Drops the bodies of `mod name { ... }` blocks (braces are balanced once
    comments and strings are gone)."""
    out, i = [], 0
    for m in re.finditer(r"\bmod\s+\w+\s*\{", text):
        if m.start() < i:
            continue
        out.append(text[i : m.start()])
        depth, j = 1, m.end()
        while j < len(text) and depth:
            depth += text[j] == "{"
            depth -= text[j] == "}"
            j += 1
        i = j
    out.append(text[i:])
    return "".join(out)


def expand_use(body: str) -> list[str]:
    """`a::{b, c::{d, e}}` -> ['a::b', 'a::c::d', 'a::c::e'] (roughly; enough here)."""
    body = body.strip()
    m = re.match(r"^(.*?)\{(.*)\}$", body, flags=re.S)
    if not m:
        return [body]
    prefix, inner = m.group(1), m.group(2)
    items, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "," and depth == 0:
            items.append(cur)
            cur = ""
            continue
        depth += ch == "{"
        depth -= ch == "}"
        cur += ch
    items.append(cur)
    out = []
    for item in items:
        if item.strip():
            out.extend(prefix + p for p in expand_use(item))
    return out


def main() -> int:
    src = Path(sys.argv[1] if len(sys.argv) > 1 else "src")
    # main.rs and src/bin/ are other crates (they use the library by name).
    files = {
        tuple(module_of(src, f)): f
        for f in src.rglob("*.rs")
        if f.relative_to(src).parts[0] not in ("main.rs", "bin")
    }
    graph: dict[tuple, set] = {m: set() for m in files}

    def resolve(here: tuple, path: str):
        segs = [s.strip() for s in path.split("::") if s.strip()]
        segs = [re.sub(r"\s+as\s+\w+$", "", s) for s in segs]
        if not segs:
            return None
        if segs[0] == "crate":
            base, segs = [], segs[1:]
        elif segs[0] in ("super", "self"):
            base = list(here)
            # A file's `super` is its parent module (for mod.rs too: `here` is the dir).
            while segs and segs[0] in ("super", "self"):
                if segs[0] == "super":
                    base = base[:-1]
                segs = segs[1:]
        else:
            return None
        # The longest prefix that is a file is the module depended on.
        best = None
        for n in range(len(segs) + 1):
            cand = tuple(base + segs[:n])
            if cand in files:
                best = cand
        return best

    for mod, file in files.items():
        text = strip_comments_and_strings(file.read_text(encoding="utf-8"))
        text = strip_inline_modules(text)
        paths = []
        for m in re.finditer(r"\buse\s+([^;]+);", text):
            paths.extend(expand_use(m.group(1)))
        paths.extend(re.findall(r"\b((?:crate|super|self)(?:::\w+)+)", text))
        for p in paths:
            target = resolve(mod, p)
            # A parent naming its own descendants is ownership, not a dependency.
            if target is None or target[: len(mod)] == mod:
                continue
            graph[mod].add(target)

    # Tarjan's strongly connected components: any with two or more files is a circle.
    index, low, on_stack, stack, sccs = {}, {}, set(), [], []
    counter = [0]
    sys.setrecursionlimit(10_000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(comp)

    for v in graph:
        if v not in index:
            visit(v)

    def name(m):
        return "src/" + files[m].relative_to(src).as_posix()

    edges = sum(len(t) for t in graph.values())
    failed = False
    for comp in sccs:
        members = set(comp)
        known = {name(m) for m in comp} in KNOWN
        failed |= not known
        print("known import circle (see KNOWN):" if known else "import circle between:")
        for m in sorted(comp):
            deps = sorted(name(t) for t in graph[m] if t in members)
            print(f"  {name(m)} -> {', '.join(deps)}")
    if failed:
        return 1
    print(f"no new import circles: {len(files)} files, {edges} file-to-file imports")
    return 0


if __name__ == "__main__":
    sys.exit(main())
