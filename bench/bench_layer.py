"""What a layer's build-time probes cost, next to the build they configure.

    .venv/bin/python bench/bench_layer.py [LABEL ...]   (default: xen-blkfront@6.12 xen-blkfront@6.1)

For each corpus driver: bridge it for the other series, then on both kernels
time (1) the probe step alone, cold (compat/kb_conftest.sh with no
kb_config.h: one batched gcc -fsyntax-only), (2) warm (the key matches:
nothing compiled), (3) a whole `make -C tree M=OUT modules` from clean,
which includes the cold probe step.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from kbridge.actions.bridge import bridge  # noqa: E402
from kbridge.actions.kbuild import make_env, run_kbuild  # noqa: E402
from kbridge.facts import corpus, targets  # noqa: E402
from kbridge.facts import driver as drv_mod  # noqa: E402


def _clean(out: Path, tree) -> None:  # type: ignore[no-untyped-def]
    subprocess.run(["make", "-C", str(tree.path), f"M={out}", "clean"], capture_output=True, env=make_env())


def _conftest(out: Path) -> float:
    c = out / "compat"
    t0 = time.monotonic()
    r = subprocess.run(["sh", str(c / "kb_conftest.sh"), str(c), str(c / ".kb_flags"), "gcc-12"],
                       capture_output=True, text=True, env=make_env())
    assert r.stdout.strip() == "ok", r.stdout
    return time.monotonic() - t0


def main(labels: list[str]) -> None:
    trees = {"6.1": targets.resolve("6.1"), "6.12": targets.resolve("6.12")}
    print("| driver | kernel | probes | cold probe step s | warm s | full make s |")
    print("|---|---|---|---|---|---|")
    for label in labels:
        e = corpus.find(label)
        other = "6.1" if e.series == "6.12" else "6.12"
        drv = drv_mod.load(e.path, label=label, origin_version=e.version)
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out"
            bridge(drv, [trees[other]], "layer", out)
            n = len((out / "compat" / "kb_probes.map").read_text().splitlines())
            for series, tree in trees.items():
                _clean(out, tree)
                t0 = time.monotonic()
                assert run_kbuild(out, tree).returncode == 0
                full = time.monotonic() - t0
                (out / "compat" / "kb_config.h").unlink()
                cold = _conftest(out)
                warm = _conftest(out)
                print(f"| {label} | {tree.name} | {n} | {cold:.2f} | {warm:.3f} | {full:.1f} |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:] or ["xen-blkfront@6.12", "xen-blkfront@6.1"])
