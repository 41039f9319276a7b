"""Differential runtime tests: what user space sees of a driver, as a comparable snapshot.

A shim can compile and still change behaviour -- a lost queue flag, a limit
not applied, a feature bit dropped. The oracle is the driver on its own
kernel: boot that kernel, load the driver, record what user space sees; then
load the bridged build of the *other* kernel's driver in the same kernel and
record the same things. Every attribute present in both must be equal.

:func:`snapshot` records, as ``{"attributes": {name: value}}``:

* ``kind="block"`` (null_blk): every readable file of
  /sys/block/nullb0/queue (the device the module creates with its defaults)
  as ``q0/<file>``; its size; each parameter of the configfs feature list (``configfs/<name>``); then a second device
  made through configfs (memory-backed, 4 KiB blocks, discard on, 64 MiB) as
  ``q1/<file>``, and an I/O round trip on it: 2 MiB of a fixed pattern
  written, caches dropped, read back, both SHA-256 recorded (``io/...``).
* ``kind="net"`` (macvlan, ifb): the device's /sys/class/net files (less the
  ones that are random or count traffic), its queue counts, every netdev
  feature through ETHTOOL_GFEATURES (``feature/<name>``: on/off, fixed), and
  link state after ``ip link set up``. macvlan is stacked on a dummy device;
  ifb's own ifb0 is used.
* ``kind="zoned"`` (null_blk): a host-managed zoned device made through
  configfs, its queue as ``z/<file>``, sequential O_DIRECT writes into a
  sequential zone read back with checksums, and a write off the write
  pointer (``io/write_off_wp``: refused on a correct zoned disk).

:func:`compare` pairs two snapshots attribute by attribute.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from kbridge.actions.guest.runner import (DEFAULT_TIMEOUT, GuestResult, build_for, own_kernel_line,
                                         run_guest)
from kbridge.errors import KbridgeError

SNAPSHOT_SCHEMA = 1

_DUMP = r'''
dump() {  # dump DIR PREFIX: every readable regular file as PREFIX<name>=<value>
    for f in "$1"/*; do
        [ -f "$f" ] && [ -r "$f" ] || continue
        case " $SKIP " in *" ${f##*/} "*) continue ;; esac
        v=$(cat "$f" 2>/dev/null) || continue
        echo "$2${f##*/}=$(echo "$v" | tr '\n' ' ' | sed 's/ *$//')"
    done
}
'''

BLOCK_SCRIPT = "#!/bin/sh\nset -u\nSKIP=''\n" + _DUMP + r'''
[ -d /sys/block/nullb0 ] || { echo "no /sys/block/nullb0" >&2; exit 1; }
dump /sys/block/nullb0/queue q0/
echo "size0=$(cat /sys/block/nullb0/size)"
mkdir -p /sys/kernel/config
grep -q ' /sys/kernel/config configfs ' /proc/mounts \
    || mount -t configfs configfs /sys/kernel/config || exit 1
# one attribute per configfs parameter the driver offers (configfs/<name>=1): the
# list is the driver's own (a newer null_blk has more parameters), so a parameter
# present in both runs compares equal and one only in the other is only_a/only_b
for f in $(tr ',' ' ' < /sys/kernel/config/nullb/features); do echo "configfs/$f=1"; done
d=/sys/kernel/config/nullb/kb
mkdir $d || exit 1
echo 64 > $d/size && echo 4096 > $d/blocksize && echo 1 > $d/memory_backed \
    && echo 1 > $d/discard && echo 1 > $d/power || exit 1
# a configfs-made device is named after its configfs directory (null_add_dev() in
# null_blk/main.c of both 6.1 and 6.12: "Use configfs dir name as the
# device name"; upstream commit: unknown); 5.10's null_blk names every device
# nullb<index> (its configfs "index" attribute)
dev=kb
[ -b /dev/$dev ] || dev=nullb$(cat $d/index 2>/dev/null)
[ -b /dev/$dev ] || { echo "no /dev/kb, no /dev/$dev" >&2; exit 1; }
dump /sys/block/$dev/queue q1/
echo "size1=$(cat /sys/block/$dev/size)"
# 65536 lines of 32 bytes: exactly 2 MiB of a pattern that shows any misplaced block
awk 'BEGIN { for (i = 0; i < 65536; i++) printf "kbridge block pattern %09d\n", i }' > /tmp/data
dd if=/tmp/data of=/dev/$dev bs=4096 conv=fsync 2>/dev/null || exit 1
echo 3 > /proc/sys/vm/drop_caches
blockdev --flushbufs /dev/$dev
dd if=/dev/$dev of=/tmp/back bs=4096 count=512 2>/dev/null || exit 1
w=$(sha256sum < /tmp/data | cut -d' ' -f1); r=$(sha256sum < /tmp/back | cut -d' ' -f1)
echo "io/written_sha256=$w"
echo "io/read_sha256=$r"
echo "io/roundtrip=$([ "$w" = "$r" ] && echo ok || echo MISMATCH)"
echo 0 > $d/power
rmdir $d
'''

# kind="zoned" (null_blk): a host-managed zoned device made through configfs (4 MiB
# zones, the first conventional, open/active zone limits) as z/<file> of its
# queue, then sequential O_DIRECT writes into the first sequential zone read
# back with checksums, and a write off the write pointer (refused by both
# kernels: 6.12's zone write plugging, 6.1's null_blk write-pointer check).
BLOCK_ZONED_SCRIPT = "#!/bin/sh\nset -u\nSKIP=''\n" + _DUMP + r'''
mkdir -p /sys/kernel/config
grep -q ' /sys/kernel/config configfs ' /proc/mounts \
    || mount -t configfs configfs /sys/kernel/config || exit 1
d=/sys/kernel/config/nullb/kbz
mkdir $d || exit 1
echo 64 > $d/size && echo 4096 > $d/blocksize && echo 1 > $d/memory_backed \
    && echo 1 > $d/zoned && echo 4 > $d/zone_size && echo 1 > $d/zone_nr_conv \
    && echo 4 > $d/zone_max_open && echo 8 > $d/zone_max_active && echo 1 > $d/power || exit 1
dev=kbz
[ -b /dev/$dev ] || { echo "no /dev/$dev" >&2; exit 1; }
dump /sys/block/$dev/queue z/
echo "zsize=$(cat /sys/block/$dev/size)"
awk 'BEGIN { for (i = 0; i < 65536; i++) printf "kbridge zoned pattern %09d\n", i }' > /tmp/data
# zone 1 (the first sequential one) starts at 4 MiB = 64 blocks of 64 KiB
dd if=/tmp/data of=/dev/$dev bs=65536 seek=64 oflag=direct 2>/dev/null || exit 1
dd if=/dev/$dev of=/tmp/back bs=65536 skip=64 count=32 iflag=direct 2>/dev/null || exit 1
w=$(sha256sum < /tmp/data | cut -d' ' -f1); r=$(sha256sum < /tmp/back | cut -d' ' -f1)
echo "io/zoned_roundtrip=$([ "$w" = "$r" ] && echo ok || echo MISMATCH)"
# zone 2 starts at block 128; block 129 is not its write pointer
if dd if=/tmp/data of=/dev/$dev bs=65536 count=1 seek=129 oflag=direct 2>/dev/null; then
    echo "io/write_off_wp=accepted"
else
    echo "io/write_off_wp=refused"
fi
echo 0 > $d/power
rmdir $d
'''

_NET_COMMON = ("#!/bin/sh\nset -u\n"
               # random or traffic-dependent, never comparable
               "SKIP='address perm_addr ifindex iflink dev_id dev_port phys_port_id "
               "phys_port_name phys_switch_id uevent carrier_changes carrier_up_count "
               "carrier_down_count'\n" + _DUMP + r'''
snap() {  # snap DEV: sysfs files, queues, features, link state
    dump /sys/class/net/$1 net/
    echo "queues/rx=$(ls /sys/class/net/$1/queues | grep -c '^rx-')"
    echo "queues/tx=$(ls /sys/class/net/$1/queues | grep -c '^tx-')"
    kbridge-netfeatures $1 | sed 's,^,feature/,'
    ip link set $1 up || exit 1
    sleep 1
    echo "up/operstate=$(cat /sys/class/net/$1/operstate)"
    echo "up/carrier=$(cat /sys/class/net/$1/carrier 2>/dev/null)"
    echo "up/flags=$(cat /sys/class/net/$1/flags)"
    ip addr add 192.0.2.1/24 dev $1 || exit 1
    ping -c 2 -W 1 192.0.2.2 >/dev/null 2>&1
    echo "up/tx_packets_after_ping=$([ "$(cat /sys/class/net/$1/statistics/tx_packets)" -gt 0 ] && echo some || echo none)"
    ip link set $1 down
    echo "down/operstate=$(cat /sys/class/net/$1/operstate)"
}
''')

NET_SCRIPTS = {
    "macvlan": _NET_COMMON + r'''
ip link add d0 type dummy || exit 1
ip link set d0 up
ip link add link d0 name mv0 type macvlan || exit 1
snap mv0
ip link del mv0
ip link del d0
# protodown, through sysfs (the core entry IFLA_PROTO_DOWN also takes): the macvlan
# accepts it, its lower dummy device refuses it
ip link add d1 type dummy || exit 1
ip link add link d1 name mv1 type macvlan || exit 1
ip link set d1 up
ip link set mv1 up
pd() { (echo $2 > /sys/class/net/$1/proto_down) 2>/dev/null && echo set || echo refused; }
echo "protodown/lower=$(pd d1 1)"
echo "protodown/on=$(pd mv1 1)"
echo "protodown/on_value=$(cat /sys/class/net/mv1/proto_down)"
echo "protodown/on_carrier=$(cat /sys/class/net/mv1/carrier 2>/dev/null)"
echo "protodown/off=$(pd mv1 0)"
echo "protodown/off_value=$(cat /sys/class/net/mv1/proto_down)"
echo "protodown/off_carrier=$(cat /sys/class/net/mv1/carrier 2>/dev/null)"
ip link del mv1
ip link del d1
# counters: a macvlan over one end of a veth pair (no IPv6: no traffic of its own);
# ARP probes from the other end are received (broadcast), answered (sent)
for f in all default; do echo 1 > /proc/sys/net/ipv6/conf/$f/disable_ipv6; done 2>/dev/null
ip link add v0 type veth || exit 1
ip link add link v0 name mv2 type macvlan || exit 1
ip link set veth0 up || exit 1
ip link set v0 up
ip link set mv2 up
ip addr add 192.0.2.1/24 dev mv2
sleep 1
arping -D -c 3 -w 5 -I veth0 192.0.2.1 >/dev/null 2>&1
sleep 1
for c in rx_packets rx_bytes multicast tx_packets tx_bytes rx_errors rx_dropped tx_dropped; do
    echo "count/$c=$(cat /sys/class/net/mv2/statistics/$c)"
done
ip link del mv2
ip link del v0
''',
    "ifb": _NET_COMMON + r'''
[ -d /sys/class/net/ifb0 ] || { echo "no ifb0 after loading ifb" >&2; exit 1; }
echo "devices=$(ls /sys/class/net | grep -c '^ifb')"
snap ifb0
''',
}
NET_EXTRA_MODULES = {"macvlan": ["dummy", "veth"], "ifb": []}
KINDS = ("block", "net", "zoned")


def parse_attributes(output: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for line in output.splitlines():
        key, sep, value = line.partition("=")
        if sep and key and " " not in key:
            attrs[key] = value
    return dict(sorted(attrs.items()))


@dataclass
class Snapshot:
    module: str
    release: str
    kind: str
    attributes: dict[str, str]
    guest: GuestResult

    def to_json(self) -> dict[str, object]:
        return {"schema": SNAPSHOT_SCHEMA, "module": self.module, "release": self.release,
                "kind": self.kind, "ok": self.guest.ok, "reasons": self.guest.reasons,
                "attributes": self.attributes}


def _script_for(kind: str, module: str) -> tuple[str, list[str]]:
    if kind == "block":
        return BLOCK_SCRIPT, []
    if kind == "zoned":
        return BLOCK_ZONED_SCRIPT, []
    if kind == "net":
        if module not in NET_SCRIPTS:
            raise KbridgeError(f"no net snapshot scenario for module {module!r} "
                               f"(known: {', '.join(NET_SCRIPTS)})")
        return NET_SCRIPTS[module], NET_EXTRA_MODULES[module]
    raise KbridgeError(f"snapshot kind {kind!r}: use one of {', '.join(KINDS)}")


def take(kos: list[Path], release: str, kind: str, *, cache: Path | None = None,
         timeout: float = DEFAULT_TIMEOUT) -> Snapshot:
    """Snapshot built modules *kos* (the last is the driver) in the guest of *release*."""
    from kbridge.actions.guest.initramfs import module_name

    module = module_name(kos[-1])
    script, extra = _script_for(kind, module)
    with tempfile.TemporaryDirectory(prefix="kbridge-snapshot-") as tmp:
        test = Path(tmp) / "snapshot.sh"
        test.write_text(script)
        guest = run_guest(kos, release, test_script=test, extra_modules=extra, cache=cache,
                          timeout=timeout)
    attrs = parse_attributes(guest.test_output) if guest.test_returncode == 0 else {}
    return Snapshot(module, release, kind, attrs, guest)


def snapshot(module_dir_or_ko: str | Path, release: str, kind: str = "block", *,
             cache: Path | None = None, timeout: float = DEFAULT_TIMEOUT) -> dict[str, object]:
    """What user space sees of a block or net driver in the guest of *release*, as JSON-ready dict.

    *module_dir_or_ko*: a .ko built for *release*, or a driver directory (an
    extracted in-tree driver, or a bridged OUT directory) built here first.
    The dict has ``ok`` (the run passed: loaded, no kernel warnings, the
    scenario's commands worked), ``reasons`` and ``attributes``.
    """
    _script_for(kind, "macvlan" if kind == "net" else "")   # reject a bad kind before building
    path = Path(module_dir_or_ko)
    if path.is_file():
        if path.suffix != ".ko":
            raise KbridgeError(f"{path}: not a .ko module; give a module file or a driver directory")
        return take([path], release, kind, cache=cache, timeout=timeout).to_json()
    with tempfile.TemporaryDirectory(prefix="kbridge-snapshot-build-") as tmp:
        result, kos = build_for(str(module_dir_or_ko), release, Path(tmp) / "build", cache=cache)
        if not kos:
            raise KbridgeError(f"{module_dir_or_ko} does not build for {release} "
                               f"({result.errors} errors); nothing to snapshot")
        return take(kos, release, kind, cache=cache, timeout=timeout).to_json()


@dataclass(frozen=True)
class Stage:
    """One snapshot of a shared boot (:func:`take_many`): built modules *kos* (the last is the
    driver, the others what it needs, loaded first) and the scenario *kind* to run on them."""
    label: str
    kos: tuple[Path, ...]
    kind: str


STAGE_MARK = "@@KBSTAGE"
STAGE_SECONDS = 60      # each stage beyond the first adds this to the boot's time-out
STAGE_TEST_SECONDS = 90  # one stage's scenario; a hung one ends alone, the others still run


def stage_script(stages: list[tuple[str, list[str]]]) -> str:
    """The guest's test script of a shared boot: for each stage (its index and module names,
    copied to /kbridge/stage/NN/MM-name.ko with its scenario as snapshot.sh), load the
    modules, run the scenario, unload the modules in reverse order, everything reported
    between ``@@KBSTAGE NN begin|end`` lines and each stage's kernel messages after a
    ``kbridge-guest: stage NN`` marker, so one stage's warning is its own."""
    from kbridge.actions.guest.initramfs import KMSG_MARK

    lines = ["#!/bin/sh", "oneline() { tr '\\n' ' ' < \"$1\"; }"]
    for i, (_label, names) in enumerate(stages):
        n = f"{i:02d}"
        lines += [f'echo "{STAGE_MARK} {n} begin"', f"echo '{KMSG_MARK} stage {n}' > /dev/kmsg",
                  "sok=1"]
        for j, m in enumerate(names):
            lines += [f"kbridge-insmod /kbridge/stage/{n}/{j:02d}-{m}.ko > /tmp/insmod.out 2>&1; rc=$?",
                      f'echo "{STAGE_MARK} {n} insmod $rc {m} $(oneline /tmp/insmod.out)"',
                      '[ "$rc" = 0 ] || sok=0']
        lines += ['if [ "$sok" = 1 ]; then',
                  f"  timeout {STAGE_TEST_SECONDS} sh /kbridge/stage/{n}/snapshot.sh "
                  "> /tmp/stage.out 2>&1; trc=$?",
                  f'  echo "{STAGE_MARK} {n} test $trc"',
                  f'  echo "{STAGE_MARK} {n} output-begin"; cat /tmp/stage.out; '
                  f'echo "{STAGE_MARK} {n} output-end"',
                  "fi"]
        for m in reversed(names):
            lines += [f"grep -q '^{m} ' /proc/modules && {{ rmmod {m} > /tmp/rmmod.out 2>&1; "
                      f'echo "{STAGE_MARK} {n} rmmod $? {m} $(oneline /tmp/rmmod.out)"; }}']
        lines += [f'echo "{STAGE_MARK} {n} end"']
    lines += [f"echo '{KMSG_MARK} stages done' > /dev/kmsg", ""]
    return "\n".join(lines)


def _parse_stages(output: str, count: int) -> list[dict[str, object]]:
    """Per stage of :func:`stage_script`'s output: loads, test status, scenario output,
    unloads, whether its end was reached."""
    out: list[dict[str, object]] = [{"loads": [], "test": None, "output": [], "rmmod": [],
                                     "ended": False} for _ in range(count)]
    inside: int | None = None
    for line in output.split("\n"):
        if inside is not None:
            if line == f"{STAGE_MARK} {inside:02d} output-end":
                inside = None
            else:
                out[inside]["output"].append(line)          # type: ignore[union-attr]
            continue
        if not line.startswith(STAGE_MARK + " "):
            continue
        words = line[len(STAGE_MARK) + 1:].split(" ", 4)
        if not words[0].isdigit() or int(words[0]) >= count:
            continue
        st = out[int(words[0])]
        tag = words[1] if len(words) > 1 else ""
        if tag in ("insmod", "rmmod") and len(words) >= 4:
            rc = int(words[2]) if words[2].lstrip("-").isdigit() else -1
            st["loads" if tag == "insmod" else "rmmod"].append(  # type: ignore[union-attr]
                (words[3], rc, words[4].strip() if len(words) > 4 else ""))
        elif tag == "test" and len(words) == 3 and words[2].lstrip("-").isdigit():
            st["test"] = int(words[2])
        elif tag == "output-begin":
            inside = int(words[0])
        elif tag == "end":
            st["ended"] = True
    return out


def _stage_dmesg(dmesg: list[str], count: int) -> tuple[list[str], list[list[str]]]:
    """The kernel log before the first stage, and each stage's part of it."""
    from kbridge.actions.guest.initramfs import KMSG_MARK

    before: list[str] = []
    parts: list[list[str]] = [[] for _ in range(count)]
    current: list[str] | None = before
    for line in dmesg:
        if line.startswith(KMSG_MARK):
            words = line[len(KMSG_MARK):].split()
            if words[:1] == ["stage"] and len(words) == 2 and words[1].isdigit() \
                    and int(words[1]) < count:
                current = parts[int(words[1])]
            elif current is not before:
                current = None      # "stages done", /init's "done": no stage's any more
            continue
        if current is not None:
            current.append(line)
    return before, parts


def boot_problems(dmesg: list[str]) -> list[str]:
    """Problem lines (BUG, WARNING, ...) after /init's first marker (the dependencies'
    loads) and before the first stage: the boot's, not a stage's; they fail every stage."""
    from kbridge.actions.guest.initramfs import KMSG_MARK
    from kbridge.actions.guest.runner import problem_lines

    first = next((i for i, line in enumerate(dmesg) if line.startswith(KMSG_MARK)), len(dmesg))
    stage0 = next((i for i, line in enumerate(dmesg) if line.startswith(f"{KMSG_MARK} stage")),
                  len(dmesg))
    return problem_lines(dmesg[first:stage0])


def take_many(stages: list[Stage], release: str, *, cache: Path | None = None,
              timeout: float | None = None) -> dict[str, dict[str, object]]:
    """Snapshots of several built drivers in ONE boot of *release*, by stage label.

    Each stage loads its modules, runs its scenario and unloads them before
    the next starts (each scenario cleans up what it made), so two builds of
    the same module -- a bridged one and the kernel's own -- are seen by the
    same kernel one after the other, for the price of one boot. A stage's
    snapshot is as :func:`snapshot` gives it (``ok``, ``reasons``,
    ``attributes``); it fails alone for its own load error, its scenario's
    exit status, a kernel warning while it ran, or a module that does not
    unload; a failure of the boot (time-out, crash, a dependency) fails all.
    """
    from kbridge.actions.guest.image import ensure_image
    from kbridge.actions.guest.initramfs import (ModuleIndex, _copy_module, add_payload,
                                                 host_tools, init_script, module_depends,
                                                 module_name, new_tree, pack)
    from kbridge.actions.guest.qemu import boot
    from kbridge.actions.guest.runner import MARK, judge, problem_lines

    if not stages:
        return {}
    if len({st.label for st in stages}) != len(stages):
        raise KbridgeError("take_many: two stages share a label")
    named: list[tuple[str, list[str]]] = []
    extra: list[str] = []
    scripts: list[str] = []
    for st in stages:
        for k in st.kos:
            if not Path(k).is_file():
                raise KbridgeError(f"{k}: no such module file")
        names = [module_name(Path(k)) for k in st.kos]
        script, more = _script_for(st.kind, names[-1])
        named.append((st.label, names))
        scripts.append(script)
        extra += [m for m in more if m not in extra]
    tested = {n for _, names in named for n in names}
    wanted = list(extra)
    for st in stages:
        wanted += [d for k in st.kos for d in module_depends(Path(k))
                   if d not in tested and d not in wanted]
    if timeout is None:
        timeout = DEFAULT_TIMEOUT + STAGE_SECONDS * (len(stages) - 1)
    image = ensure_image(release, cache=cache)
    index = ModuleIndex.load(image)
    deps = index.closure(wanted)
    with tempfile.TemporaryDirectory(prefix="kbridge-snapshots-") as tmp:
        test = Path(tmp) / "stages.sh"
        test.write_text(stage_script(named))
        dest = Path(tmp) / "initrd.cpio"
        tree = new_tree(dest, host_tools(), (), cache)
        add_payload(tree, image, index, deps, [], test, False)
        for i, (st, (_label, names), script) in enumerate(zip(stages, named, scripts)):
            d = tree / "kbridge" / "stage" / f"{i:02d}"
            d.mkdir(parents=True)
            for j, (k, n) in enumerate(zip(st.kos, names)):
                _copy_module(Path(k), d / f"{j:02d}-{n}.ko")
            (d / "snapshot.sh").write_text(script)
        pack(tree, init_script(deps=deps, modules=[], params=[], has_test=True,
                               test_timeout=max(5, int(timeout) - 10)), dest)
        b = boot(image, dest, timeout=timeout, cache=cache)
        if f"{MARK} begin" not in b.console:   # died before /init: the host, as run_guest says
            b = boot(image, dest, timeout=timeout, cache=cache)
    guest = judge(release, b.console, b.seconds, b.timed_out, b.accel, [])
    common = [r for r in guest.reasons if not r.startswith("kernel log:")]
    _before, parts = _stage_dmesg(guest.dmesg, len(stages))
    early = boot_problems(guest.dmesg)
    if early:
        common.append(f"kernel log before the first stage: {early[0].strip()}")
    results: dict[str, dict[str, object]] = {}
    for st, (label, names), parsed, log in zip(stages, named, _parse_stages(guest.test_output,
                                                                          len(stages)), parts):
        reasons = list(common)
        for name, rc, msg in parsed["loads"]:                       # type: ignore[union-attr]
            if rc != 0:
                why = msg or f"insmod exited {rc}"
                unknown = sorted({w for line in log for w in re.findall(r"Unknown symbol (\S+)", line)})
                if unknown:
                    why += f" (unknown symbols: {', '.join(unknown)})"
                elif log:
                    why += f"; kernel: {own_kernel_line(name, log)}"
                reasons.append(f"module {name} did not load: {why}")
        if parsed["test"] not in (None, 0):
            reasons.append(f"snapshot scenario exited {parsed['test']}: "
                           + " | ".join(parsed["output"][-3:]))   # type: ignore[index]
        for name, rc, msg in parsed["rmmod"]:                       # type: ignore[union-attr]
            if rc != 0:
                reasons.append(f"module {name} did not unload: {msg or rc}")
        problems = problem_lines(log)
        if problems:
            reasons.append(f"kernel log: {problems[0].strip()}")
        if not parsed["ended"] and not common:
            reasons.append("the stage did not finish (the guest stopped or timed out in it)")
        loaded = len(parsed["loads"]) == len(names) and all(          # type: ignore[arg-type]
            rc == 0 for _, rc, _ in parsed["loads"])                  # type: ignore[union-attr]
        attrs = (parse_attributes("\n".join(parsed["output"]))       # type: ignore[arg-type]
                 if loaded and parsed["test"] == 0 else {})
        results[label] = {"schema": SNAPSHOT_SCHEMA, "module": names[-1], "release": release,
                          "kind": st.kind, "ok": not reasons, "reasons": reasons,
                          "attributes": attrs, "boot_seconds": round(guest.seconds, 1),
                          # what the kernel logged while the stage ran (a refusal's own words)
                          "kernel_log": [line.rstrip() for line in log][-40:],
                          "stages_in_boot": len(stages)}
    return results


@dataclass
class Comparison:
    same: list[str] = field(default_factory=list)
    different: dict[str, tuple[str, str]] = field(default_factory=dict)
    only_a: list[str] = field(default_factory=list)
    only_b: list[str] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        """Every attribute present in both snapshots has the same value."""
        return not self.different

    def to_json(self) -> dict[str, object]:
        return {"equal": self.equal, "same": len(self.same),
                "different": {k: {"a": a, "b": b} for k, (a, b) in self.different.items()},
                "only_a": self.only_a, "only_b": self.only_b}


def compare(a: dict[str, object], b: dict[str, object]) -> Comparison:
    """Attribute-by-attribute comparison of two :func:`snapshot` results."""
    aa: dict[str, str] = dict(a["attributes"])  # type: ignore[call-overload]
    bb: dict[str, str] = dict(b["attributes"])  # type: ignore[call-overload]
    out = Comparison()
    for key in sorted(set(aa) | set(bb)):
        if key not in bb:
            out.only_a.append(key)
        elif key not in aa:
            out.only_b.append(key)
        elif aa[key] == bb[key]:
            out.same.append(key)
        else:
            out.different[key] = (aa[key], bb[key])
    return out


def differential(candidate: str | Path, reference: str | Path, release: str, kind: str, *,
                 cache: Path | None = None, timeout: float = DEFAULT_TIMEOUT
                 ) -> tuple[Comparison, dict[str, object], dict[str, object]]:
    """The differential test: *candidate* (e.g. a bridged build of the other kernel's driver)
    against *reference* (the driver of *release*'s own source), both in the guest of *release*.

    Returns (comparison, candidate snapshot, reference snapshot). The test
    passes when both runs are ok and ``comparison.equal``.
    """
    cand = snapshot(candidate, release, kind, cache=cache, timeout=timeout)
    ref = snapshot(reference, release, kind, cache=cache, timeout=timeout)
    return compare(cand, ref), cand, ref
