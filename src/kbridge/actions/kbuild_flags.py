"""The exact compiler command a kernel tree's kbuild uses for a module file.

Feature probes must be compiled the way the target compiles a module -- same
compiler binary, same ``-I``/``-include`` list, same ``-Werror=...`` set, same
``-D__KERNEL__ -DMODULE`` -- or their answers mean nothing (the classic
conftest failure: an unrelated error read as "feature absent"). Rather than
re-deriving the flags, kbridge asks kbuild once: it builds a one-line dummy
module in a temporary directory and reads the command kbuild saved in
``.kbprobe.o.cmd`` (``cmd_...`` up to 6.1, ``savedcmd_...`` since 6.3). The
command is cached per tree, keyed on the files that decide it (the tree's
Makefiles, .config and kbuild's own makefiles), so later runs skip the 1-4 s
kbuild start-up.

The gcc command runs from the tree directory (kbuild passes ``-I./include``
relative to it).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kbridge.actions.kbuild import run_kbuild, run_tool
from kbridge.errors import KbridgeError
from kbridge.facts.targets import KernelTree, source_tree

MODNAME = "kbprobe"


@dataclass(frozen=True)
class CompileCommand:
    """gcc and its flags for a module .c file of one tree, minus -c/-o/the source."""

    argv: tuple[str, ...]
    cwd: Path                      # kbuild runs the compiler from the tree
    compiler_version: str          # first line of `<cc> --version`
    root: Path | None = None       # the Debian root whose gcc it is (argv's paths are the root's)

    @property
    def compiler(self) -> str:
        return self.argv[0]

    def syntax_only(self, source: Path) -> list[str]:
        """The command that parses and checks *source* without generating code."""
        return [*self.argv, "-fsyntax-only", str(source)]

    def object(self, source: Path, output: Path) -> list[str]:
        return [*self.argv, "-c", "-o", str(output), str(source)]

    def include_dirs(self) -> list[Path]:
        """Every -I directory and -include file, absolute (for fingerprints, header probes)."""
        out: list[Path] = []
        args = list(self.argv)
        for i, a in enumerate(args):
            p = None
            if a.startswith("-I") and len(a) > 2:
                p = a[2:]
            elif a in ("-I", "-include", "-isystem") and i + 1 < len(args):
                p = args[i + 1]
            if p is not None:
                path = _host(self.root, p) if os.path.isabs(p) else (self.cwd / p)
                out.append(Path(os.path.normpath(path)))
        return out

    def to_json(self) -> dict[str, object]:
        return {"argv": list(self.argv), "cwd": str(self.cwd),
                "compiler_version": self.compiler_version,
                "root": str(self.root) if self.root else None}


def _host(root: Path | None, path: str) -> Path:
    return root / path.lstrip("/") if root is not None else Path(path)


def parse_cmd_file(text: str, obj_name: str = f"{MODNAME}.o") -> list[str]:
    """The compiler argv from a kbuild ``.<obj>.cmd`` file, without -c -o, dep flags, source."""
    for line in text.splitlines():
        m = re.match(r"^(?:saved)?cmd_(\S+)\s*:=\s*(.*)$", line)
        if not m or not m.group(1).endswith("/" + obj_name) and m.group(1) != obj_name:
            continue
        tokens = shlex.split(m.group(2))
        if ";" in tokens:                       # "; ./tools/objtool/objtool ..." follows
            tokens = tokens[: tokens.index(";")]
        argv: list[str] = []
        skip = False
        for i, tok in enumerate(tokens):
            if skip:
                skip = False
                continue
            if tok.startswith("-Wp,-MMD") or tok.startswith("-Wp,-MD"):
                continue
            if tok == "-c":
                continue
            if tok == "-o":
                skip = True
                continue
            if i == len(tokens) - 1 and tok.endswith(".c"):
                continue
            argv.append(tok)
        if argv:
            return argv
    raise KbridgeError(f"kbuild's command file has no compile command for {obj_name}")


def _stat_key(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        try:
            st = p.stat()
            h.update(f"{p}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}\n".encode())
        except OSError:
            h.update(f"{p}\0missing\n".encode())
    return h.hexdigest()


def _source_tree(tree: KernelTree) -> Path:
    return source_tree(tree)


def decisive_files(tree: KernelTree) -> list[Path]:
    """Files whose change can change the compile command."""
    src = _source_tree(tree)
    files = [tree.path / "Makefile", tree.path / ".config", tree.path / "include/config/auto.conf",
             src / "Makefile"]
    for d in (src / "scripts", src / "arch" / "x86"):
        files.extend(sorted(d.glob("Makefile*")))
    for d in (tree.path / "scripts", tree.path / "arch" / "x86"):
        files.extend(sorted(d.glob("Makefile*")))
    return files


def compiler_version(cc: str, tree: KernelTree) -> str:
    try:
        proc = run_tool(tree, [cc, "--version"], merge_stderr=False)
    except OSError as exc:
        raise KbridgeError(f"compiler {cc} cannot run ({exc.strerror}); install it "
                           "(the kernel tree was built with it)") from None
    return (proc.stdout.splitlines() or ["unknown"])[0].strip()


def _extract(tree: KernelTree) -> CompileCommand:
    with tempfile.TemporaryDirectory(prefix="kbridge-flags-") as tmp:
        work = Path(tmp)
        (work / "Kbuild").write_text(f"obj-m := {MODNAME}.o\n")
        (work / f"{MODNAME}.c").write_text('#include <linux/module.h>\nMODULE_LICENSE("GPL");\n')
        proc = run_kbuild(work, tree)
        cmd_file = work / f".{MODNAME}.o.cmd"
        if not cmd_file.is_file():
            last = proc.stdout.strip().splitlines()[-1:] or ["no output"]
            raise KbridgeError(f"{tree.name}: kbuild could not compile a dummy module ({last[0]}); "
                               "check that the tree is configured and its compiler is installed")
        argv = parse_cmd_file(cmd_file.read_text(errors="replace"))
    return CompileCommand(tuple(argv), tree.path, compiler_version(argv[0], tree), tree.root)


def compile_command(tree: KernelTree, db: sqlite3.Connection | None = None) -> CompileCommand:
    """The module compile command of *tree*, from the cache *db* when still valid."""
    if not tree.configured:
        raise KbridgeError(f"{tree.name}: tree is not configured, so it has no compile command; "
                           "use header probes (--method header) or a configured tree")
    key = _stat_key(decisive_files(tree)) + ":" + str(tree.path)
    if db is not None:
        row = db.execute("SELECT value FROM commands WHERE key = ?", (key,)).fetchone()
        if row:
            data = json.loads(row[0])
            cmd = CompileCommand(tuple(data["argv"]), Path(data["cwd"]), data["compiler_version"],
                                 Path(data["root"]) if data.get("root") else None)
            # an upgraded compiler binary invalidates the remembered version
            if data.get("cc_stat") == _compiler_stat(cmd.compiler, cmd.root):
                return cmd
    cmd = _extract(tree)
    if db is not None:
        value = {**cmd.to_json(), "cc_stat": _compiler_stat(cmd.compiler, cmd.root)}
        with db:
            db.execute("INSERT OR REPLACE INTO commands (key, value) VALUES (?, ?)",
                       (key, json.dumps(value, sort_keys=True)))
    return cmd


def _compiler_stat(cc: str, root: Path | None = None) -> str:
    found = shutil.which(cc) if root is None else \
        shutil.which(cc, path=os.pathsep.join(str(root / d) for d in ("usr/bin", "bin")))
    return _stat_key([Path(found).resolve()]) if found else "missing"
