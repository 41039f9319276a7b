"""One guest boot per kernel for the init-time shim tests of several files (the suite's
budget: bench/README.md "Suite budget", session 9).

Many test_shims_* tests build a module (native or bridged), boot a guest of one kernel,
load it, and read what its init logged: the module checks the shim's behaviour in its own
init and fails the insmod (or logs FAIL) when it is wrong. Each such test booted its own
guest -- 5.10, 6.1, 6.12 and 7.3 several times each per run. Here a test file declares
its cells as :class:`Entry` objects (a label, the series, and a function that builds the
modules as the test did, asserting what it asserted); ONE boot per series loads the
modules of every selected entry of every file, and each test gets a :class:`GuestResult`
*view* of that boot with its own verdict:

- ``loads`` / ``modules``: the in-kernel dependencies and the entry's own modules only;
- ``reasons`` / ``ok``: the boot's reasons minus the other entries' load failures -- so an
  entry whose module must fail (e.g. -ENODEV without Xen) does not fail its neighbours,
  while anything boot-wide (a BUG/WARNING anywhere after the first insmod, a panic, a
  time-out, a dependency that did not load) still fails every entry of the boot, as it
  failed the test's own boot before;
- ``dmesg``: the kernel messages logged while the entry's own modules loaded (between
  their insmod markers), so two modules printing the same tag do not read each other's.

Modules that share a name (a native and a bridged build of the same driver, two homes of
the same corpus driver) cannot be loaded together: they go to another boot of the same
series (first fit). Entries with a test script, boot parameters or the tools disk are not
for this facility (they stay with their file's own boots, or snapshot.take_many's stages).

Registration: a test module defines ``shared_boot_entries(name, params)`` (the test
function's name and its parametrization) returning the entries that cell needs;
tests/conftest.py's pytest_collection_finish calls it for every *selected* item, so a
boot loads only what the run will read (``-k``, ``-m`` and the sweep mark deselect); an
entry asked for that was not registered (or after its series booted) gets a boot of its
own. A build that fails is re-raised in the entry's own test only.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

BASE_TIMEOUT = 300       # what each converted test gave its own boot
PER_ENTRY = 60           # each further entry of a boot adds this (as take_many's stages)


@dataclass(eq=False)
class Entry:
    """One test cell's modules for the shared boot of *series*: *build(dest)* makes them in
    the empty directory *dest* and returns the .ko files in load order (dependencies first);
    it asserts what the test asserted about the bridge and the build."""
    label: str
    series: str
    build: Callable[[Path], list[Path]]
    # what else the modules claim by name in the kernel that two entries of one boot must
    # not share (a platform device, a misc device): such entries boot apart, as modules of
    # the same name do
    claims: tuple[str, ...] = ()


def native_and_bridged(prefix: str, series: str, old: Path, new: Path, *,
                       oldest: str = "5.10", newest: str = "7.3") -> Entry:
    """The usual cell at each end of a range: on *series* (*oldest* or *newest*), the other
    end's module bridged with the layer for both ends, and this kernel's own module built
    natively, loaded together (native first). *old* is the module written for *oldest*,
    *new* the one for *newest*; the bridge's and both builds' outcomes are asserted."""
    def build(tmp_path: Path) -> list[Path]:
        from conftest import release
        from kbridge.actions.bridge import bridge
        from kbridge.actions.guest import runner
        from kbridge.facts import driver as drv_mod
        from kbridge.facts import targets

        bridged_src, native_src, home = (new, old, newest) if series == oldest else (old, new, oldest)
        o = tmp_path / "out"
        rep = bridge(drv_mod.load(bridged_src), [targets.resolve(s) for s in (oldest, newest)],
                     "layer", o, home=home)
        assert not rep.unbridged, rep.unbridged
        b, kos_b = runner.build_for(o, release(series), tmp_path / "bridged")
        assert b.ok, b.log
        n, kos_n = runner.build_for(native_src, release(series), tmp_path / "native")
        assert n.ok, n.log
        return [*kos_n, *kos_b]

    return Entry(f"{prefix}:{series}", series, build)


def native_on_home(prefix: str, series: str, src: Path, home: str, rule: str) -> Entry:
    """One fixture module written for *home*: built natively in *home*'s boot, and in any
    other series' boot bridged with the layer (for *home* and that series), the bridge
    asserted to apply *rule* and to leave nothing unbridged."""
    def build(tmp_path: Path) -> list[Path]:
        from conftest import release
        from kbridge.actions.bridge import bridge
        from kbridge.actions.guest import runner
        from kbridge.facts import driver as drv_mod
        from kbridge.facts import targets

        out = src
        if series != home:
            out = tmp_path / "out"
            rep = bridge(drv_mod.load(src), [targets.resolve(s) for s in (home, series)], "layer",
                         out, home=home)
            assert not rep.unbridged, rep.unbridged
            assert rule in {str(s["rule"]) for s in rep.shims}, rep.shims
        b, kos = runner.build_for(out, release(series), tmp_path / "build")
        assert b.ok, b.log
        return kos

    return Entry(f"{prefix}:{series}", series, build)


def module_checks(dmesg: list[str], tag: str) -> dict[str, str]:
    """The "<tag> <check> ok|FAIL ..." lines a fixture module's init logged: check -> verdict."""
    out = {}
    for line in dmesg:
        m = re.search(rf"{re.escape(tag)} (\w+) (ok|FAIL.*)$", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out



def assert_all_checks_ok(g, tag: str, checks: list[str], module: str) -> None:  # type: ignore[no-untyped-def]
    """A fixture module's boot *g* went well: the guest ok, every one of *checks* logged
    "<tag> <check> ok" (the others named, with what was logged or "missing"), and the
    module's own "<module>: ok" line -- the ending of every shared-boot fixture test."""
    seen = module_checks(g.dmesg, tag)
    assert g.ok, (g.reasons, g.problems, seen)
    assert seen == dict.fromkeys(checks, "ok"), \
        "; ".join(f"{k}: {seen.get(k, 'missing')}" for k in dict.fromkeys([*checks, *seen])
                  if seen.get(k) != "ok" or k not in checks)
    assert any(f"{module}: ok" in x for x in g.dmesg), f"no '{module}: ok' line"

class SharedBoots:
    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}
        self.done: dict[str, object] = {}          # label -> view or the build's exception
        self.boots: list[dict[str, object]] = []   # what each boot loaded (for reports)

    def want(self, entry: Entry) -> None:
        self.entries.setdefault(entry.label, entry)

    def view(self, entry: Entry, mktemp: Callable[[str], Path]):  # type: ignore[no-untyped-def]
        self.want(entry)
        if entry.label not in self.done:
            self._boot(entry.series, mktemp)
        got = self.done[entry.label]
        if isinstance(got, BaseException):
            raise got
        return got

    def _boot(self, series: str, mktemp: Callable[[str], Path]) -> None:
        from kbridge.actions.guest.initramfs import module_name
        from kbridge.actions.guest.runner import run_guest
        from kbridge.facts import series as series_mod

        pending = [e for e in self.entries.values() if e.series == series and e.label not in self.done]
        built: list[tuple[Entry, list[Path], list[str]]] = []
        for e in pending:
            try:
                kos = e.build(mktemp("sb-" + re.sub(r"[^\w.-]+", "_", e.label)[:40]))
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:          # pytest's Failed/Skipped included
                self.done[e.label] = exc
                continue
            built.append((e, list(kos), [module_name(Path(k)) for k in kos]))
        groups: list[list[tuple[Entry, list[Path], list[str]]]] = []
        for item in built:
            mine = {*item[2], *item[0].claims}
            for g in groups:
                if not {n for e, _, names in g for n in (*names, *e.claims)} & mine:
                    g.append(item)
                    break
            else:
                groups.append([item])
        rel = series_mod.release(series)
        for g in groups:
            kos = [k for _, ks, _ in g for k in ks]
            everyone = {n for _, _, names in g for n in names}
            self.boots.append({"series": series, "entries": [e.label for e, _, _ in g]})
            try:
                res = run_guest(kos, rel, timeout=BASE_TIMEOUT + PER_ENTRY * (len(g) - 1))
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:
                for e, _, _ in g:
                    self.done[e.label] = exc
                continue
            labels = [e.label for e, _, _ in g]
            for e, _, names in g:
                self.done[e.label] = _view(res, set(names), everyone, labels)


def _view(res, own: set[str], everyone: set[str], labels: list[str]):  # type: ignore[no-untyped-def]
    """*res* as the entry whose modules are *own* sees it (module docstring)."""
    others = everyone - own
    reasons = [r for r in res.reasons
               if not any(r.startswith((f"module {n} did not load", f"module {n} was never loaded"))
                          for n in others)]
    loads = [m for m in res.loads if m.kind == "dep" or m.name in own]
    dmesg = [line for m in res.loads if m.kind == "module" and m.name in own for line in m.dmesg]
    view = dataclasses.replace(res, ok=not reasons, reasons=reasons, loads=loads, dmesg=dmesg)
    view.shared_with = labels          # type: ignore[attr-defined]
    return view


REGISTRY = SharedBoots()


def register_selected(items) -> None:  # type: ignore[no-untyped-def]
    """conftest's pytest_collection_finish: the entries of every selected item."""
    for item in items:
        fn = getattr(getattr(item, "module", None), "shared_boot_entries", None)
        if fn is None:
            continue
        params = item.callspec.params if hasattr(item, "callspec") else {}
        for e in fn(item.originalname, params):
            REGISTRY.want(e)
