"""Build a driver with the target's own kbuild and read gcc's and modpost's verdict.

kbridge never builds modules itself: it runs ``make -C <tree> M=<dir> modules``
exactly as a user would, in a throw-away copy of the driver (the user's
directory is never written), with the C locale so that gcc's messages are
plain ASCII and stable. The log is then parsed into diagnostics.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from kbridge.facts.driver import BUILD_PRODUCTS, Driver
from kbridge.facts.targets import KernelTree


@dataclass(frozen=True)
class Diagnostic:
    file: str           # relative to the driver directory when inside it
    line: int
    col: int
    severity: str       # "error" | "warning" | "fatal error"
    message: str

    def to_json(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "col": self.col,
                "severity": self.severity, "message": self.message}


@dataclass
class BuildResult:
    driver: str
    target: str
    ok: bool
    errors: int
    warnings: int
    undefined_symbols: list[str]
    seconds: float
    diagnostics: list[Diagnostic] = field(default_factory=list)
    log: str = ""
    returncode: int = 0
    abi: dict[str, object] | None = None   # bridged cells: kbridge.actions.bridge.abi's report
    # bridged cells: what the bridge did ({"home", "shims": [{rule, direction, ...}], "unbridged"})
    bridge: dict[str, object] | None = None


    def to_json(self, *, with_log: bool = False) -> dict[str, object]:
        out: dict[str, object] = {
            "driver": self.driver, "target": self.target, "ok": self.ok,
            "errors": self.errors, "warnings": self.warnings,
            "undefined_symbols": self.undefined_symbols, "seconds": round(self.seconds, 2),
            "diagnostics": [d.to_json() for d in self.diagnostics],
        }
        if self.abi is not None:
            out["abi"] = self.abi
        if self.bridge is not None:
            out["bridge"] = self.bridge
        if with_log:
            out["log"] = self.log
        return out


_DIAG = re.compile(
    r"^(?P<file>[^\s:][^:]*):(?P<line>\d+):(?:(?P<col>\d+):)?\s+"
    r"(?P<sev>fatal error|error|warning):\s+(?P<msg>.*)$")
# modpost's line for a symbol nothing exports: up to 6.x `"sym" [path/m.ko] undefined!`,
# 7.x's (7.2 and 7.3 here; 6.12 still has the old form) `path/m.ko: symbol 'sym' undefined!`
_MODPOST_UNDEF = re.compile(r'^(?:ERROR|WARNING): modpost: (?:"(?P<sym>[^"]+)" \[[^\]]*\]'
                            r"|\S+: symbol '(?P<sym2>[^']+)') undefined!")
_MAKE_FAIL = re.compile(r"^make(?:\[\d+\])?: \*\*\* (?P<msg>.*)$")


def parse_log(log: str, build_dir: Path | None = None) -> tuple[list[Diagnostic], list[str]]:
    """gcc diagnostics and modpost's undefined symbols, in log order, duplicates dropped.

    Paths inside *build_dir* are made relative to it, so that a diagnostic names
    the driver's own file the way the maintainer knows it.
    """
    prefix = (str(build_dir).rstrip("/") + "/") if build_dir else None
    diags: list[Diagnostic] = []
    seen: set[tuple[str, int, int, str, str]] = set()
    undefined: list[str] = []
    for raw in log.splitlines():
        line = raw.rstrip()
        m = _DIAG.match(line)
        if m:
            path = m.group("file")
            if prefix and path.startswith(prefix):
                path = path[len(prefix):]
            key = (path, int(m.group("line")), int(m.group("col") or 0), m.group("sev"), m.group("msg"))
            if key not in seen:
                seen.add(key)
                diags.append(Diagnostic(*key))
            continue
        m = _MODPOST_UNDEF.match(line)
        if m and (m.group("sym") or m.group("sym2")) not in undefined:
            undefined.append(m.group("sym") or m.group("sym2"))
    return diags, undefined


_IGNORE = shutil.ignore_patterns(*BUILD_PRODUCTS)


def copy_driver(src: Path, dest: Path) -> None:
    """Copy a driver's sources without stale build products."""
    shutil.copytree(src, dest, ignore=_IGNORE, symlinks=False, dirs_exist_ok=True)


def make_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(LC_ALL="C", LANG="C", KBUILD_VERBOSE="0")
    env.pop("MAKEFLAGS", None)
    env.pop("MFLAGS", None)
    return env


def run_tool(tree: KernelTree, argv: list[str], *, cwd: Path | None = None,
             binds: tuple[Path, ...] = (), env: dict[str, str] | None = None,
             merge_stderr: bool = True) -> subprocess.CompletedProcess[str]:
    """Run *argv* (make, gcc, a probe runner) with *tree*'s toolchain: the one place that
    picks it. A tree of a toolchain-"root" series lies in a Debian root of its suite
    (:mod:`kbridge.actions.roots`): the command runs inside it, *binds* (host directories
    the command reads or writes: the module directory, a work directory) mounted at the
    same path, *cwd* mapped into the root. Otherwise the host runs it. Paths in *argv*
    must be as the toolchain sees them (:attr:`KernelTree.build_path` for the tree).
    The environment is make_env()'s plus *env*; stdout is text, stderr merged into it
    unless *merge_stderr* is false."""
    extra = {"LC_ALL": "C", "LANG": "C", "KBUILD_VERBOSE": "0", **(env or {})}
    if tree.root is not None:
        from kbridge.actions import roots
        return roots.run_in_root(tree.root, argv, binds=binds, env=extra,
                                 cwd=cwd if cwd is not None else "/", merge_stderr=merge_stderr)
    return subprocess.run(
        argv, cwd=cwd, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE, text=True,
        errors="replace", env={**make_env(), **extra}, stdin=subprocess.DEVNULL)


def run_kbuild(module_dir: Path, tree: KernelTree, *, jobs: int = 1,
               extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """``make -C tree M=module_dir modules`` with a stable environment, with the tree's
    own toolchain (:func:`run_tool`)."""
    return run_tool(tree, ["make", "-C", tree.build_path, f"M={module_dir}", f"-j{jobs}", *extra,
                           "modules"], binds=(module_dir,))


def build(driver: Driver, tree: KernelTree, *, keep: Path | None = None, jobs: int = 1) -> BuildResult:
    """Build *driver* against *tree* in a temporary copy; *keep* receives the build directory."""
    from kbridge.actions import buildcache

    start = time.monotonic()
    cache = buildcache.directory()
    argv = [f"-j{jobs}", "modules"]         # as run_kbuild runs make, the directory left out
    with tempfile.TemporaryDirectory(prefix="kbridge-build-") as tmp:
        work = Path(tmp) / "m"
        k = buildcache.key(cache, driver.path, tree, argv, _IGNORE) if cache is not None else None
        hit = buildcache.lookup(cache, k, work) if cache is not None and k is not None else None
        if hit is not None:
            stdout, returncode, start = hit.stdout, hit.returncode, time.monotonic() - hit.seconds
        else:
            copy_driver(driver.path, work)
            proc = run_kbuild(work, tree, jobs=jobs)
            stdout, returncode = proc.stdout, proc.returncode
        diags, undefined = parse_log(stdout, work)
        if cache is not None and k is not None and hit is None and (returncode == 0 or diags or undefined):
            # a make that failed without gcc's or modpost's word may be the machine's fault
            buildcache.store(cache, k, work, stdout, returncode, time.monotonic() - start)
        if keep is not None:
            if keep.exists():
                shutil.rmtree(keep)
            shutil.copytree(work, keep)
    log = stdout.replace(str(work) + "/", "")
    errors = sum(1 for d in diags if d.severity != "warning")
    warnings = sum(1 for d in diags if d.severity == "warning")
    if returncode != 0 and errors == 0 and not undefined:
        # make failed for a reason gcc did not report (a Kbuild mistake, a missing tool)
        fails = [m.group("msg") for m in map(_MAKE_FAIL.match, log.splitlines()) if m]
        diags.append(Diagnostic("", 0, 0, "error", fails[0] if fails else f"make exited {returncode}"))
        errors = 1
    return BuildResult(
        driver=driver.label, target=tree.name, ok=returncode == 0,
        errors=errors, warnings=warnings, undefined_symbols=undefined,
        seconds=time.monotonic() - start, diagnostics=diags, log=log,
        returncode=returncode)
