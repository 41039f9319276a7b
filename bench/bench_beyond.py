"""The layer (and inline) on drivers kbridge was not tuned for.

    .venv/bin/python bench/bench_beyond.py [--no-drafts] [NAME ...]

Issue 7 asks to try the layer beyond the corpus and report the numbers. This
takes in-tree drivers of both source packages that build out of tree as one
or a few files (block: brd, loop, nbd, ublk_drv, virtio_blk; net: dummy,
veth, virtio_net), extracted at run time like the corpus (never committed),
and for each driver and direction (6.1's on 6.12, 6.12's on 6.1) counts the
unique gcc errors and warnings of: the plain cross build, the layer-bridged
build and the inline-bridged build, each with the kernel's own kbuild. It also
builds each bridged OUT on the driver's own kernel: the layer must add
nothing there. Rules the layer reports as not bridged are listed.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from kbridge.actions.bridge import bridge  # noqa: E402
from kbridge.actions.kbuild import build  # noqa: E402
from kbridge.facts import driver as drv_mod  # noqa: E402
from kbridge.facts import intree, targets  # noqa: E402

DRAFTS = True       # bridge with drafted bridges (--no-drafts: without)

MODULES = (
    intree.IntreeModule("brd", "drivers/block", ("brd.c",)),
    intree.IntreeModule("loop", "drivers/block", ("loop.c",)),
    intree.IntreeModule("nbd", "drivers/block", ("nbd.c",)),
    intree.IntreeModule("ublk_drv", "drivers/block", ("ublk_drv.c",)),
    intree.IntreeModule("virtio_blk", "drivers/block", ("virtio_blk.c",)),
    intree.IntreeModule("dummy", "drivers/net", ("dummy.c",)),
    intree.IntreeModule("veth", "drivers/net", ("veth.c",)),
    intree.IntreeModule("virtio_net", "drivers/net", ("virtio_net.c",)),
)


def _cell(res) -> str:  # type: ignore[no-untyped-def]
    s = f"{res.errors}e/{res.warnings}w"
    if res.undefined_symbols:
        s += f"/{len(res.undefined_symbols)}u"
    return ("ok " if res.ok else "") + s


def main(names: list[str]) -> int:
    trees = {s: targets.resolve(s) for s in ("6.1", "6.12")}
    mods = tuple(m for m in MODULES if not names or m.name in names)
    entries = {s: intree.extract(s, mods) for s in trees}
    print(f"{'driver':<18} {'on':<5} {'plain':>10} {'layer':>12} {'inline':>12} "
          f"{'layer@own':>10}  not bridged")
    totals = {"plain": 0, "layer": 0, "inline": 0}
    clean = {"plain": 0, "layer": 0, "inline": 0}
    t0 = time.monotonic()
    for m in mods:
        for home, other in (("6.1", "6.12"), ("6.12", "6.1")):
            e = entries[home][m.name]
            drv = drv_mod.load(e.path, label=e.label, origin_version=e.version)
            plain = build(drv, trees[other])
            row = {"plain": plain}
            unbridged: set[str] = set()
            own = None
            with tempfile.TemporaryDirectory(prefix="kbridge-beyond-") as tmp:
                for strategy in ("layer", "inline"):
                    out = Path(tmp) / strategy
                    rep = bridge(drv, [trees[home], trees[other]], strategy, out, drafts=DRAFTS)
                    unbridged |= {u.rule for u in rep.unbridged}
                    bdrv = drv_mod.load(out, label=f"{e.label}+{strategy}")
                    row[strategy] = build(bdrv, trees[other])
                    if strategy == "layer":
                        own = build(bdrv, trees[home])
            for k, res in row.items():
                totals[k] += res.errors
                clean[k] += res.ok and not res.warnings
            print(f"{e.label:<18} {other:<5} {_cell(row['plain']):>10} {_cell(row['layer']):>12} "
                  f"{_cell(row['inline']):>12} {_cell(own):>10}  {', '.join(sorted(unbridged)) or '-'}")
    n = 2 * len(mods)
    print(f"\nerrors: plain {totals['plain']}, layer {totals['layer']}, inline {totals['inline']}; "
          f"clean builds (0 errors, 0 warnings, no undefined symbol) of {n}: plain {clean['plain']}, "
          f"layer {clean['layer']}, inline {clean['inline']}; {time.monotonic() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    DRAFTS = "--no-drafts" not in sys.argv     # without the drafted bridges (issue 17 item 1)
    sys.exit(main([a for a in sys.argv[1:] if a != "--no-drafts"]))
