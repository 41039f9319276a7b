"""The ``kbridge`` command: all argument parsing, then a lazy hand-off.

This module is the only place that knows about argparse. It turns the
command line into plain typed values (Path, str, int, bool, lists of them) and
calls ``run(**values)`` of ``kbridge.cli.commands.<command>``, imported only
when that command runs. Command modules call the library and print; the
library never prints or exits. Any :class:`~kbridge.errors.KbridgeError`
becomes one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from pathlib import Path

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage mistake as one line and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")
        raise SystemExit(EXIT_BAD_INPUT)


def _xen_version(text: str) -> str:
    if not re.fullmatch(r"\d+\.\d+", text):
        raise argparse.ArgumentTypeError(f"{text!r}: give Xen's MAJOR.MINOR, e.g. 4.17")
    return text


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _define(text: str) -> tuple[str, int]:
    """-D SYM or -D SYM=VALUE (an integer, as unifdef takes it)."""
    name, eq, value = text.partition("=")
    if not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected SYM or SYM=VALUE, got {text!r}")
    try:
        return name, int(value, 0) if eq else 1
    except ValueError:
        raise argparse.ArgumentTypeError(f"the value of {name} must be an integer, got {value!r}") from None


def _shard(text: str) -> tuple[int, int]:
    from kbridge.actions.matrix import parse_shard
    from kbridge.errors import KbridgeError
    try:
        return parse_shard(text)
    except KbridgeError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _symbol(text: str) -> str:
    if not text.isidentifier():
        raise argparse.ArgumentTypeError(f"expected a macro name, got {text!r}")
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kbridge", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help="cache directory (default: $KBRIDGE_CACHE_DIR or $XDG_CACHE_HOME/kbridge)")
    rules_help = ("a directory of your own rules and shims, laid out like kbridge's knowledge/ "
                  "(DIR/rules/*.toml, DIR/shims/<rule id>/), validated like the built-in ones; "
                  "repeatable, added to those of $KBRIDGE_RULES (paths separated by ':')")
    parser.add_argument("--rules", action="append", type=Path, dest="rules_dirs", default=[],
                        metavar="DIR", help=rules_help)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser("targets", help="list the kernel build trees on this machine")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="more trees to inspect")
    p.add_argument("--json", action="store_true", dest="as_json")

    p = sub.add_parser("roots", help="the Debian roots holding the toolchains of toolchain-\"root\" series")
    p.add_argument("suites", nargs="*", metavar="SUITE", help="only these suites (default: all)")
    p.add_argument("--make", action="store_true", help="make the missing roots (mmdebstrap; as root)")
    p.add_argument("--json", action="store_true", dest="as_json")

    p = sub.add_parser("corpus", help="extract the bundled Xen front-end corpus into the cache")
    p.add_argument("--json", action="store_true", dest="as_json")

    p = sub.add_parser("build", help="build a driver with the target's kbuild and report diagnostics")
    p.add_argument("driver", metavar="DRIVER", help="driver directory, or NAME@SERIES from the corpus")
    p.add_argument("--target", "-t", required=True, metavar="T",
                   help="kernel tree: path, release, or version prefix such as 6.1")
    p.add_argument("--json", action="store_true", dest="as_json")
    p.add_argument("--log", action="store_true", help="print the full kbuild log")

    p = sub.add_parser("matrix", help="build drivers x targets in parallel and tabulate the results")
    p.add_argument("drivers", nargs="*", metavar="DRIVER",
                   help="drivers (default: every series' corpus, each on its own and the other series)")
    p.add_argument("--target", "-t", action="append", dest="targets", metavar="T", default=None,
                   help="target (repeatable; default: every series of the series table)")
    p.add_argument("-j", "--jobs", type=_positive_int, default=None, metavar="N",
                   help="parallel builds (default: number of CPUs)")
    p.add_argument("--strategy", choices=("layer", "inline"), default=None,
                   help="bridge each driver for the target first (layer or inline), then build it")
    p.add_argument("--guards", choices=("feature", "version"), default=None,
                   help="with --strategy inline: KB_HAVE_* feature guards (default) or kernel versions")
    p.add_argument("--run", action="store_true",
                   help="also load every built module in a guest of its target kernel (load check)")
    p.add_argument("--xen", action="store_true",
                   help="with --run: also run every built front-end that has a back-end here "
                        "(blkfront, netfront) under Xen in QEMU, one boot per target, and show "
                        "whether it does I/O (the others say why not)")
    p.add_argument("--xen-version", type=_xen_version, default=None, metavar="MAJOR.MINOR", dest="xen_version",
                   help="with --xen: the Xen hypervisor version (default: bookworm's)")
    p.add_argument("--shard", type=_shard, default=None, metavar="I/N",
                   help="build only shard I of N (a deterministic share of the cells, whatever "
                        "order drivers and targets are given in); join the shards with --merge")
    p.add_argument("--merge", nargs="+", type=Path, default=None, metavar="FILE",
                   help="join saved --json results (shards, strategies) into one result")
    p.add_argument("--html", type=Path, default=None, metavar="FILE",
                   help="also write the result as a self-contained HTML report")
    p.add_argument("--json", action="store_true", dest="as_json")

    p = sub.add_parser("report", help="render saved matrix results as one self-contained HTML report")
    p.add_argument("results", nargs="+", type=Path, metavar="RESULT.json",
                   help="`kbridge matrix --json` results (shards and strategies are joined)")
    p.add_argument("-o", "--output", type=Path, required=True, dest="out", metavar="FILE.html",
                   help="the HTML file to write (atomically)")

    p = sub.add_parser("ci", help="write a CI workflow that runs the matrix in shards and publishes the report")
    p.add_argument("system", choices=("github", "gitlab"), metavar="SYSTEM",
                   help="github (GitHub Actions) or gitlab (GitLab CI)")
    p.add_argument("drivers", nargs="*", metavar="DRIVER",
                   help="drivers the workflow builds (default: the whole corpus)")
    p.add_argument("--shards", type=_positive_int, default=2, metavar="N",
                   help="shards per kernel series and strategy (default 2)")
    p.add_argument("--strategy", action="append", dest="strategies", default=None,
                   choices=("plain", "layer", "inline"),
                   help="strategies to run (repeatable; default: plain, layer, inline)")
    p.add_argument("-o", "--output", type=Path, required=True, dest="out", metavar="FILE",
                   help="the workflow file to write (atomically)")

    p = sub.add_parser("bridge", help="bridge a driver to other kernels (layer: driver untouched + compat/)")
    p.add_argument("driver", metavar="DRIVER", help="driver directory, or NAME@SERIES from the corpus")
    p.add_argument("--target", "-t", action="append", dest="targets", required=True, metavar="T",
                   help="kernel to bridge to (repeatable): path, release, or version prefix such as 6.1")
    p.add_argument("--strategy", choices=("layer", "inline"), default="layer",
                   help="layer: compat component beside the unchanged driver; inline: guarded code")
    p.add_argument("--guards", choices=("feature", "version"), default=None,
                   help="inline only: #ifdef KB_HAVE_* set by build-time probes (feature, the default) "
                        "or LINUX_VERSION_CODE tests (version)")
    p.add_argument("-o", "--output", type=Path, required=True, dest="out", metavar="OUT",
                   help="output directory (replaced atomically)")
    p.add_argument("--no-abi-check", action="store_false", dest="abi_check",
                   help="skip building OUT on each target and comparing every kernel struct its "
                        "debug info describes with the target kernel's BTF (the ABI check)")
    p.add_argument("--no-drafts", action="store_false", dest="drafts",
                   help="do not draft bridges from the driver's own kernel's headers (moved headers, "
                        "static inline functions, macros and constants the target lacks)")
    p.add_argument("--json", action="store_true", dest="as_json")

    p = sub.add_parser("draft", help="write the drafted bridges of a driver for a kernel, and skeleton "
                                     "rules for what remains, to review")
    p.add_argument("driver", metavar="DRIVER", help="driver directory, or NAME@SERIES from the corpus")
    p.add_argument("--target", "-t", action="append", dest="targets", required=True, metavar="T",
                   help="kernel to draft for (repeatable)")
    p.add_argument("-o", "--output", type=Path, required=True, dest="out", metavar="DIR",
                   help="output directory (replaced atomically)")
    p.add_argument("--json", action="store_true", dest="as_json")

    p = sub.add_parser("scan", help="list every kernel API a driver uses, with file:line:col")
    p.add_argument("driver", metavar="DRIVER", help="driver directory, or NAME@SERIES from the corpus")
    p.add_argument("--against", metavar="REF", default=None,
                   help="kernel whose index resolves member types and load-time symbols "
                        "(default: the installed kernel the driver matches best)")
    p.add_argument("--json", action="store_true", dest="as_json")

    p = sub.add_parser("check", help="predict what breaks when a driver is built for a kernel, without building")
    p.add_argument("driver", metavar="DRIVER", help="driver directory, or NAME@SERIES from the corpus")
    p.add_argument("--target", "-t", required=True, metavar="T",
                   help="kernel tree: path, release, or version prefix such as 6.1")
    p.add_argument("--against", metavar="REF", default=None,
                   help="reference kernel the driver builds on (default: the installed kernel "
                        "whose API the driver matches best)")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", dest="as_json",
                     help="findings as JSON ({file, line, col, severity, api, kind, message, target, ...})")
    fmt.add_argument("--sarif", action="store_true", dest="as_sarif", help="findings as SARIF 2.1.0")

    p = sub.add_parser("probe", help="ask a kernel tree which API variants it has (rules' probes)")
    p.add_argument("target", metavar="TARGET", help="kernel tree: path, release, or version prefix such as 6.1")
    p.add_argument("--rule", action="extend", nargs="+", dest="rule_ids", default=None, metavar="ID",
                   help="probe only these rules (repeatable; default: every rule)")
    p.add_argument("--method", choices=("auto", "compile", "header"), default="auto",
                   help="compile probes, header probes, or auto (compile when the tree is configured)")
    p.add_argument("--no-cache", action="store_true", help="ignore and do not update cached answers")
    p.add_argument("-o", "--output", type=Path, default=None, metavar="FILE",
                   help="write the config header (#define KB_HAVE_... 1) to FILE")
    p.add_argument("--json", action="store_true", dest="as_json")

    p = sub.add_parser("index", help="build (or load from the cache) the API index of a kernel tree")
    p.add_argument("target", metavar="TARGET", help="kernel tree: path, release, or version prefix")
    p.add_argument("--stats", action="store_true", help="parse statistics and constructs not understood")
    p.add_argument("--rebuild", action="store_true", help="ignore the cached index and build it again")
    p.add_argument("-j", "--jobs", type=_positive_int, default=None, metavar="N",
                   help="parser processes (default: 2)")
    p.add_argument("--json", action="store_true", dest="as_json")

    p = sub.add_parser("diff", help="API changes between two kernel trees")
    p.add_argument("a", metavar="A", help="the old kernel tree: path, release, or version prefix")
    p.add_argument("b", metavar="B", help="the new kernel tree")
    p.add_argument("--kind", action="append", dest="kinds", metavar="K", default=None,
                   choices=("function", "macro", "struct", "member", "enum", "enum_constant",
                            "typedef", "header", "export"),
                   help="only this kind of declaration (repeatable)")
    p.add_argument("--grep", metavar="PATTERN", default=None,
                   help="only names matching this regular expression")
    p.add_argument("--json", action="store_true", dest="as_json")

    p = sub.add_parser("show", help="where and how a name is declared in a kernel tree")
    p.add_argument("target", metavar="TARGET", help="kernel tree: path, release, or version prefix")
    p.add_argument("name", metavar="NAME",
                   help="function, macro, struct, struct.member, enum constant, typedef, header path")
    p.add_argument("--json", action="store_true", dest="as_json")

    p = sub.add_parser("run", help="boot a Debian guest kernel, load a module, run a test (args after -- go to QEMU)")
    p.add_argument("module", metavar="MODULE_DIR_OR_KO",
                   help="a .ko file, a driver directory (built first), or NAME@SERIES from the corpus")
    p.add_argument("--kernel", "-k", required=True, metavar="RELEASE",
                   help="guest kernel: Debian release (see `kbridge targets`) or installed-tree prefix (6.12)")
    p.add_argument("--test", type=Path, default=None, metavar="SCRIPT",
                   help="shell script run in the guest after loading (exit 0 = pass)")
    p.add_argument("--param", action="append", dest="params", default=[], metavar="NAME=VALUE",
                   help="module parameter (repeatable)")
    p.add_argument("--timeout", type=_positive_int, default=None, metavar="SECONDS",
                   help="give up on the guest after this long (default 180, 600 with --xen)")
    p.add_argument("--log", action="store_true", help="print the guest's whole serial console")
    p.add_argument("--tools", action="store_true",
                   help="give the test script Debian's fio, ip, ethtool, blkdiscard, blockdev "
                        "(a read-only disk mounted at /tools)")
    p.add_argument("--xen", action="store_true",
                   help="load a Xen front-end in dom0 under Debian's Xen hypervisor (QEMU TCG), "
                        "with a PV disk and a vif attached to dom0 itself; the test gets "
                        "$XEN_DISK, $XEN_NETIF, $XEN_BRIDGE_IP, $XEN_FRONT_IP")
    p.add_argument("--xen-version", type=_xen_version, default=None, metavar="MAJOR.MINOR",
                   help="with --xen: Debian's Xen to boot (default 4.17, bookworm's; 4.14 is "
                        "bullseye's, 4.20 trixie's), fetched from its suite without touching "
                        "the host's apt")
    p.add_argument("--native", action="store_true",
                   help="with --xen: first run the guest kernel's own front-end of the same name "
                        "on the same dom0 and compare what both negotiated")
    p.add_argument("--snapshot", choices=("block", "zoned", "net"), default=None,
                   help="instead of --test: record what user space sees of the driver, as JSON")
    p.add_argument("--against", default=None, metavar="MODULE_DIR_OR_KO",
                   help="with --snapshot: also snapshot this reference driver and compare")
    p.add_argument("--debug", action="store_true",
                   help="boot the series' debug kernel (lockdep, atomic-sleep checks, KASAN; built "
                        "from Debian's source once and cached) and build the module against it")
    p.add_argument("--json", action="store_true", dest="as_json")

    p = sub.add_parser("debug-kernel", help="build (once, cached) the debug guest kernel of a series: "
                                            "lockdep, DEBUG_ATOMIC_SLEEP, KASAN")
    p.add_argument("series", nargs="*", metavar="SERIES",
                   help="series (6.1, 6.12), release or version prefix (default: every series)")
    p.add_argument("--cached", action="store_true", help="only report what is cached; build nothing")
    p.add_argument("--json", action="store_true", dest="as_json")

    p = sub.add_parser("audit", help="every compat spot (version, vendor, feature guards, wrappers) "
                                     "of a driver or tree")
    p.add_argument("path", metavar="PATH", help="a .c/.h file, a directory, or NAME@SERIES from the corpus")
    p.add_argument("--min-kernel", metavar="V", default=None,
                   help="oldest supported kernel (e.g. 5.4): mark the branches dead from then on")
    p.add_argument("--max-kernel", metavar="W", default=None,
                   help="newest supported kernel (6.12 means every 6.12.y)")
    p.add_argument("--json", action="store_true", dest="as_json")

    p = sub.add_parser("prune", help="remove conditional branches dead for a kernel range (like unifdef)")
    p.add_argument("path", metavar="PATH", help="a .c/.h file, a directory, or NAME@SERIES from the corpus")
    p.add_argument("--min-kernel", metavar="V", required=True, help="oldest supported kernel, e.g. 5.4")
    p.add_argument("--max-kernel", metavar="W", default=None,
                   help="newest supported kernel (6.12 means every 6.12.y; default: no limit)")
    p.add_argument("-o", "--output", type=Path, default=None, dest="out", metavar="OUT",
                   help="output file or directory, written atomically (default for a file: stdout)")
    p.add_argument("-D", action="append", dest="defines", type=_define, default=[], metavar="SYM[=VAL]",
                   help="treat SYM as defined (to VAL, default 1), as unifdef -D (repeatable)")
    p.add_argument("-U", action="append", dest="undefs", type=_symbol, default=[], metavar="SYM",
                   help="treat SYM as undefined, as unifdef -U (repeatable)")
    p.add_argument("--no-rules", action="store_true",
                   help="do not decide KB_HAVE_* guards from the rules' kernel versions")
    p.add_argument("--json", action="store_true", dest="as_json")
    for name, p in sub.choices.items():   # `kbridge COMMAND --rules DIR` too, where rules are read
        if name in ("bridge", "probe", "matrix", "prune", "audit"):
            p.add_argument("--rules", action="append", type=Path, dest="rules_dirs",
                           default=argparse.SUPPRESS, metavar="DIR", help=rules_help)
    return parser


def main(argv: list[str] | None = None) -> int:
    from kbridge.errors import KbridgeError

    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    passthrough: list[str] | None = None
    if "--" in argv:   # `kbridge run ... -- QEMU_ARGS`: the tail goes to QEMU untouched
        cut = argv.index("--")
        argv, passthrough = argv[:cut], argv[cut + 1:]
    ns = parser.parse_args(argv)
    values = {k: v for k, v in vars(ns).items() if k not in ("command", "rules_dirs")}
    from kbridge.knowledge.rules import use_user_dirs
    use_user_dirs(ns.rules_dirs)
    if ns.command == "run":
        values["qemu_args"] = passthrough or []
    elif passthrough is not None:
        parser.error("arguments after -- are only for `kbridge run` (they go to QEMU)")
    module = importlib.import_module(f"kbridge.cli.commands.{ns.command.replace('-', '_')}")
    try:
        return int(module.run(**values) or 0)
    except KbridgeError as exc:
        sys.stderr.write(f"kbridge {ns.command}: error: {exc}\n")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        sys.stderr.write("kbridge: interrupted\n")
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
