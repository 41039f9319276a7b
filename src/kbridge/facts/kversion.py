"""Kernel version codes: the one place LINUX_VERSION_CODE arithmetic lives.

``KERNEL_VERSION(a, b, c)`` as <linux/version.h> defines it, parsing "6.1" /
"6.12.40" into codes, and back; used by the #if evaluators (prune's
unifdef-faithful one, cparse's tree-sitter one), the audit, the rules'
release guards and the inline strategy's version guards.
"""

from __future__ import annotations

from kbridge.errors import KbridgeError

VERSION_SYMBOL = "LINUX_VERSION_CODE"
VERSION_MACRO = "KERNEL_VERSION"
# Highest value of a version code: KERNEL_VERSION(255, 255, 255).
MAX_CODE = (255 << 16) + (255 << 8) + 255


def series_of(version: str) -> str:
    """The series of a kernel version or release: "6.1" for 6.1.150 or 6.1.0-NN-amd64."""
    return ".".join(version.split(".")[:2])


def kernel_version(a: int, b: int, c: int) -> int:
    """KERNEL_VERSION(a, b, c) as <linux/version.h> defines it.

    ``((a) << 16) + ((b) << 8) + ((c) > 255 ? 255 : (c))``: the clamp of the
    sublevel to 255 is upstream commit 9b82f13e7ef3 ("kbuild: clamp SUBLEVEL
    to 255", mainline v5.12, backported to the stable series whose sublevel
    passed 255, 4.4.y and 4.9.y first).
    """
    return (a << 16) + (b << 8) + min(c, 255)


def code_of(version: tuple[int, ...]) -> int:
    """(6, 12, 118) or (6, 1) -> its version code (a missing sublevel is 0)."""
    v = (list(version) + [0, 0, 0])[:3]
    return kernel_version(*v)


def parse_kernel(text: str, *, upper: bool = False) -> int:
    """"6.1" / "6.1.0" / "6.12.40" -> version code.

    With ``upper`` a version without a sublevel means its last release
    ("--max-kernel 6.12" covers every 6.12.y), else its first.
    """
    parts = text.strip().split(".")
    try:
        nums = [int(p) for p in parts]
    except ValueError:
        nums = []
    # a sublevel above 255 is real (4.19.325) and clamps, as KERNEL_VERSION does
    if not 2 <= len(nums) <= 3 or any(n < 0 or n > 255 for n in nums[:2]) or min(nums) < 0:
        raise KbridgeError(f"{text!r} is not a kernel version; write it as MAJOR.MINOR[.SUBLEVEL], e.g. 6.1")
    if len(nums) == 2:
        nums.append(255 if upper else 0)
    return kernel_version(*nums)


def format_code(code: int) -> str:
    """Version code -> "a.b.c"."""
    return f"{code >> 16}.{(code >> 8) & 255}.{code & 255}"


def c_expr(version: str) -> str:
    """"6.11" -> "KERNEL_VERSION(6, 11, 0)": a release as C source writes it."""
    parts = [int(p) for p in version.split(".")] + [0, 0]
    return f"{VERSION_MACRO}({parts[0]}, {parts[1]}, {parts[2]})"
