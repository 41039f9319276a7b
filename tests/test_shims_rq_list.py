"""struct rq_list and blk_mq_ops.queue_rqs(struct rq_list *) on 6.1 (rule rq_list_type, new_on_old).

The layer retypes the one member while the kernel's <linux/blk-mq.h> is read
(a union of both pointer types in the kernel's slot) and serves the kernel's
queue_rqs(struct request **) through a trampoline in a copy of the set's ops.

* compile time: the test module tests/fixtures/layer/kbtest_rq_list (written
  for the newer API: a static const blk_mq_ops with .queue_rqs, the rq_list
  helpers, 6.12's blk_mq_alloc_disk with limits) bridged with the layer
  builds clean on 6.1 and 6.12; its layout.c, built once with the kernel's
  headers alone and once inside the bridged module, must give struct
  blk_mq_ops the same size, alignment and member offsets byte for byte; and
  the wrapper stops with its own message on a header whose member differs;
* run time (guests): the module's load-time self-test of the helpers passes
  on both kernels, and a 4 MiB O_DIRECT round trip goes through .queue_rqs
  with every other request handed back to the kernel, which queues those one
  by one through .queue_rq (the contract of .queue_rqs on both kernels), each
  list in submission order as the newer kernel gives it;
  then rmmod frees the set (and, on 6.1, the ops copy) without a warning.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import FIXTURES
from kbridge.actions.bridge import bridge
from kbridge.actions.kbuild import parse_log, run_kbuild
from kbridge.facts import driver as drv_mod
from kbridge.knowledge.rules import SHIMS_DIR

FIXTURE = FIXTURES / "layer" / "kbtest_rq_list"
WRAPPER = SHIMS_DIR / "rq_list_type" / "include" / "linux" / "blk-mq.h"


def _layout(obj: Path) -> bytes:
    """The bytes of layout.c's .kblayout section in a built object."""
    out = obj.with_suffix(".kblayout.bin")
    subprocess.run(["objcopy", "-O", "binary", "--only-section=.kblayout", str(obj), str(out)],
                   check=True)
    data = out.read_bytes()
    assert len(data) >= 8 * 18, len(data)
    return data


@pytest.fixture(scope="module")
def bridged(tmp_path_factory, tree61, tree612):  # type: ignore[no-untyped-def]
    """The fixture bridged for 6.12 and 6.1, built on both: {release: .ko path}, OUT."""
    tmp = tmp_path_factory.mktemp("rq_list")
    drv = drv_mod.load(FIXTURE)
    out = tmp / "out"
    rep = bridge(drv, [tree612, tree61], "layer", out)
    assert rep.ok and not rep.unbridged, rep.unbridged
    assert "rq_list_type" in {s["rule"] for s in rep.shims}
    kos: dict[str, Path] = {}
    layouts: dict[str, bytes] = {}
    for tree in (tree61, tree612):
        proc = run_kbuild(out, tree)
        diags, undefined = parse_log(proc.stdout, out)
        assert proc.returncode == 0 and not diags and not undefined, (tree.name, diags, undefined,
                                                                       proc.stdout[-2000:])
        ko = tmp / f"kbtest_rq_list-{tree.release}.ko"
        ko.write_bytes((out / "kbtest_rq_list.ko").read_bytes())
        kos[tree.release] = ko
        layouts[tree.release] = _layout(out / "layout.o")
    return kos, layouts, out


def test_driver_files_untouched(bridged):  # type: ignore[no-untyped-def]
    _, _, out = bridged
    for name in ("main.c", "layout.c"):
        assert (out / name).read_bytes() == (FIXTURE / name).read_bytes()
    # the retyping wrapper sits under the generated "after" wrapper of the same header
    assert (out / "compat" / "include.1" / "linux" / "blk-mq.h").read_bytes() == WRAPPER.read_bytes()


@pytest.mark.parametrize("series", ["6.1", "6.12"])
def test_blk_mq_ops_layout_is_the_kernels(bridged, series, tmp_path, tree61, tree612):  # type: ignore[no-untyped-def]
    """layout.c alone (the kernel's headers only) and inside the bridged module: same bytes."""
    tree = tree61 if series == "6.1" else tree612
    _, layouts, _ = bridged
    plain = tmp_path / "plain"
    plain.mkdir()
    shutil.copy(FIXTURE / "layout.c", plain / "layout.c")
    (plain / "lic.c").write_text('#include <linux/module.h>\nMODULE_LICENSE("GPL");\n')
    (plain / "Kbuild").write_text("obj-m += kblayout.o\nkblayout-y := layout.o lic.o\n")
    proc = run_kbuild(plain, tree)
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert _layout(plain / "layout.o") == layouts[tree.release]


def test_wrapper_refuses_a_header_it_does_not_fit(tmp_path):  # type: ignore[no-untyped-def]
    """A kernel whose queue_rqs already takes a struct rq_list * (or anything but struct
    request **) must stop the build with the wrapper's message, not build something wrong."""
    inc = tmp_path / "inc" / "linux"
    inc.mkdir(parents=True)
    # stand-ins for the kernel's headers, found by the wrapper's #include(_next)s
    (inc / "build_bug.h").write_text("#define static_assert(e, m) _Static_assert(e, m)\n")
    (inc / "stddef.h").write_text("#define offsetof(t, m) __builtin_offsetof(t, m)\n")
    (inc / "blk-mq.h").write_text(
        "struct blk_mq_ops {\n\tvoid (*commit_rqs)(void *);\n"
        "\tvoid (*queue_rqs)(struct rq_list *rqlist);\n\tint (*get_budget)(void *);\n};\n")
    wrap = tmp_path / "wrap" / "linux"
    wrap.mkdir(parents=True)
    shutil.copy(WRAPPER, wrap / "blk-mq.h")
    # a kernel with a queue_rqs slot (5.16+: blk_mq_ops_newer_signatures says new) and
    # without struct rq_list
    (tmp_path / "wrap" / "kb_config.h").write_text(
        "#define KB_HAVE_BLK_MQ_OPS_NEWER_SIGNATURES 1\n/* KB_HAVE_RQ_LIST_TYPE: not this kernel */\n")
    (tmp_path / "t.c").write_text("#include <linux/blk-mq.h>\n")
    proc = subprocess.run(["gcc", "-fsyntax-only", "-std=gnu11", f"-I{tmp_path / 'wrap'}",
                           f"-I{tmp_path / 'inc'}", str(tmp_path / "t.c")],
                          capture_output=True, text=True)
    assert proc.returncode != 0
    assert "is not void (*)(struct request **); the rq_list_type wrapper does not fit it" in \
        proc.stderr, proc.stderr[-3000:]
    # the same stand-in with the older member type: accepted, layout kept
    (inc / "blk-mq.h").write_text((inc / "blk-mq.h").read_text().replace(
        "struct rq_list *rqlist", "struct request **rqlist"))
    (tmp_path / "t.c").write_text(
        "#include <linux/blk-mq.h>\n"
        "_Static_assert(sizeof(struct blk_mq_ops) == 3 * sizeof(void *), \"size\");\n")
    proc = subprocess.run(["gcc", "-fsyntax-only", "-std=gnu11", f"-I{tmp_path / 'wrap'}",
                           f"-I{tmp_path / 'inc'}", str(tmp_path / "t.c")],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def _guest_images(*releases: str | None) -> None:
    """Fetch (once, into the cache) the guest kernels of *releases*: a missing image is fetched,
    and one that cannot be had fails the test -- never a skip."""
    from kbridge.actions.guest.image import ensure_image
    for release in releases:
        assert release, "a kernel tree without a release"
        ensure_image(release)


@pytest.mark.slow
def test_queue_rqs_contract_in_guests(bridged):  # type: ignore[no-untyped-def]
    from kbridge.actions.guest.runner import run_guest

    kos, _, _ = bridged
    _guest_images(*kos)
    for release, ko in sorted(kos.items()):
        g = run_guest([ko], release, test_script=FIXTURE / "rq_list_io.sh", timeout=240)
        assert g.ok, (release, g.reasons, g.problems, g.test_output)
        got = dict(line.split(" ", 1)[1].split("=", 1)
                   for line in g.test_output.splitlines() if line.startswith("kbrq "))
        assert got["roundtrip"] == "ok" and got["bytes"] == str(4 * 1024 * 1024), (release, got)
        calls, done, left, single = (int(got[k]) for k in (
            "queue_rqs_calls", "queue_rqs_done", "queue_rqs_left", "queue_rq_calls"))
        # the kernel used .queue_rqs, the callback took every other request and the
        # kernel queued the ones it handed back through .queue_rq
        assert calls > 0 and done > 0 and left > 0, (release, got)
        assert single >= left, (release, got)
        assert done + single >= 128, (release, got)      # 64 requests each way, all done
        # sequential I/O reaches .queue_rqs in submission order (the 6.1 plug is newest first)
        assert got["queue_rqs_unordered"] == "0", (release, got)
        assert got["unloaded"] == "yes", (release, got)
