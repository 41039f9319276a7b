"""Probe styles side by side: 100 function-presence probes over 20 subsystem headers.

    .venv/bin/python bench/bench_probe.py [TARGET] [--sample N]

Styles (all compile with the target's own kbuild flags, all answers checked
against each other):

* kbuild-per-probe: one ``make M=dir modules`` per probe (measured on a
  sample of --sample probes and scaled to 100);
* nvidia: the NVIDIA conftest style, one gcc process per probe (``-c``),
  serial and with two jobs;
* openzfs: the OpenZFS configure style, one kbuild of all probes as separate
  objects, ``make -k -j2``;
* kbridge cold: :func:`kbridge.actions.probe.probe` with no cached answers
  (the tree's compile command cached, as it is after the first run on a tree),
  and fully cold (command extracted by a dummy kbuild too);
* kbridge warm: the same call again, every answer from the cache.

Figures go to bench/README.md by hand; this script only measures.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kbridge.actions import kbuild_flags
from kbridge.actions import probe as probes
from kbridge.actions.kbuild import make_env, run_kbuild
from kbridge.facts import targets
from kbridge.knowledge.rules import HeaderProbe, Probe, Rule

FUNCTIONS = {
    "linux/slab.h": ["kfree", "krealloc", "kmem_cache_create", "kmem_cache_destroy", "ksize"],
    "linux/string.h": ["strscpy", "kstrdup", "kmemdup", "strim", "kb_nope_string"],
    "linux/list.h": ["list_add", "list_del", "list_move", "list_splice", "list_is_last"],
    "linux/mutex.h": ["mutex_unlock", "mutex_trylock", "mutex_is_locked", "__mutex_init", "kb_nope_mutex"],
    "linux/spinlock.h": ["_raw_spin_lock", "_raw_spin_unlock", "spin_lock", "spin_unlock", "kb_nope_spin"],
    "linux/workqueue.h": ["queue_work_on", "__flush_workqueue", "cancel_work_sync", "destroy_workqueue",
                          "kb_nope_wq"],
    "linux/timer.h": ["add_timer", "del_timer", "mod_timer", "timer_delete_sync", "kb_nope_timer"],
    "linux/device.h": ["device_register", "put_device", "get_device", "dev_set_name", "device_del"],
    "linux/platform_device.h": ["platform_device_register", "platform_driver_unregister",
                                "platform_get_irq", "platform_device_put", "platform_get_resource"],
    "linux/pci.h": ["pci_enable_device", "pci_disable_device", "pci_set_master", "pci_iomap",
                    "pci_release_regions"],
    "linux/netdevice.h": ["register_netdev", "unregister_netdev", "netif_napi_add_weight", "napi_schedule",
                          "free_netdev"],
    "linux/skbuff.h": ["kfree_skb", "skb_put", "skb_push", "skb_pull", "alloc_skb"],
    "linux/blkdev.h": ["put_disk", "del_gendisk", "set_capacity", "bdev_nr_sectors",
                       "queue_limits_commit_update"],
    "linux/blk-mq.h": ["blk_mq_start_request", "blk_mq_end_request", "blk_mq_alloc_tag_set",
                       "blk_mq_free_tag_set", "blk_mq_complete_request"],
    "linux/fs.h": ["register_chrdev_region", "unregister_chrdev_region", "alloc_chrdev_region", "iput",
                   "kb_nope_fs"],
    "linux/interrupt.h": ["request_threaded_irq", "free_irq", "disable_irq", "enable_irq", "tasklet_kill"],
    "linux/dma-mapping.h": ["dma_alloc_attrs", "dma_free_attrs", "dma_map_page_attrs", "dma_set_mask",
                            "dma_set_coherent_mask"],
    "linux/mm.h": ["vm_flags_set", "get_user_pages", "vmalloc_to_page", "kb_nope_mm", "vm_insert_page"],
    "linux/uaccess.h": ["_copy_to_user", "_copy_from_user", "copy_to_user", "copy_from_user",
                        "kb_nope_uaccess"],
    "linux/fb.h": ["register_framebuffer", "unregister_framebuffer", "framebuffer_alloc",
                   "framebuffer_release", "fb_deferred_io_init"],
}


def bench_rules() -> list[Rule]:
    out = []
    for header, names in FUNCTIONS.items():
        for name in names:
            rid = "bench_" + name.lower()
            out.append(Rule(
                id=rid, subsystem="bench", api=(name,), kind="added", summary=name, since="unknown",
                commit="unknown", commit_title="unknown", guard="KB_HAVE_" + rid.upper(),
                probe=Probe((header,), f"static inline void *kb_probe(void)\n{{\n\treturn (void *)&{name};\n}}\n",
                            f"'{name}' undeclared", HeaderProbe(header, re.escape(name)))))
    return out


def classify(rule: Rule, ok: bool, log: str) -> str:
    if ok:
        return "present"
    errs = [ln for ln in log.splitlines() if re.search(r":\d+:\d+: (fatal )?error: ", ln)]
    return "missing" if errs and re.search(rule.probe.absent, errs[0]) else "broken"


def kbuild_per_probe(tree, rules: list[Rule]) -> dict[str, str]:
    out = {}
    for r in rules:
        with tempfile.TemporaryDirectory(prefix="bench-kbuild-") as tmp:
            work = Path(tmp)
            (work / "p.c").write_text(probes.render_alone(r))
            (work / "Kbuild").write_text("obj-m := p.o\n")
            proc = run_kbuild(work, tree)
            out[r.id] = classify(r, (work / "p.o").is_file(), proc.stdout)
    return out


def nvidia(cmd: kbuild_flags.CompileCommand, rules: list[Rule], jobs: int) -> dict[str, str]:
    with tempfile.TemporaryDirectory(prefix="bench-nvidia-") as tmp:
        work = Path(tmp)

        def one(r: Rule) -> tuple[str, str]:
            src, obj = work / f"{r.id}.c", work / f"{r.id}.o"
            src.write_text(probes.render_alone(r))
            proc = subprocess.run(cmd.object(src, obj), cwd=cmd.cwd, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True, env=make_env())
            return r.id, classify(r, proc.returncode == 0, proc.stdout)

        with ThreadPoolExecutor(max_workers=jobs) as pool:
            return dict(pool.map(one, rules))


def timed(fn, *a, **kw):
    t0 = time.monotonic()
    res = fn(*a, **kw)
    return res, time.monotonic() - t0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("target", nargs="?", default="6.12")
    ap.add_argument("--sample", type=int, default=5, help="probes for the kbuild-per-probe style")
    args = ap.parse_args()
    tree = targets.resolve(args.target)
    rules = bench_rules()
    n = len(rules)
    print(f"target {tree.name}: {n} probes over {len(FUNCTIONS)} headers")

    with tempfile.TemporaryDirectory(prefix="bench-cache-") as cache_dir:
        cache = Path(cache_dir)
        full_cold, t_full = timed(probes.probe, tree, rules, cache)          # command + answers
        c = probes.ProbeCache.default(cache)
        c.db.execute("DELETE FROM answers")
        c.db.execute("DELETE FROM fingerprints")
        c.close()
        cold, t_cold = timed(probes.probe, tree, rules, cache)
        warm, t_warm = timed(probes.probe, tree, rules, cache)
        cmd = kbuild_flags.compile_command(tree, probes.ProbeCache.default(cache).db)
    mine = {r.rule: r.status for r in cold}
    assert all(r.cached for r in warm)
    assert {r.rule: r.status for r in full_cold} == mine

    sample = rules[: args.sample]
    per, t_per = timed(kbuild_per_probe, tree, sample)
    nv1, t_nv1 = timed(nvidia, cmd, rules, 1)
    nv2, t_nv2 = timed(nvidia, cmd, rules, 2)
    zfs_raw, t_zfs = timed(probes.kbuild_answers, tree, rules, jobs=2)
    zfs = {k: v[0] for k, v in zfs_raw.items()}

    for name, got in (("nvidia-serial", nv1), ("nvidia-j2", nv2), ("openzfs", zfs),
                      ("kbuild-per-probe", per)):
        bad = {k: (v, mine[k]) for k, v in got.items() if v != mine[k]}
        print(f"  {name:17} agrees with kbridge on {len(got) - len(bad)}/{len(got)}"
              + (f"  DISAGREE {bad}" if bad else ""))
    broken = [k for k, v in mine.items() if v == "broken"]
    present = sum(1 for v in mine.values() if v == "present")
    print(f"  answers: {present} present, {n - present - len(broken)} missing, {len(broken)} broken")

    rows = [("kbuild per probe (scaled from %d)" % len(sample), t_per * n / len(sample)),
            ("NVIDIA style, serial", t_nv1), ("NVIDIA style, -j2", t_nv2),
            ("OpenZFS style, one kbuild -j2", t_zfs),
            ("kbridge cold (command cached)", t_cold), ("kbridge fully cold", t_full),
            ("kbridge warm", t_warm)]
    for label, secs in rows:
        print(f"  {label:36} {secs:7.2f} s   x{t_nv2 / secs:6.1f} vs NVIDIA -j2   "
              f"x{t_zfs / secs:6.1f} vs OpenZFS")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
