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
import sys
from pathlib import Path

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage mistake as one line and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")
        raise SystemExit(EXIT_BAD_INPUT)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kbridge", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help="cache directory (default: $KBRIDGE_CACHE_DIR or $XDG_CACHE_HOME/kbridge)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser("targets", help="list the kernel build trees on this machine")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="more trees to inspect")
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
                   help="drivers (default: the whole corpus, each on its own and the other series)")
    p.add_argument("--target", "-t", action="append", dest="targets", metavar="T", default=None,
                   help="target (repeatable; default: 6.1 and 6.12)")
    p.add_argument("-j", "--jobs", type=_positive_int, default=None, metavar="N",
                   help="parallel builds (default: number of CPUs)")
    p.add_argument("--json", action="store_true", dest="as_json")
    return parser


def main(argv: list[str] | None = None) -> int:
    from kbridge.errors import KbridgeError

    parser = build_parser()
    ns = parser.parse_args(argv)
    values = {k: v for k, v in vars(ns).items() if k != "command"}
    module = importlib.import_module(f"kbridge.cli.commands.{ns.command}")
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
