"""Real tools in the guest (fio, iproute2, ethtool): data verified by fio through bridged drivers.

The tools disk (kbridge.actions.guest.tools) gives a guest Debian's own fio,
ip and ethtool. The differential snapshots compare attributes and one
checksum; fio in verify mode writes random-sized blocks at random offsets
with queued asynchronous direct I/O and reads every one back against its
checksum, the way a user would test a block device. The oracle must be able
to fail: null_blk without memory_backed drops what is written, and fio's
verification catches it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import newest_series, release, run_cli
from kbridge.actions.guest.runner import build_for, run_guest
from kbridge.facts import intree

pytestmark = pytest.mark.slow

FIO = """set -e
fio --name=verify --filename=/dev/nullb0 --direct=1 --ioengine=libaio --iodepth=16 \\
    --rw=randwrite --bsrange=4k-128k --size=32M --verify=crc32c --verify_fatal=1 \\
    --randrepeat=0 --output-format=terse --terse-version=3 > /tmp/fio.out
cut -d';' -f1-5 /tmp/fio.out
echo "fio-exit 0"
"""


def _fio_script(tmp_path: Path) -> Path:
    script = tmp_path / "fio.sh"
    script.write_text(FIO)
    return script


# the newest series too: 7.x renamed the module behind the crypto API's "crc32c"
# (crc32c_cryptoapi), which ext4's mount of the tools disk requests; naming the
# module (crc32c_generic) made every --tools run on 7.x an error
@pytest.mark.parametrize("series_name", ["6.12", newest_series()])
def test_tools_in_the_guest_are_debians_own(tmp_path: Path, series_name: str):
    script = tmp_path / "t.sh"
    script.write_text("set -e\nfio --version\nip -V\nethtool --version\n"
                      "ip link add kbt0 type dummy\nip -d link show kbt0\n"
                      "ethtool -k kbt0 | grep -q '^tx-checksumming'\necho tools-ok\n")
    guest = run_guest([], release(series_name), test_script=script, extra_modules=["dummy"],
                      tools=True)
    assert guest.ok, (guest.reasons, guest.test_output)
    out = guest.test_output
    assert "fio-" in out and "iproute2" in out and "ethtool version" in out
    assert "dummy" in out and out.rstrip().endswith("tools-ok")


def test_fio_verify_catches_lost_writes(tmp_path: Path):
    """The oracle can fail: null_blk without memory_backed keeps nothing, fio must say so."""
    build, kos = build_for(str(intree.find("null_blk@6.12").path), release("6.12"), tmp_path / "b")
    assert kos, build.diagnostics
    guest = run_guest(kos, release("6.12"), test_script=_fio_script(tmp_path), tools=True)
    assert guest.test_returncode not in (None, 0), guest.test_output
    assert "verify:" in guest.test_output or "bad" in guest.test_output, guest.test_output


@pytest.mark.parametrize("strategy", ["layer", "inline"])
@pytest.mark.parametrize("source,target", [("6.12", "6.1"), ("6.1", "6.12")])
def test_fio_verify_through_bridged_null_blk(tmp_path: Path, source: str, target: str, strategy: str):
    out = tmp_path / "out"
    src = intree.find(f"null_blk@{source}").path
    proc = run_cli("bridge", str(src), "--target", source, "--target", target,
                   "--strategy", strategy, "-o", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    build, kos = build_for(str(out), release(target), tmp_path / "b")
    assert kos, [d.message for d in build.diagnostics][:5]
    guest = run_guest(kos, release(target), params=["memory_backed=1"],
                      test_script=_fio_script(tmp_path), tools=True)
    assert guest.ok, (guest.reasons, guest.test_output)
    fields = guest.test_output.splitlines()[0].split(";")
    assert fields[4] == "0", guest.test_output       # fio's error field: no error
    assert "fio-exit 0" in guest.test_output
