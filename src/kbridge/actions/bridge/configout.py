"""What a driver compiles when an option is configured out (shim manifest ``[configured_out]``).

On a kernel answering "neither" for a rule with ``[configured_out]`` OUT builds the driver
as that kernel would without the option (:func:`kbridge.actions.bridge.layer.configured_out_wrapper`):
its build file's objects added only under the option are not built, its own ``#if``'s see
the option undefined. The prediction (:mod:`.predict`) counts what check finds in that code
as bridged there: it is not compiled. Read from the driver's build files (make syntax, the
common forms: ``X-$(CONFIG_O) += a.o``, ``ifeq ($(CONFIG_O),y)``, ``ifdef CONFIG_O``,
``ifneq ($(CONFIG_O),)`` ... ``endif``) and its quoted includes.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from kbridge.facts.driver import Driver

_IF_ON = re.compile(r"^\s*(?:ifeq\s*\(\s*\$\((CONFIG_\w+)\)\s*,\s*y\s*\)|ifdef\s+(CONFIG_\w+)|"
                    r"ifneq\s*\(\s*\$\((CONFIG_\w+)\)\s*,\s*\))\s*$")
_IF = re.compile(r"^\s*if(?:eq|neq|def|ndef)\b")
_OBJS = re.compile(r"^\s*[\w.-]+-(?:\$\((CONFIG_\w+)\)|y|m|objs)\s*[:+]?=\s*(.*)$")
_INCLUDE = re.compile(rb'^[ \t]*#[ \t]*include[ \t]*"([^"]+)"', re.M)


def objects_only_with(driver: Driver, config: str) -> set[str]:
    """The driver's .c files its build files compile only with *config* set."""
    out: set[str] = set()
    root = Path(driver.path)
    for mk in ("Kbuild", "Makefile"):
        path = root / mk
        if not path.is_file():
            continue
        stack: list[bool] = []          # per open conditional: "only with config"
        for line in path.read_text(errors="replace").replace("\\\n", " ").splitlines():
            m = _IF_ON.match(line)
            if m:
                stack.append(config in m.groups())
                continue
            if _IF.match(line):
                stack.append(False)
                continue
            if re.match(r"^\s*else\b", line) and stack:
                stack[-1] = False       # the other branch: built without the option
                continue
            if re.match(r"^\s*endif\b", line) and stack:
                stack.pop()
                continue
            m = _OBJS.match(line)
            if m and (m.group(1) == config or any(stack)):
                out.update(w[:-2] + ".c" for w in m.group(2).split() if w.endswith(".o"))
    return {f for f in out if f in driver.sources}


def files_not_built(driver: Driver, config: str) -> set[str]:
    """The driver's files not compiled without *config*: the .c files only built with it and
    the headers only they include (quoted includes, followed through headers)."""
    gone = objects_only_with(driver, config)
    if not gone:
        return set()
    names = {Path(rel).name: rel for rel in driver.sources}
    reached: set[str] = set()
    todo = [rel for rel in driver.sources if rel.endswith(".c") and rel not in gone]
    while todo:
        rel = todo.pop()
        if rel in reached:
            continue
        reached.add(rel)
        try:
            data = driver.read(rel)
        except OSError:
            continue
        for inc in _INCLUDE.findall(data):
            name = inc.decode(errors="replace")
            hit = names.get(Path(name).name)
            if hit is not None and hit not in reached:
                todo.append(hit)
    return {rel for rel in driver.sources if rel not in reached}


def compiled(driver: Driver, config: str, tree: Any) -> Any:
    """A check finding -> whether *tree*'s build of the driver without *config* compiles
    its code (lines 1-based; a row prune cannot decide counts as compiled)."""
    from kbridge.actions import live
    gone = files_not_built(driver, config)
    from kbridge.actions import prune
    k = live.kernel(getattr(tree, "version", None), tree) if tree is not None else None
    drop = frozenset({config, f"{config}_MODULE"})
    if k is None:       # nothing known of the kernel but the option, which is off
        k = live.Kernel("?", prune.Env(undefined=drop), ())
    env = dataclasses.replace(k.env, values={n: v for n, v in k.env.values.items() if n not in drop},
                              undefined=k.env.undefined | drop)
    k = live.with_driver(live.Kernel(k.name, env, (*k.key, "without", config)), driver)
    rows: dict[str, Any] = {}

    def test(file: str, line: int) -> bool:
        rel = next((r for r in driver.sources if r == file or file.endswith("/" + r)), None)
        if rel is None:
            return True
        if rel in gone:
            return False
        if rel not in rows:
            try:
                rows[rel] = live.kept(driver.read(rel), k)
            except OSError:
                rows[rel] = None
        kept = rows[rel]
        return kept is None or line < 1 or line > len(kept) or kept[line - 1]

    def finding(f: dict[str, Any]) -> bool:
        """Whether *f* (a check finding) is in code the build without the option compiles:
        its row, and for a slot initialized with the driver's function (ops-changed), that
        function -- one whose every declaration is configured out while a compiled row
        defines its name as a macro (the driver's own stand-in for a kernel without the
        option: null_blk's ``#define null_report_zones NULL``) is not the one compiled."""
        if not test(str(f["file"]), int(f["line"])):
            return False
        m = re.search(r"'(\w+)' matches the member's type", str(f.get("message", "")))
        if f.get("kind") != "ops-changed" or m is None:
            return True
        name = m.group(1)
        decl = re.compile(rf"^[ \t]*[A-Za-z_][\w \t*]*\b{name}[ \t]*\(")
        macro = re.compile(rf"^[ \t]*#[ \t]*define[ \t]+{name}\b")
        decls, macros = [], []
        for rel in driver.sources:
            try:
                text = driver.read(rel).decode(errors="replace")
            except OSError:
                continue
            for i, line in enumerate(text.split("\n"), 1):
                if decl.match(line):
                    decls.append(test(rel, i))
                elif macro.match(line):
                    macros.append(test(rel, i))
        return not (decls and not any(decls) and any(macros))
    return finding
