"""kbridge run: real Debian guest kernels under QEMU, a real test module (tests/fixtures/guest/hello).

Boots take ~4-8 s each under TCG; they run serially and are marked slow.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import FIXTURES, assert_bad_input, release, run_cli
from kbridge.actions.guest import image as image_mod
from kbridge.actions.guest import initramfs, runner
from kbridge.errors import KbridgeError

HELLO = FIXTURES / "guest" / "hello"
CHECK = FIXTURES / "guest" / "check_greeting.sh"
R61 = release("6.1")      # the installed trees' releases: the mirror moves
R612 = release("6.12")


@pytest.fixture(scope="module")
def hello_kos(tmp_path_factory: pytest.TempPathFactory, tree61, tree612) -> dict[str, list[Path]]:
    out = {}
    for tree in (tree61, tree612):
        build, kos = runner.build_for(HELLO, tree.release, tmp_path_factory.mktemp("hello") / "b")
        assert build.ok, build.log
        out[tree.release] = kos
    return out


@pytest.fixture(scope="module")
def img61(tree61) -> image_mod.GuestImage:
    return image_mod.ensure_image(tree61.release)


@pytest.fixture(scope="module")
def img612(tree612) -> image_mod.GuestImage:
    return image_mod.ensure_image(tree612.release)


def test_image_is_the_headers_release(img61, img612, tree61, tree612):
    for img, tree in ((img61, tree61), (img612, tree612)):
        assert img.release == tree.release
        assert img.package == f"linux-image-{tree.release}-unsigned"
        assert img.vmlinuz.stat().st_size > 5_000_000
        # Debian ships no modules.dep; kbridge generated it with depmod -b
        assert (img.modules_dir / "modules.dep").stat().st_size > 100_000
        # the image's config says modules are version-checked: the reason headers must match
        assert "CONFIG_MODVERSIONS=y" in (img.vmlinuz.parent / "config").read_text()


def test_dependency_closure_orders_dependencies_first(img612):
    index = initramfs.ModuleIndex.load(img612)
    order = index.closure(["snd-pcm"])
    # snd-pcm needs snd-timer and snd, and snd needs soundcore (the 6.12 image's modules.dep)
    assert order[-1] == "snd_pcm"
    assert order.index("soundcore") < order.index("snd") < order.index("snd_pcm")
    assert order.index("snd_timer") < order.index("snd_pcm")
    # xenbus is built in: nothing to load
    assert index.closure(["xenbus"]) == [] or "xenbus" in index.builtin


def test_unknown_dependency_is_bad_input(img61):
    index = initramfs.ModuleIndex.load(img61)
    with pytest.raises(KbridgeError, match="no_such_module"):
        index.closure(["no_such_module"])


def test_initramfs_is_deterministic_and_has_deps(tmp_path, img612, hello_kos):
    a = initramfs.build_initramfs(tmp_path / "a.cpio", img612, hello_kos[R612],
                                  params=["greeting=7"], extra_modules=["dummy"])
    b = initramfs.build_initramfs(tmp_path / "b.cpio", img612, hello_kos[R612],
                                  params=["greeting=7"], extra_modules=["dummy"])
    assert a.path.read_bytes() == b.path.read_bytes()
    assert a.deps == ["dummy"] and a.modules == ["hello"]


def test_insmod_errno():
    assert runner.insmod_errno("errno 19 No such device") == "ENODEV"
    assert runner.insmod_errno("errno 2 No such file or directory") == "ENOENT"
    assert runner.insmod_errno("") is None


def test_judge_reports_a_guest_that_never_reported():
    res = runner.judge(R61, "Kernel panic - not syncing: VFS\n", 3.0, False, "tcg", ["x"])
    assert not res.ok
    assert any("stopped before reporting" in r for r in res.reasons)
    assert res.problems == ["Kernel panic - not syncing: VFS"]


def test_judge_names_the_modules_own_kernel_line_not_the_last_one():
    # CI at 9459c4e: under load the kernel's "clocksource: Switched to clocksource tsc"
    # landed between the insmod marker and the end of the log, and the reason quoted it
    # instead of the loader's own line about the module
    own = ("module hello: .gnu.linkonce.this_module section size must match the kernel's "
           "built struct module size at run time")
    mark, kmsg = initramfs.MARK, initramfs.KMSG_MARK
    console = "\n".join([f"{mark} begin x", f"{mark} insmod 1 hello errno 8 Exec format error",
                          f"{mark} dmesg-begin", f"[    1.0] {kmsg} insmod hello",
                          f"[    1.1] {own}", "[    1.2] clocksource: Switched to clocksource tsc",
                          f"{mark} dmesg-end", f"{mark} end"]) + "\n"
    res = runner.judge(R61, console, 3.0, False, "tcg", ["hello"])
    assert not res.ok and res.modules[0].errno == "ENOEXEC"
    assert res.reasons == [f"module hello did not load: ENOEXEC (Exec format error); kernel: {own}"]
    # a module file named with '-' is known to the kernel with '_'
    res = runner.judge(R61, console.replace("insmod 1 hello", "insmod 1 x-y")
                       .replace("insmod hello", "insmod x-y").replace("module hello:", "module x_y:"),
                       3.0, False, "tcg", ["x-y"])
    assert res.reasons[0].endswith(own.replace("hello", "x_y"))


@pytest.mark.slow
def test_run_cli_param_and_test_pass_on_612():
    proc = run_cli("run", str(HELLO), "--kernel", "6.12", "--param", "greeting=7",
                   "--test", str(CHECK), "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(proc.stdout)
    guest = data["guest"]
    assert data["ok"] and guest["release"] == R612
    assert guest["test_returncode"] == 0 and guest["test_output"] == "greeting=7"
    (mod,) = guest["loads"]
    assert mod["name"] == "hello" and mod["returncode"] == 0
    assert "hello: greeting=7" in mod["dmesg"]
    assert guest["seconds"] < 60


@pytest.mark.slow
def test_run_failing_test_script_fails(hello_kos):
    # the script expects greeting=7; the module keeps its default 42
    res = runner.run_guest(hello_kos[R61], R61, test_script=CHECK)
    assert not res.ok
    assert res.test_returncode == 1 and res.test_output == "greeting=42"
    assert res.reasons == ["test exited 1"]


@pytest.mark.slow
def test_run_init_failure_reports_errno(hello_kos):
    res = runner.run_guest(hello_kos[R61], R61, params=["fail=19"])
    (mod,) = res.modules
    assert not res.ok and not mod.loaded and mod.errno == "ENODEV"
    # one attempt only (busybox insmod would retry with init_module and run init twice)
    assert mod.dmesg.count("hello: greeting=42") == 1


@pytest.mark.slow
def test_run_warning_in_dmesg_fails(hello_kos):
    res = runner.run_guest(hello_kos[R612], R612, params=["warn=1"])
    assert res.modules[0].loaded
    assert not res.ok
    assert res.problems and res.problems[0].startswith("WARNING: CPU: 0 PID:")


@pytest.mark.slow
def test_run_wrong_kernel_module_does_not_load(hello_kos):
    # a module built for 6.1 in a 6.12 guest: struct module differs, ENOEXEC
    res = runner.run_guest(hello_kos[R61], R612)
    assert not res.ok and res.modules[0].errno == "ENOEXEC"
    assert "struct module size" in res.reasons[0]


@pytest.mark.slow
def test_run_times_out(hello_kos):
    res = runner.run_guest(hello_kos[R61], R61, timeout=1)
    assert res.timed_out and not res.ok
    assert res.reasons[-1].startswith("time-out after")


def test_run_cli_bad_input(tmp_path):
    assert_bad_input(run_cli("run", str(tmp_path / "missing"), "--kernel", "6.1"), "missing")
    bogus = tmp_path / "x.ko"
    bogus.write_text("not a module")
    assert_bad_input(run_cli("run", str(bogus), "--kernel", "6.1", "--param", "noequals"),
                     "NAME=VALUE")
    assert_bad_input(run_cli("run", str(HELLO), "--kernel", "9.9"), "unknown target")
    assert_bad_input(run_cli("run", str(HELLO), "--kernel", "6.1", "--test", str(tmp_path / "no.sh")),
                     "no.sh")
    assert_bad_input(run_cli("build", str(HELLO), "--target", "6.1", "--", "-smp", "2"), "--")


def test_run_cli_snapshot_bad_input():
    assert_bad_input(run_cli("run", str(HELLO), "--kernel", "6.1", "--against", str(HELLO)),
                     "--snapshot")
    assert_bad_input(run_cli("run", str(HELLO), "--kernel", "6.1", "--snapshot", "net",
                             "--test", str(CHECK)), "--test")
    assert_bad_input(run_cli("run", str(HELLO), "--kernel", "6.1", "--snapshot", "net"),
                     "no net snapshot scenario for module 'hello'")


def test_pvh_kernel_is_the_bzimage_payload(img61, img612):
    # Debian builds with CONFIG_PVH=y: kbridge boots the uncompressed ELF (faster under TCG)
    for img in (img61, img612):
        assert img.boot_kernel.name == "vmlinux"
        head = img.boot_kernel.read_bytes()[:4]
        assert head == b"\x7fELF"
    assert image_mod.bzimage_payload(b"not a kernel" * 100) is None


@pytest.mark.slow
def test_unknown_symbol_is_caught(tmp_path, tree612):
    import shutil

    from kbridge.actions.guest import loadcheck
    from kbridge.actions.kbuild import run_kbuild

    work = tmp_path / "m"
    shutil.copytree(FIXTURES / "guest" / "needs_missing", work)
    # modpost would refuse the undefined symbol; let it through as a warning
    proc = run_kbuild(work, tree612, extra=("KBUILD_MODPOST_WARN=1",))
    assert proc.returncode == 0, proc.stdout
    res = runner.run_guest([work / "needs_missing.ko"], R612)
    (mod,) = res.modules
    assert not res.ok and mod.errno == "ENOENT"
    assert mod.unknown_symbols == ["kbridge_symbol_no_kernel_exports"]
    assert "unknown symbols: kbridge_symbol_no_kernel_exports" in res.reasons[0]
    # the load check calls it what it is, whatever the baseline
    verdict = loadcheck.judge_load("needs_missing", R612, mod, res, "ENODEV")
    assert not verdict.ok and verdict.outcome == "unknown symbol"


@pytest.mark.slow
def test_oops_fails_the_run(hello_kos):
    res = runner.run_guest(hello_kos[R61], R61, params=["crash=1"])
    assert not res.ok
    assert any("BUG: kernel NULL pointer dereference" in p for p in res.problems), res.problems
    assert res.modules[0].returncode != 0      # insmod was killed in the middle of init
