"""The wild set's selection rule (issue 17 item 4) on a hand-made fixture (no kernel code)."""

from __future__ import annotations

from pathlib import Path

from kbridge.facts import wild

MAKEFILE = """\
# SPDX-License-Identifier: GPL-2.0
obj-$(CONFIG_ONE)	+= one.o
obj-$(CONFIG_MULTI)	+= multi.o
multi-y := multi_main.o multi_helper.o
obj-$(CONFIG_MULTI2) += multi2.o
multi2-objs := multi2_a.o
multi2-$(CONFIG_MULTI2_EXTRA) += multi2_b.o
obj-$(CONFIG_RENAMED) += snd-renamed.o
snd-renamed-objs := renamed.o
obj-$(CONFIG_BUILTIN)	+= builtin.o
obj-$(CONFIG_LEAK) += leak.o \\
			hdr.o
obj-$(CONFIG_NOSRC) += nosrc.o
"""

CONFIG = """\
CONFIG_ONE=m
CONFIG_MULTI=m
CONFIG_MULTI2=m
CONFIG_RENAMED=m
CONFIG_BUILTIN=y
CONFIG_LEAK=m
# CONFIG_NOSRC is not set
"""


def _fixture(root: Path) -> None:
    d = root / "drivers/block"
    d.mkdir(parents=True)
    (d / "Makefile").write_text(MAKEFILE)
    (d / "one.h").write_text("#include <linux/types.h>\n")
    (d / "one.c").write_text('#include <linux/module.h>\n#include "one.h"\n')
    (d / "multi.c").write_text("#include <linux/module.h>\n")
    (d / "multi2_a.c").write_text("#include <linux/module.h>\n")
    (d / "renamed.c").write_text("#include <linux/module.h>\n")
    (d / "builtin.c").write_text("#include <linux/module.h>\n")
    (d / "leak.h").write_text('#include "../scsi/sd.h"\n')     # reached through a local header
    (d / "leak.c").write_text('#include "leak.h"\n')
    (d / "hdr.c").write_text('#include "one.h"\n')
    (root / "drivers/net").mkdir(parents=True)
    (root / "drivers/net/Kbuild").write_text("obj-$(CONFIG_NET1) += net1.o\n")
    (root / "drivers/net/Makefile").write_text("obj-$(CONFIG_NET2) += net2.o\n")   # Kbuild wins
    (root / "drivers/net/net1.c").write_text("int x;\n")
    (root / "drivers/net/net2.c").write_text("int y;\n")
    (root / "drivers/gpu").mkdir(parents=True)                    # not a wild directory
    (root / "drivers/gpu/Makefile").write_text("obj-$(CONFIG_ONE) += gpu1.o\n")
    (root / "drivers/gpu/gpu1.c").write_text("int z;\n")


def test_selection_rule(tmp_path: Path) -> None:
    _fixture(tmp_path)
    (tmp_path / ".config").write_text(CONFIG + "CONFIG_NET1=m\nCONFIG_NET2=m\n")
    facts = wild.read_tree(tmp_path)
    chosen, refused = wild.select(facts, wild.parse_config((tmp_path / ".config").read_text()))
    assert [(c.directory, c.name, c.config, c.source) for c in chosen] == [
        ("drivers/block", "hdr", "CONFIG_LEAK", "hdr.c"),   # a continued obj- line; a local header
        ("drivers/block", "one", "CONFIG_ONE", "one.c"),
        ("drivers/block", "snd-renamed", "CONFIG_RENAMED", "renamed.c"),   # one object, renamed
        ("drivers/net", "net1", "CONFIG_NET1", "net1.c"),
    ]
    assert refused["drivers/block/multi"] == "built from more than one object"
    assert refused["drivers/block/multi2"] == "built from more than one object"   # a conditional one
    assert refused["drivers/block/builtin"] == "CONFIG_BUILTIN=y, not m"
    assert "not a header of its directory" in refused["drivers/block/leak"]
    assert "../scsi/sd.h" in refused["drivers/block/leak"]
    assert refused["drivers/block/nosrc"] == "no nosrc.c in the directory"
    assert "drivers/net/net2" not in refused and all("gpu" not in k for k in refused)


def test_candidates_cached(tmp_path: Path) -> None:
    """The tarball path: read in one stream, cached; a changed .config is a new key."""
    import tarfile
    src = tmp_path / "src"
    _fixture(src / "linux-source-9.9")
    tar = tmp_path / "linux-source-9.9.tar.xz"
    with tarfile.open(tar, "w:xz") as tf:
        tf.add(src / "linux-source-9.9", arcname="linux-source-9.9")
    config = tmp_path / "config"
    config.write_text(CONFIG)
    cache = tmp_path / "cache"
    first, _ = wild.candidates(tar, config, cache=cache)
    assert [c.name for c in first] == ["hdr", "one", "snd-renamed"]
    assert len(list((cache / "wild").glob("*.json"))) == 1
    again, _ = wild.candidates(tar, config, cache=cache)
    assert again == first
    config.write_text(CONFIG.replace("CONFIG_LEAK=m", "CONFIG_LEAK=y"))
    changed, refused = wild.candidates(tar, config, cache=cache)
    assert [c.name for c in changed] == ["one", "snd-renamed"] and refused["drivers/block/hdr"] == "CONFIG_LEAK=y, not m"


def test_bench_sample_is_seeded_and_drops_unclean(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """bench_wild's walk: the same seed picks the same modules; a module not clean on its
    own kernel is dropped with the reason and the walk goes on until N are kept (every
    build and bridge stubbed: no kernel needed)."""
    import importlib.util
    from types import SimpleNamespace as NS
    path = Path(__file__).resolve().parent.parent / "bench" / "bench_wild.py"
    spec = importlib.util.spec_from_file_location("bench_wild", path)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    pool = [("drivers/net", f"m{i}") for i in range(20)]
    monkeypatch.setattr(bench, "pair_candidates", lambda a, b: list(pool))
    monkeypatch.setattr(bench, "candidates", lambda s: {k: wild.Candidate(*k, "CONFIG_M", k[1] + ".c")
                                                      for k in pool})
    monkeypatch.setattr(bench.targets, "resolve", lambda s: NS(name=s))
    monkeypatch.setattr(bench.rules_mod, "load", lambda: [])
    monkeypatch.setattr(bench.intree, "extract", lambda s, mods: {
        mods[0].name: NS(path=Path("/nonexistent"), label=f"{mods[0].name}@{s}", version=s)})
    monkeypatch.setattr(bench.drv_mod, "load", lambda p, label, origin_version=None: NS(label=label))

    def build(drv, tree):  # type: ignore[no-untyped-def]
        bad = drv.label.split("@")[0] in ("m3", "m7", "m11", "m15") and drv.label.endswith(f"@{tree.name}")
        return NS(ok=not bad, errors=int(bad), warnings=0, undefined_symbols=[], diagnostics=[])

    def bridged(drv, trees, home_t, other_t, strategy, rules, tmp, drafts):  # type: ignore[no-untyped-def]
        if drv.label.startswith("m0@") and strategy == "inline":
            raise RuntimeError("a kbridge bug")
        res = build(drv, other_t)
        info = {"build": bench._brief(res), "own": bench._brief(res), "rules": [], "drafted": [],
                "not_bridged": {}, "remaining": [], "check_failed": {}}
        return info, res, res
    monkeypatch.setattr(bench, "build", build)
    monkeypatch.setattr(bench, "_bridged", bridged)
    saved: list[int] = []
    runs = [bench.run_pair("6.1", "6.12", seed, 6, True, lambda s: None,
                           checkpoint=lambda part: saved.append(len(part["kept"]))) for seed in (7, 7, 8)]
    assert saved[:6] == [1, 2, 3, 4, 5, 6]         # --json rewritten after each module
    picked = [[k["module"] for k in r["kept"]] for r in runs]
    assert picked[0] == picked[1] and len(picked[0]) == 6 and picked[2] != picked[0]
    dropped = runs[0]["dropped"]
    assert [d["module"] for d in dropped] == ["drivers/net/m15", "drivers/net/m11", "drivers/net/m7",
                                             "drivers/net/m3"]      # met before the 6th kept
    assert all(d["module"].rsplit("/", 1)[1] in ("m3", "m7", "m11", "m15") for d in dropped)
    assert all("not clean on its own kernel" in d["why"] for d in dropped)
    assert not any(m.rsplit("/", 1)[1] in ("m3", "m7", "m11", "m15") for p in picked for m in p)
    order = list(pool)
    import random
    random.Random(7).shuffle(order)
    assert picked[0] == [f"{d}/{n}" for d, n in order if n not in ("m3", "m7", "m11", "m15")][:6]
    m0 = next(k for k in runs[0]["kept"] if k["module"] == "drivers/net/m0")
    assert m0["directions"]["6.1->6.12"]["inline"]["crashed"] == "RuntimeError: a kbridge bug"
    assert "clean" in m0["directions"]["6.1->6.12"]["layer"]["build"]       # the layer cell still ran
    rows = [line for line in bench.summary(runs[0]) if line.strip().startswith("6.1->6.12 ")]
    assert len(rows) == 1 and rows[0].endswith("; bridges crashed: 1")
