"""Fuzz the driver scanner: >= 100,000 random and mutated-driver inputs, no exception allowed.

    .venv/bin/python bench/bench_fuzz_scan.py [--count N] [--seed S]

Inputs, deterministic for a seed: one third random bytes (0-4 KiB, biased
towards C punctuation), two thirds mutated slices of the real corpus drivers
(1-120 lines of a corpus .c/.h, then 1-16 deletions, insertions of C tokens
-- braces, `#define X(`, `\\`-newlines, comment and string openers, 0xff --
and duplicated spans). Every input goes through kbridge.facts.scan.scan_sources
and must return a result or raise ParserTimeout (the scan runs in a forked child;
tree-sitter-c 0.24.2 loops forever on some malformed inputs and the scanner
reports that as one error instead of hanging); any other exception is a crash,
saved under $TMPDIR/kbridge-fuzz-scan/, and fails the run.
A hang fails too: a watchdog (faulthandler, in C, so it fires even while the
parser holds the interpreter) ends the run after 30 s on one input, and
$TMPDIR/kbridge-fuzz-scan/current holds that input's number (rerun with --start N).
"""

from __future__ import annotations

import argparse
import faulthandler
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path

from kbridge.facts import corpus
from kbridge.facts.scan import ParserTimeout, scan_sources

TOKENS = [b"{", b"}", b"(", b")", b";", b",", b"->", b".", b"#define X(", b"#if 0\n", b"#endif\n",
          b"\\\n", b"struct", b"= {", b".a = ", b"/*", b"*/", b'"', b"'", b"\t", b"\n", b"\xff",
          b"\0", b"#include <", b"typedef ", b"(struct x *)", b"container_of(", b"[", b"]", b"...",
          b"__attribute__((", b"asm(", b"?", b":", b"##", b"#"]
PUNCT = b"{}()[];,.-><=*&|!~^%#\\\"'/ \t\nabcxyz_0123456789"


def seeds() -> list[bytes]:
    out = []
    for e in corpus.corpus(series=("6.1", "6.12")):   # the 24 the figures are of
        for rel in e.files:
            if rel.endswith((".c", ".h")):
                out.append((e.path / rel).read_bytes())
    return out


def random_input(rnd: random.Random) -> bytes:
    n = rnd.randrange(4096)
    if rnd.random() < 0.5:
        return rnd.randbytes(n)
    return bytes(rnd.choice(PUNCT) for _ in range(n))


def mutated(rnd: random.Random, pool: list[bytes]) -> bytes:
    lines = rnd.choice(pool).split(b"\n")
    start = rnd.randrange(len(lines))
    data = bytearray(b"\n".join(lines[start:start + rnd.randrange(1, 120)]))
    for _ in range(rnd.randrange(1, 17)):
        op = rnd.randrange(3)
        pos = rnd.randrange(len(data) + 1)
        if op == 0 and data:
            del data[pos:pos + rnd.randrange(1, 40)]
        elif op == 1:
            data[pos:pos] = rnd.choice(TOKENS)
        else:
            a = rnd.randrange(len(data) + 1)
            data[pos:pos] = data[a:a + rnd.randrange(1, 80)]
    return bytes(data)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=20261125)
    ap.add_argument("--start", type=int, default=0, help="skip the first N inputs of the seed")
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    pool = seeds()
    for i in range(args.start):
        random_input(rnd) if i % 3 == 0 else mutated(rnd, pool)
    crash_dir = Path(tempfile.gettempdir()) / "kbridge-fuzz-scan"
    crash_dir.mkdir(exist_ok=True)
    current = open(crash_dir / "current", "w+b")
    current.write(b"0" * 12)
    current.flush()
    import mmap
    mark = mmap.mmap(current.fileno(), 12)
    crashes = 0
    timeouts = 0
    uses = 0
    kinds = {"random": 0, "mutated": 0}
    t0 = time.monotonic()
    for i in range(args.start, args.start + args.count):
        mark[:12] = b"%12d" % i
        faulthandler.dump_traceback_later(30, exit=True)
        if i % 3 == 0:
            data, kind = random_input(rnd), "random"
        else:
            data, kind = mutated(rnd, pool), "mutated"
        kinds[kind] += 1
        try:
            uses += len(scan_sources([("fuzz.c", data)], timeout=10).uses)
        except ParserTimeout:
            timeouts += 1      # tree-sitter-c looped; the scanner said so and went on
            (crash_dir / f"timeout-{i}.c").write_bytes(data)
        except Exception:
            crashes += 1
            d = crash_dir
            (d / f"crash-{i}.c").write_bytes(data)
            (d / f"crash-{i}.txt").write_text(traceback.format_exc())
        faulthandler.cancel_dump_traceback_later()
        if (i + 1) % 10_000 == 0:
            print(f"{i + 1} inputs, {crashes} crashes, {timeouts} parser timeouts, "
                  f"{time.monotonic() - t0:.0f} s", flush=True)
    dt = time.monotonic() - t0
    print(f"fuzzed the scanner with {args.count} inputs ({kinds['random']} random, "
          f"{kinds['mutated']} mutated corpus slices from {len(pool)} files), seed {args.seed}: "
          f"{crashes} crashes, {timeouts} inputs on which tree-sitter-c looped (ParserTimeout "
          f"after 10 s, saved in {crash_dir}), {uses} uses found, {dt:.0f} s ({args.count / dt:.0f} inputs/s)")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
