"""Real user-space tools in the guest: fio, iproute2, ethtool on a read-only disk.

busybox covers loading and sysfs, but a shim's contract is what real tools
see: fio writing and verifying data through a block device, iproute2 creating
devices through rtnetlink (``ip link add ... type dummy``) and ethtool asking
the ethtool netlink/ioctl paths. These are Debian's own binaries (installed
by scripts/setup.sh: fio, iproute2, ethtool, util-linux) with every shared
library they load, copied into an ext4 image (``mke2fs -d``, no loop device,
no root needed) that the guest gets as a read-only virtio disk. /init loads
virtio_pci, virtio_blk and ext4 from the guest kernel's own modules, mounts
the disk at /tools and points the dynamic loader there, so test scripts call
``fio``, ``ip``, ``ethtool`` as on any machine. User space does not depend on
the kernel, so one image serves every guest kernel.

The image is built once per set of binaries (keyed on their contents) and
cached under ``<cache>/guest/tools/``, made atomically under a lock.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kbridge.actions.guest.image import file_lock, guest_root
from kbridge.errors import KbridgeError

# command -> Debian package that ships it (what set-up installs)
TOOLS = {"fio": "fio", "ip": "iproute2", "ethtool": "ethtool", "blkdiscard": "util-linux",
         "blockdev": "util-linux", "bridge": "iproute2"}
# the guest modules that give /init the disk: virtio_pci finds the device,
# virtio_blk makes /dev/vda of it, ext4 reads it; ext4's mount asks the crypto
# API for "crc32c" whatever the filesystem's features (ext4_fill_super), which
# no module dependency names: named by the alias the crypto API requests, since
# the module behind it was renamed (crc32c_generic up to 6.x, crc32c_cryptoapi in
# 7.x) -- ModuleIndex.resolve reads the guest's modules.alias
MODULES = ("virtio_pci", "virtio_blk", "crypto-crc32c", "ext4")
MOUNT = "/tools"
LIBDIR = "lib"            # every shared library, flat, under /tools/lib
LOADER = "/lib64/ld-linux-x86-64.so.2"


@dataclass(frozen=True)
class ToolsDisk:
    image: Path
    tools: tuple[str, ...]

    def qemu_args(self) -> list[str]:
        return ["-drive", f"file={self.image},if=virtio,format=raw,readonly=on"]


def _which(tool: str) -> Path:
    found = shutil.which(tool, path="/usr/sbin:/usr/bin:/sbin:/bin")
    if found is None:
        raise KbridgeError(f"{tool} not found: install Debian's {TOOLS.get(tool, tool)} "
                           "(scripts/setup.sh does); guest tests use the real tool")
    return Path(found).resolve()


def _libraries(binary: Path) -> list[Path]:
    """The shared libraries *binary* loads (ldd), resolved to real files, loader included."""
    proc = subprocess.run(["ldd", str(binary)], capture_output=True, text=True)
    if proc.returncode != 0:
        if "not a dynamic executable" in proc.stdout + proc.stderr:
            return []
        raise KbridgeError(f"ldd {binary} failed: {proc.stderr.strip()[:200]}")
    libs = []
    for line in proc.stdout.splitlines():
        parts = line.split()
        if "=>" in parts:
            path = parts[parts.index("=>") + 1]
            if path == "not":
                raise KbridgeError(f"{binary}: a library it needs is missing ({line.strip()})")
        else:
            path = parts[0]
        if path.startswith("/"):
            libs.append(Path(path))
    return libs


def ensure_tools(tools: tuple[str, ...] = tuple(TOOLS), *, cache: Path | None = None) -> ToolsDisk:
    """The cached tools image holding *tools* and their libraries (built on first use)."""
    if shutil.which("mke2fs") is None:
        raise KbridgeError("mke2fs not found: install e2fsprogs (part of every Debian system)")
    binaries = {t: _which(t) for t in tools}
    files: dict[str, Path] = {}          # name in the image -> host file
    for t, b in binaries.items():
        files[f"bin/{t}"] = b
        for lib in _libraries(b):
            files[f"{LIBDIR}/{lib.name}"] = lib.resolve()
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + files[name].read_bytes())
    root = guest_root(cache) / "tools"
    root.mkdir(exist_ok=True)
    image = root / f"tools-{h.hexdigest()[:16]}.img"
    if image.is_file():
        return ToolsDisk(image, tuple(tools))
    with file_lock(root / ".lock"):
        if image.is_file():
            return ToolsDisk(image, tuple(tools))
        with tempfile.TemporaryDirectory(prefix="kbridge-tools-", dir=root) as tmp:
            tree = Path(tmp) / "tree"
            for name, src in sorted(files.items()):
                dest = tree / name
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, dest)
                os.chmod(dest, 0o755)
            size_kib = sum(p.stat().st_size for p in tree.rglob("*") if p.is_file()) // 1024
            size_kib = size_kib + size_kib // 4 + 16384       # ext4 metadata and journal room
            tmp_img = Path(tmp) / "tools.img"
            # no metadata checksums (ext4 would need the crc32c crypto module) and no
            # journal (the guest mounts it read-only)
            proc = subprocess.run(["mke2fs", "-q", "-F", "-t", "ext4", "-O", "^metadata_csum,^has_journal",
                                   "-L", "kbtools", "-d", str(tree),
                                   str(tmp_img), f"{size_kib}k"], capture_output=True, text=True)
            if proc.returncode != 0:
                raise KbridgeError(f"mke2fs could not make the guest tools image: "
                                   f"{proc.stderr.strip()[:200]}")
            os.replace(tmp_img, image)
    return ToolsDisk(image, tuple(tools))


# Debian's busybox-static runs its own applets before anything on PATH
# (FEATURE_SH_STANDALONE), so `ip` would be busybox's ip whatever PATH says;
# shell functions come first, so the test script is run with one per tool.
PRELUDE = "/kbridge/tools.sh"


def prelude(tools: tuple[str, ...] = tuple(TOOLS), *, own_loader: bool = False) -> str:
    """Shell functions that call each tool by name; *own_loader*: through the disk's own
    dynamic loader (a guest whose /lib64 loader belongs to another glibc), which finds the
    disk's libraries by --library-path, so the test's environment needs no
    LD_LIBRARY_PATH that would hand the other glibc's programs (Xen's xl) the disk's."""
    via = (f"{MOUNT}/{LIBDIR}/{Path(LOADER).name} --library-path {MOUNT}/{LIBDIR} "
           if own_loader else "")
    return "".join(f'{t}() {{ {via}{MOUNT}/bin/{t} "$@"; }}\n' for t in tools)


def init_lines(mark: str) -> list[str]:
    """/init lines (busybox sh) that mount the tools disk once its modules are loaded.

    The loader the binaries name (PT_INTERP) is linked into place and
    LD_LIBRARY_PATH points at the flat library directory; the test script is
    run after :data:`PRELUDE`, so it calls the tools by name."""
    return [
        "n=0; while [ ! -b /dev/vda ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n+1)); done",
        f"mkdir -p {MOUNT} /lib64",
        f"if mount -t ext4 -o ro /dev/vda {MOUNT}; then",
        f"  ln -sf {MOUNT}/{LIBDIR}/{Path(LOADER).name} {LOADER}",
        f"  export PATH={MOUNT}/bin:/bin LD_LIBRARY_PATH={MOUNT}/{LIBDIR}",
        f'  echo "{mark} dep 0 tools-disk mounted at {MOUNT}"',
        "else",
        # reported as a dependency that did not load: the run fails with this reason
        f'  echo "{mark} dep 1 tools-disk cannot mount /dev/vda at {MOUNT}"; ok=0',
        "fi",
    ]
