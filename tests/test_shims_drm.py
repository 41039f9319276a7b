"""DRM rules of the 7.x kernels at run time: drm_driver_date_removed and drm_print_h_not_implied.

tests/fixtures/layer/kbtest_drm_old is written for 6.12: its struct drm_driver sets .date and
reads it back, and it calls DRM_INFO() with <drm/drm_print.h> reached only through
<drm/drm_gem.h>. Unbridged it does not build on 7.3 ('struct drm_driver' has no member named
'date'; implicit declaration of DRM_INFO). Natively on 6.12 and bridged on 7.3 it allocates a
DRM device with its driver (the kernel's struct inside the layer's), reads its own date back
and logs through DRM_INFO.
"""

from __future__ import annotations

import shutil

import pytest

from conftest import FIXTURES, release, run_cli
from kbridge.actions.guest import runner
from sharedboot import Entry

DRIVER = FIXTURES / "layer" / "kbtest_drm_old"


def _date_entry(target: str) -> Entry:
    """The cell's module for its kernel's shared boot (tests/sharedboot.py)."""
    def build(tmp_path):  # type: ignore[no-untyped-def]
        drv = DRIVER
        if target != "6.12":
            drv = tmp_path / "out"
            proc = run_cli("bridge", str(DRIVER), "--target", "6.12", "--target", target,
                           "-o", str(drv))
            assert proc.returncode == 0, proc.stdout + proc.stderr
            for rule in ("drm_driver_date_removed", "drm_print_h_not_implied"):
                assert (drv / "compat" / "rules" / rule).is_dir(), rule
        build, kos = runner.build_for(drv, release(target), tmp_path / "build")
        assert build.ok, build.log
        return kos

    return Entry(f"drm:date:{target}", target, build)


def shared_boot_entries(name, params):  # type: ignore[no-untyped-def]
    if name == "test_old_drm_driver_keeps_its_date_and_drm_info":
        return [_date_entry(params["target"])]
    return []


@pytest.mark.slow
@pytest.mark.parametrize("target", ["6.12", "7.3"])
def test_old_drm_driver_keeps_its_date_and_drm_info(target, shared_boot):
    g = shared_boot(_date_entry(target))
    assert g.ok, (g.reasons, g.problems, g.test_output)
    assert "kbdrm date=20180221 name=kbdrm alloc=0" in g.dmesg, [x for x in g.dmesg if "kbdrm" in x]
    assert any("kbdrm DRM_INFO works" in x for x in g.dmesg), [x for x in g.dmesg if "kbdrm" in x]


FBC_SCRIPT = FIXTURES / "layer" / "drm_fbc.sh"


def _fbc_lines(output: str, module: str) -> dict[str, list[str]]:
    """ROUND -> the lines of *module* in that round, in order, the driver's tag dropped."""
    rounds: dict[str, list[str]] = {}
    for line in output.splitlines():
        words = line.split()
        if len(words) >= 4 and words[:2] == ["kbfbc", module]:
            rounds.setdefault(words[2], []).append(" ".join(words[3:]))
    return rounds


@pytest.mark.slow
@pytest.mark.parametrize("target,native,bridged", [
    ("6.12", "kbtest_fbc_old", ("kbtest_fbc_new", "7.3")),
    ("7.3", "kbtest_fbc_new", ("kbtest_fbc_old", "6.12")),
])
def test_fb_create_gets_the_kernels_framebuffer_requests_bridged(tmp_path, target, native, bridged):
    """drm_fb_create_format_info (6.17, 81112eaac559): a DRM driver whose .fb_create has the
    other kernel's arguments, bridged, is called for every framebuffer request of a real
    DRM_IOCTL_MODE_ADDFB2 (the guest helper kbridge-drmfb: dumb buffer, XRGB8888, two-plane
    NV12, a bad GEM handle, a zero width, an unknown fourcc, RMFB) exactly as the target's
    own dialect of the same driver is: the same format info (fourcc, planes, cpp), the same
    framebuffer or errno, the driver's error path (fail_create=1: the framebuffer made and
    put back, -ENOSPC to user space) and a module reload (the layer's copy of the funcs is
    the device's and goes with it). Unbridged, neither fixture builds on the other kernel.
    Failed with the trampoline stubbed (kb_fbc_install returning 0 without installing it:
    the driver's function called with the kernel's arguments) -- the guest oopsed."""
    mod, home = bridged
    out = tmp_path / "out"
    proc = run_cli("bridge", str(FIXTURES / "layer" / mod), "--target", home, "--target", target,
                   "-o", str(out), "--no-abi-check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rel = release(target)
    kos = []
    for d, name in ((FIXTURES / "layer" / native, "native"), (out, "bridged")):
        build, built = runner.build_for(d, rel, tmp_path / name)
        assert build.ok, build.log[-3000:]
        kos += built
    g = runner.run_guest(kos, rel, test_script=FBC_SCRIPT, timeout=300)
    assert g.ok, (g.reasons, g.problems, g.test_output[-3000:])
    want, got = _fbc_lines(g.test_output, native), _fbc_lines(g.test_output, mod)
    assert set(want) == {"first", "failing", "reloaded", "rmmod"}, g.test_output[-3000:]
    # the 7.x dialect's fb_create says what info it was given (native on 7.3, bridged on
    # 6.12): the format of the request, the very info the framebuffer was made with
    given = [x for r in ("first", "failing", "reloaded")
             for x in (want if native == "kbtest_fbc_new" else got)[r] if x.startswith("given ")]
    assert len(given) == 9, given               # xrgb8888, nv12, bad handle; three rounds
    for x in given:
        f = dict(w.split("=") for w in x.split()[1:])
        assert f["fmt"] == f["info"] and f["planes"] in ("1", "2"), x
    # made with it for XRGB8888 and NV12 in each round (fail_create puts it back after);
    # the bad handle fails in the helper, before a framebuffer exists
    assert sum(x.endswith("same=1") for x in given) == 6, given
    want = {r: [x for x in v if not x.startswith("given ")] for r, v in want.items()}
    got = {r: [x for x in v if not x.startswith("given ")] for r, v in got.items()}
    # what the test exercises, on the target's own dialect: each request reached fb_create
    # or was refused before it, as the kernel decides
    assert want["first"][:3] == ["dumb ok", "xrgb8888 ok", "nv12 ok"], want
    assert "xrgb8888 ENOSPC" in want["failing"], want
    assert sum(x.startswith("fb_create ") for x in want["first"]) == 3, want   # xrgb, nv12, bad handle
    assert got == want, "\n".join(f"{r}: {a!r} vs {b!r}" for r in want
                                   for a, b in zip(got.get(r, []), want[r]) if a != b) or (got, want)


GEMCB = FIXTURES / "layer" / "kbtest_gemcb"
GEMCB_SCRIPT = FIXTURES / "layer" / "drm_gemcb.sh"


@pytest.mark.slow
def test_old_gem_callbacks_serve_the_objects_of_a_newer_kernel(tmp_path):
    """drm_gem_callbacks_in_object_funcs (d693def4fd1c, 5.11): kbtest_gemcb, a DRM driver of
    5.10 whose GEM callbacks are struct drm_driver members and whose objects carry no
    ->funcs, bridged for 6.1 and 6.12, serves the same requests as on 5.10 (kbridge-drmfb:
    a dumb buffer of its own objects, ADDFB2 on it through drm_gem_fb_create, a bad handle,
    RMFB; an object made at load, exported with PRIME and mapped through dma_buf_vmap, then
    put; a reload; the unload): every object is freed by the driver's
    .gem_free_object_unlocked, none left; the dma-buf's mapping is the address the driver's
    .gem_prime_vmap returned and .gem_prime_vunmap gets it back. Failed with the shim
    stubbed: objects left without ->funcs -- the 6.1 guest oopsed (NULL pointer dereference
    freeing the load-time object); the vmap trampoline's slot left empty -- the mapping
    failed (dmabuf vmap same=0, no vmap/vunmap lines)."""
    out = tmp_path / "out"
    proc = run_cli("bridge", str(GEMCB), "--target", "5.10", "--target", "6.1", "--target", "6.12",
                   "-o", str(out), "--no-abi-check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    seen = {}
    for target in ("5.10", "6.1", "6.12"):
        rel = release(target)
        build, kos = runner.build_for(out, rel, tmp_path / target)
        assert build.ok, build.log[-3000:]
        g = runner.run_guest(kos, rel, test_script=GEMCB_SCRIPT, timeout=300)
        assert g.ok, (target, g.reasons, g.problems, g.test_output[-3000:])
        seen[target] = sorted(x for x in g.test_output.splitlines()
                              if x.startswith("kbgem ") and " on minor " not in x)
    want = seen["5.10"]
    for round in ("first", "reloaded"):
        assert f"kbgem {round} dumb 64x32 ret=0" in want and f"kbgem {round} xrgb8888 ok" in want, want
        assert want.count(f"kbgem {round} free size=8192 live=0") == 2, want
        for x in ("vmap size=8192", "vunmap same=1", "dmabuf vmap same=1 ok"):
            assert f"kbgem {round} {x}" in want, want
    assert "kbgem rmmod unloaded live=0" in want, want
    for target in ("6.1", "6.12"):
        assert seen[target] == want, (target, sorted(set(seen[target]) ^ set(want)))


@pytest.mark.slow
def test_firmware_drivers_only_answers_nomodeset_on_510(tmp_path):
    """drm_firmware_drivers_only_added (6a2d2ddf2c34, 5.17): kbtest_fwonly, written for 6.1,
    asks drm_firmware_drivers_only() at load; bridged for 5.10 it gets the answer of the same
    boot parameter there (vgacon's "nomodeset"): 1 booted with nomodeset, 0 without, as 6.1
    answers natively with nomodeset. Failed with the shim stubbed (returning false): 5.10
    booted with nomodeset logged firmware_only=0."""
    from kbridge.actions.guest.qemu import APPEND
    out = tmp_path / "out"
    proc = run_cli("bridge", str(FIXTURES / "layer" / "kbtest_fwonly"), "--target", "6.1",
                   "--target", "5.10", "-o", str(out), "--no-abi-check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for target, extra, want in (("5.10", " nomodeset", 1), ("5.10", "", 0), ("6.1", " nomodeset", 1)):
        rel = release(target)
        build, kos = runner.build_for(out, rel, tmp_path / f"{target}{extra.strip()}")
        assert build.ok, build.log[-3000:]
        g = runner.run_guest(kos, rel, qemu_args=["-append", APPEND + extra], timeout=300)
        assert g.ok, (target, extra, g.reasons, g.problems)
        assert f"kbfw firmware_only={want}" in g.dmesg, (target, extra, [x for x in g.dmesg if "kbfw" in x])


@pytest.mark.slow
def test_drm_gem_fb_prepare_fb_moved_bridges_510s_drm_front(tmp_path):  # type: ignore[no-untyped-def]
    """drm_gem_fb_prepare_fb_moved (820c1707177c, 5.13), a rename: 5.10's drm_xen_front puts
    drm_gem_fb_simple_display_pipe_prepare_fb in its simple pipe's funcs; bridged to 6.12 the
    shim gives it 6.1's drm_gem_simple_display_pipe_prepare_fb() body (the moved plane helper,
    drm_gem_plane_helper_prepare_fb, on the pipe's plane), a function of the old type. The
    bridge names the rule and the OUT builds clean on 6.12 (unbridged: implicit declaration)."""
    out = tmp_path / "out"
    proc = run_cli("bridge", "drm_xen_front@5.10", "--target", "5.10", "--target", "6.12",
                   "-o", str(out), "--no-abi-check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (out / "compat" / "rules" / "drm_gem_fb_prepare_fb_moved" / "old_on_new.h").is_file()
    build, kos = runner.build_for(out, release("6.12"), tmp_path / "build")
    assert build.ok and not build.warnings, build.log[-3000:]


def test_fb_create_trampoline_is_one_per_module(tmp_path):  # type: ignore[no-untyped-def]
    """kb_fbc_install() tells a device it already gave the trampoline by the trampoline's
    address; a module whose files each call drm_dev_register() (a registration retried from
    another file) must therefore have ONE trampoline, or the second file copies the first
    file's copy and its trampoline calls the other with the driver's arguments. Built on
    6.12 from kbtest_fbc_new plus a second file that registers too: one global (weak)
    kb_fbc_tramp in the .ko; before (a static inline per file) there were two local ones."""
    import shutil
    import subprocess

    drv = tmp_path / "drv"
    shutil.copytree(FIXTURES / "layer" / "kbtest_fbc_new", drv)
    (drv / "retry.c").write_text(
        "// SPDX-License-Identifier: GPL-2.0\n#include <drm/drm_drv.h>\n"
        "int kbt_register_again(struct drm_device *drm);\n"
        "int kbt_register_again(struct drm_device *drm)\n{\n\treturn drm_dev_register(drm, 0);\n}\n")
    (drv / "Kbuild").write_text("obj-m += kbtest_fbc_new.o\nkbtest_fbc_new-y := kbt_main.o retry.o\n")
    (drv / "kbtest_fbc_new.c").rename(drv / "kbt_main.c")
    out = tmp_path / "out"
    proc = run_cli("bridge", str(drv), "--target", "7.3", "--target", "6.12", "-o", str(out),
                   "--no-abi-check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    build, kos = runner.build_for(out, release("6.12"), tmp_path / "build")
    assert build.ok, build.log[-3000:]
    syms = subprocess.run(["nm", str(kos[0])], capture_output=True, text=True, check=True).stdout
    tramps = [ln.split()[-2] for ln in syms.splitlines() if ln.endswith(" kb_fbc_tramp")]
    assert tramps == ["W"], syms


def test_old_gem_vmap_that_takes_the_reservation_lock_is_refused(tmp_path):  # type: ignore[no-untyped-def]
    """drm_gem_callbacks_in_object_funcs on 6.2+: the core calls obj->funcs->vmap/vunmap with
    the object's reservation lock held (6.12's drm_gem_vmap/_locked: dma_resv_assert_held;
    dma_buf_vmap and dma_buf_map_attachment -- get_sg_table -- assert the dma-buf's resv,
    which is obj->resv for a GEM export); 5.10's drm_gem_vmap and dma_buf_vmap held no resv
    (dmabuf->lock only), so a 5.10 driver's .gem_prime_vmap could take obj->resv itself (as
    5.10's own drm_gem_vram_vmap did with ttm_bo_reserve) and would deadlock behind the
    trampoline. Dropping the lock in the trampoline is not safe (dma_buf_vmap's
    vmapping_counter/vmap_ptr and a caller's ww acquire context rely on it), so the layer
    refuses such a driver (not bridged, bridge exits 1); kbtest_gemcb as it is (no lock in
    its callbacks) is bridged. Failed before: the locking variant was reported bridged."""
    src = tmp_path / "kbtest_gemcb"
    shutil.copytree(GEMCB, src)
    c = src / "kbtest_gemcb.c"
    s = c.read_text()
    old = '\tpr_info("kbgem vmap size=%zu\\n", obj->size);\n\treturn kbg_buf;\n'
    assert old in s
    c.write_text(s.replace(old, '\tdma_resv_lock(obj->resv, NULL);\n' + old.replace(
        "\treturn kbg_buf;\n", "\tdma_resv_unlock(obj->resv);\n\treturn kbg_buf;\n")))
    for driver, want in ((src, 1), (GEMCB, 0)):
        out = tmp_path / f"out{want}"
        proc = run_cli("bridge", str(driver), "--target", "5.10", "--target", "6.12",
                       "-o", str(out), "--no-abi-check")
        assert proc.returncode == want, proc.stdout + proc.stderr
        refused = "calls dma_resv_lock() in its .gem_prime_vmap callback kbg_vmap()"
        assert (refused in proc.stdout + proc.stderr) == bool(want), proc.stdout + proc.stderr


GEMV = FIXTURES / "layer" / "kbtest_gemv"
GEMV_SCRIPT = FIXTURES / "layer" / "drm_gemv.sh"


@pytest.mark.slow
def test_iosys_map_vmap_callbacks_serve_510s_core(tmp_path):
    """drm_gem_vmap_iosys_map (new_on_old), drm_driver_const, drm_gem_atomic_helper_h_added,
    drm_simple_pipe_default_prepare_fb:
    kbtest_gemv, a DRM driver of 6.1 (const struct drm_driver; GEM funcs whose .vmap fills an
    iosys_map and returns an errno; <drm/drm_gem_atomic_helper.h>), bridged for 5.10, maps four objects through PRIME on 5.10 as 6.1's core would have
    them mapped: system memory and I/O memory give the dma-buf the driver's address and come
    back to .vunmap as a map of the same kind and address; -EIO and a NULL map fail the
    mapping without a .vunmap; a simple pipe without .prepare_fb attaches the write fence of
    its framebuffer's object to the plane state, as 5.15+'s default does; every object is
    freed by the driver's .free; the same after a reload, none left at the unload. Failed
    with the vmap shim stubbed (kb_gemv_install() a no-op, objects keep the driver's funcs):
    5.10's core called the driver's vmap without a map (list_add corruption, the guest hung);
    with the simple-pipe shim stubbed: prepare_fb ret=0 fence=0."""
    out = tmp_path / "out"
    proc = run_cli("bridge", str(GEMV), "--target", "5.10", "--target", "6.1", "-o", str(out),
                   "--no-abi-check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    build, kos = runner.build_for(out, release("5.10"), tmp_path / "5.10")
    assert build.ok, build.log[-3000:]
    g = runner.run_guest(kos, release("5.10"), test_script=GEMV_SCRIPT, timeout=300)
    assert g.ok, (g.reasons, g.problems, g.test_output[-3000:])
    got = [x for x in g.test_output.splitlines() if x.startswith("kbgv ") and " on minor " not in x]
    for round in ("first", "reloaded"):
        lines = [x.removeprefix(f"kbgv {round} ") for x in got if x.startswith(f"kbgv {round} ")]
        # an object is freed when its dma-buf's last reference goes (a deferred fput): any order
        assert sorted(x.split()[1] for x in lines if x.startswith("free ")) == \
            ["err", "fenced", "io", "null", "sys"], (round, got)
        assert [x for x in lines if not x.startswith(("free ", "unloaded "))] == [
            "vmap sys", "vunmap sys iomem=0 same=1", "dmabuf sys mapped=1 same=1",
            "vmap io", "vunmap io iomem=1 same=1", "dmabuf io mapped=1 same=1",
            "vmap err", "dmabuf err mapped=0 same=0",
            "vmap null", "dmabuf null mapped=0 same=0",
            "prepare_fb ret=0 fence=1", "shmem mapped=1 same=1 funcs=kernel",
            "registered 0"], (round, got)
    # the first load's unload is logged before the reload's lines
    assert "kbgv reloaded unloaded live=0" in got, got
    assert "kbgv rmmod ok" in got and "kbgv rmmod unloaded live=0" in got, got


@pytest.mark.slow
@pytest.mark.parametrize("name,home,other", [("kbtest_gfi_new", "7.3", "6.12"),
                                             ("kbtest_gfi_old", "6.12", "7.3")])
def test_drm_get_format_info_bridged_both_ways(tmp_path, name, home, other):
    """drm_get_format_info_pixel_format (0e7d5874fb6b, 6.17), build-only (a pure change of how
    the same two fields are passed): a module of 7.3 calling drm_get_format_info(dev,
    pixel_format, modifier) builds on 6.12, one of 6.12 calling drm_get_format_info(dev,
    mode_cmd) builds on 7.3, each bridged. Failed before the rule: bridge reported the call
    not bridged (too many / too few arguments), exit 1."""
    out = tmp_path / "out"
    proc = run_cli("bridge", str(FIXTURES / "layer" / name), "--target", home, "--target", other,
                   "-o", str(out), "--no-abi-check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "shim drm_get_format_info_pixel_format" in proc.stdout, proc.stdout
    build, _ = runner.build_for(out, release(other), tmp_path / other)
    assert build.ok, build.log[-3000:]
