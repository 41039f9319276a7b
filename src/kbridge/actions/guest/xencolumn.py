"""`kbridge matrix --run --xen`: does each built front-end do I/O under Xen?

The load column (:mod:`.loadcheck`) proves that a module links and that its
init ends as the unbridged driver's does on a machine without Xen (ENODEV).
This column goes further for the front-ends whose back-end runs here: for
each target kernel, one boot of Debian's Xen with that kernel as dom0
(:mod:`.xen`), a first stage with the kernel's own front-ends ("native"),
then one stage per built cell, each attaching its device to dom0 itself,
writing data through the grant-table ring and reading it back (a block
device: an 8 MiB dd round trip with O_DIRECT, checksummed) or pinging the
back-end's bridge from the front-end's interface moved into a network
namespace of its own (a vif). A cell is green when its module loads, the
device attaches and reaches Connected at both ends, the test passes, the
module unloads, and no BUG/WARNING/Oops appears in dom0's log while its stage
ran (nor in Xen's own log during the boot). The xenstore negotiation is
compared with the native stage's and the differences are reported: they are
expected where the cell's driver source differs from the kernel's own (its
other series), so they do not fail the cell -- tests/test_xen.py checks that
every difference is one the driver's own source makes natively.

Front-ends without a back-end here keep the load column; :data:`NO_BACKEND`
says why for each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kbridge.actions.kbuild import BuildResult
from kbridge.errors import KbridgeError
from kbridge.facts.driver import Driver
from kbridge.facts.targets import KernelTree

# Module name -> the device kind kbridge attaches for it (xen.FRONTENDS, inverted).
# Why the other Xen front-ends of the corpus get no I/O column here:
NO_BACKEND: dict[str, str] = {
    "xen_scsifront": "back-end xen-scsiback needs a LIO SCSI target configured in dom0 "
                     "(target_core_mod over configfs); kbridge does not set one up yet",
    "xen_kbdfront": "back-end is the qemu-xen device model (vkb), which this dom0 does not run",
    "xen_fbfront": "back-end is the qemu-xen device model (vfb), which this dom0 does not run",
    "xen_pcifront": "PCI pass-through into a PV domU: pcifront has no role in dom0, which "
                    "owns the devices (pciback serves other domains)",
    "xen_tpmfront": "back-end is a vTPM stub domain (vtpm/vtpmmgr), not packaged in Debian",
    "pvcalls_front": "Debian's kernels do not build pvcalls-back (CONFIG_XEN_PVCALLS_BACKEND "
                     "is not set)",
    "snd_xen_front": "back-end is a user-space service (snd_be), not packaged in Debian",
    "drm_xen_front": "back-end is a user-space service (displ_be), not packaged in Debian",
    "xen_hcd": "back-end is the qemu-xen device model's PV USB (qusb), which this dom0 does "
               "not run",
}

# What each stage runs: XEN_DISK / XEN_NETIF are set by the stage for what it attached.
TEST = """r=0
if [ -n "$XEN_DISK" ]; then
  dd if=/dev/urandom of=/tmp/pat bs=1M count=8 2>/dev/null
  dd if=/tmp/pat of=$XEN_DISK bs=1M seek=8 oflag=direct conv=fsync 2>/dev/null
  a=$(md5sum < /tmp/pat | cut -d' ' -f1)
  b=$(dd if=$XEN_DISK bs=1M skip=8 count=8 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)
  if [ -n "$a" ] && [ "$a" = "$b" ]; then echo "disk-io ok"; else echo "disk-io FAILED $a $b"; r=1; fi
fi
if [ -n "$XEN_NETIF" ]; then
  unshare -n sleep 600 & pid=$!; sleep 1
  ip link set $XEN_NETIF netns $pid
  nsenter -t $pid -n ip addr add $XEN_FRONT_IP/24 dev $XEN_NETIF
  nsenter -t $pid -n ip link set $XEN_NETIF up
  if nsenter -t $pid -n ping -c 3 -W 5 $XEN_BRIDGE_IP > /tmp/ping.out; then
    echo "vif-io ok"; else echo "vif-io FAILED $(grep transmitted /tmp/ping.out)"; r=1; fi
  nsenter -t $pid -n ip link set $XEN_NETIF netns 1 || true
  kill $pid
fi
exit $r
"""


@dataclass
class XenCell:
    """One matrix cell's verdict under Xen."""

    driver: str
    target: str
    outcome: str          # "io ok" | "io failed" | "no back-end" | "not built"
    reasons: list[str] = field(default_factory=list)
    differences: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    xen: str | None = None
    seconds: float | None = None       # the whole boot's (shared by the target's cells)
    retries: list[str] = field(default_factory=list)   # attaches libxl's real-time clock
                                       # cut short, tried again (xen.ATTACH_HELPER)

    @property
    def ok(self) -> bool:
        return self.outcome == "io ok"

    def to_json(self) -> dict[str, object]:
        return {"driver": self.driver, "target": self.target, "outcome": self.outcome,
                "ok": self.ok, "reasons": self.reasons, "xen": self.xen, "seconds": self.seconds,
                "retries": self.retries,
                "negotiation_differences": {k: {"native": a, "cell": b}
                                            for k, (a, b) in self.differences.items()}}


def kind_of(module: str) -> str | None:
    from kbridge.actions.guest.xen import FRONTENDS
    for kind, front in FRONTENDS.items():
        if front == module:
            return kind
    return None


def _stage_problems(dmesg: list[str], stage_modules: list[list[str]]) -> list[list[str]]:
    """dom0's problem lines, split by the stage whose modules were loaded last: the
    n-th ``insmod`` mark in dmesg belongs to the stage holding the n-th module."""
    from kbridge.actions.guest.initramfs import KMSG_MARK
    from kbridge.actions.guest.runner import problem_lines

    owner = [i for i, mods in enumerate(stage_modules) for _ in mods]
    out: list[list[str]] = [[] for _ in stage_modules]
    current, seen = -1, 0
    chunk: list[str] = []

    def flush() -> None:
        if current >= 0:
            out[current] += problem_lines(chunk)

    for line in dmesg:
        if line.startswith(f"{KMSG_MARK} insmod "):
            if seen < len(owner) and owner[seen] != current:
                flush()
                chunk = []
                current = owner[seen]
            seen += 1
        chunk.append(line)
    flush()
    return out


def judge_cell(label: str, target: str, module: str, stage, native, boot) -> XenCell:  # type: ignore[no-untyped-def]
    """The verdict of one cell's stage (xen.StageResult) against the native stage."""
    from kbridge.actions.guest.xen import compare

    kind = kind_of(module)
    reasons = list(stage.reasons)
    load = next((m for m in stage.loads if m.name == module), None)
    if load is None or not load.loaded:
        reasons.append(f"{module} did not load: {load.errno or load.message if load else 'not tried'}")
    if stage.attach.get(kind) != 0:
        reasons.append(f"{kind} did not attach (status {stage.attach.get(kind)})")
    node = "vbd" if kind == "disk" else "vif"
    for end, keys in (("front-end", stage.frontend(node)), ("back-end", stage.backend(node))):
        if keys.get("state") != "4":
            reasons.append(f"{end} state {keys.get('state')!r}, not Connected (4)")
    want = "disk-io ok" if kind == "disk" else "vif-io ok"
    if want not in stage.test_output.split("\n"):
        reasons.append(f"{kind} I/O: {stage.test_output.strip()[-200:] or 'no test output'}")
    if stage.rmmod.get(module, 0) != 0:
        reasons.append(f"{module} did not unload")
    diffs = compare(native, stage).differences if native is not None else {}
    # only the cell's own device kind is its business
    diffs = {k: v for k, v in diffs.items() if k.startswith(f"{node}.") or
             (kind == "disk" and k.startswith("/sys/block/")) or
             (kind == "vif" and k.startswith("/sys/class/net/"))}
    return XenCell(label, target, "io failed" if reasons else "io ok", sorted(set(reasons)),
                   diffs, boot.version, round(boot.seconds, 1), list(stage.retries))


def xen_column(cells: list[tuple[Driver, KernelTree, BuildResult, Path]], *,
               version: str | None = None, cache: Path | None = None,
               on_boot: Callable[[object], None] | None = None) -> list[XenCell]:
    """One XenCell per matrix cell: one Xen boot per target kernel for the cells whose
    front-end has a back-end here (:func:`kind_of`), the others say why not."""
    from kbridge.actions.guest import xen
    from kbridge.actions.guest.image import ensure_image
    from kbridge.actions.guest.initramfs import ModuleIndex, module_name
    from kbridge.actions.guest.runner import modules_in

    out: list[XenCell | None] = [None] * len(cells)
    by_release: dict[str, list[tuple[int, str, tuple[Path, ...]]]] = {}
    for i, (drv, tree, res, where) in enumerate(cells):
        kos = modules_in(where) if res.ok else []
        names = [module_name(k) for k in kos]
        front = next((n for n in names if kind_of(n)), None)
        if front is None:
            known = next((n for n in names if n in NO_BACKEND), None)
            why = (NO_BACKEND[known] if known else
                   f"does not build on {tree.name}" if not kos else
                   f"{', '.join(names)}: not a Xen front-end kbridge attaches a device for")
            out[i] = XenCell(drv.label, tree.name, "not built" if not kos else "no back-end", [why])
            continue
        by_release.setdefault(tree.release or tree.name, []).append((i, front, tuple(kos)))
    with_version = {"version": version} if version else {}
    for release, items in sorted(by_release.items()):
        image = ensure_image(release, cache=cache)
        index = ModuleIndex.load(image)
        kinds = sorted({kind_of(front) for _, front, _ in items})
        native_mods = tuple(xen.native_frontend(image, xen.FRONTENDS[k], index=index) for k in kinds)
        stages = [xen.XenStage("native", native_mods)]
        stages += [xen.XenStage(f"cell{i}", kos) for i, _, kos in items]
        with _script() as script:
            boot = xen.run_xen(stages, release, test_script=script, cache=cache, image=image,
                               **with_version)
        if on_boot is not None:
            on_boot(boot)
        found = {s.name: s for s in boot.stages}
        native = found.get("native")
        stage_mods = [[xen.FRONTENDS[k] for k in kinds]] + [[module_name(k) for k in kos]
                                                           for _, _, kos in items]
        problems = _stage_problems(boot.dmesg, stage_mods)
        boot_wide = [r for r in boot.reasons if not r.startswith(("native:", "cell"))
                     and not r.startswith("log:")]
        boot_wide += [f"Xen log: {line.strip()}" for line in boot.xen_log if line in boot.problems]
        for n, (i, front, _) in enumerate(items, start=1):
            drv, tree = cells[i][0], cells[i][1]
            st = found.get(f"cell{i}")
            if st is None:
                out[i] = XenCell(drv.label, tree.name, "io failed",
                                 [f"stage never ran ({'; '.join(boot.reasons) or 'no reason'})"],
                                 xen=boot.version, seconds=round(boot.seconds, 1))
                continue
            cell = judge_cell(drv.label, tree.name, front, st, native, boot)
            extra = [f"dom0 log: {p.strip()}" for p in problems[n]] + boot_wide
            if native is None or not native.ok:
                extra.append("the kernel's own front-ends failed too (native stage): "
                             + "; ".join(native.reasons if native else ["never ran"]))
            if extra:
                cell.reasons = sorted(set(cell.reasons + extra))
                cell.outcome = "io failed"
            out[i] = cell
    if any(c is None for c in out):
        raise KbridgeError("internal: a matrix cell got no Xen verdict")
    return [c for c in out if c is not None]


class _script:
    """The test script in a temporary file, for one run_xen call."""

    def __enter__(self) -> Path:
        import tempfile
        self._dir = tempfile.TemporaryDirectory(prefix="kbridge-xencol-")
        path = Path(self._dir.name) / "test.sh"
        path.write_text(TEST)
        return path

    def __exit__(self, *exc: object) -> None:
        self._dir.cleanup()
