"""A CI workflow that runs the matrix in shards and publishes the HTML report.

``github(...)`` writes a GitHub Actions workflow: one job per kernel series x
strategy x shard (a job matrix) for every series of the series table
(``knowledge/series.toml``), running the repository's own set-up for that
series and ``kbridge matrix --target SERIES --shard I/N --json``; then one job
that merges every shard and uploads the HTML report (and the merged JSON) as
an artifact. ``gitlab(...)`` writes the same pipeline for GitLab CI.

Where a shard job runs (:func:`placement`, the one place that decides it):
every job runs in the Debian image of the host's suite -- the suite of the
table's ``toolchain = "host"`` series, ``debian:bookworm``, the Debian 12
that scripts/setup.sh sets up -- and a series built in a Debian root
(``toolchain = "root"``: 5.10, 7.2, 7.3) gets that root made by kbridge with
Debian's mmdebstrap inside the job, exactly as on a developer's machine, which
needs a privileged container (``--privileged``: mmdebstrap and
:func:`kbridge.actions.roots.run_in_root` mount an overlay, /proc and /dev in
a private mount namespace and chroot; Docker's default seccomp and AppArmor
profiles refuse unshare and mount). Not ``debian:<suite>`` of each series:

- bullseye's Python is 3.9 (no 3.11 in Debian 11), and kbridge needs 3.11:
  it cannot run in ``debian:bullseye`` at all;
- a cell is more than the target's build: its blame is ``kbridge check``
  against the kernel the driver was written for, and the default drivers are
  the corpus of the host's series (``/usr/src/linux-source-6.1.tar.xz`` ...).
  In ``debian:sid`` a 7.2 job has neither the 6.1/6.12 sources nor their
  header trees (sid does not carry them): it would need a bookworm root, i.e.
  the same privileged container, and would still differ from a local run.
  (sid's Python is 3.14 today; kbridge's imports, a scan, a kbuild run and a
  probe did work on it, pin ignored, in an overlay of the sid root, 2026-12-06;
  sid's /etc/os-release says VERSION_CODENAME=forky, not sid);
- in the host's image every job has the environment of a developer's machine,
  so the merged shards equal one unsharded local run cell by cell, and one
  job's steps run on this machine as they run in CI (tests/test_report.py runs
  a host series' job and a root series' job here).

Each job's shell is in ``run:`` steps that read only environment variables
(``KB_SERIES``, ``KB_STRATEGY``, ``KB_SHARD``, ``KB_DRIVERS``), so a test can
run one shard job's steps on this machine with the same values. The text is
built here line by line (no YAML library): same arguments, same bytes.
"""

from __future__ import annotations

import json

STRATEGIES = ("plain", "layer", "inline")
SHARD_FILE = "kbridge-shard.json"
REPORT_FILE = "kbridge-report.html"
MERGED_FILE = "kbridge-matrix.json"
# a job of a toolchain-"root" series makes its Debian root (mmdebstrap, mounts, chroot)
ROOT_OPTIONS = "--privileged"

# What a bare Debian image lacks for actions/checkout and scripts/setup.sh's first steps.
PREREQ = """if ! command -v git >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \\
    git ca-certificates python3 python3-venv
fi"""

SHARD = f"""read -r -a drivers <<< "$KB_DRIVERS"
strategy=()
if [ "$KB_STRATEGY" != plain ]; then strategy=(--strategy "$KB_STRATEGY"); fi
.venv/bin/kbridge matrix "${{drivers[@]}}" --target "$KB_SERIES" "${{strategy[@]}}" \\
  --shard "$KB_SHARD" --json > {SHARD_FILE}
.venv/bin/python -c 'import json, sys; print(len(json.load(open(sys.argv[1]))), "cells")' {SHARD_FILE}"""

MERGE = f"""python3 -m venv /tmp/kbridge-venv
/tmp/kbridge-venv/bin/pip install -q .
/tmp/kbridge-venv/bin/kbridge matrix --merge shards/*.json --json > {MERGED_FILE}
/tmp/kbridge-venv/bin/kbridge report shards/*.json -o {REPORT_FILE}"""


def image(suite: str) -> str:
    """The Debian container image of a suite (bullseye, bookworm, sid, ...)."""
    return f"debian:{suite}"


def host_image() -> str:
    """The image of the host's suite (the suite of the table's toolchain-"host" series,
    which set-up installs from the host's own apt): every job runs in it."""
    from kbridge.facts import series as series_mod
    return image(series_mod.host_suite())


def placement(s) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The container of a shard job of series *s*: its ``image`` and Docker ``options``
    (see the module's doc for why every job runs in the host's image)."""
    return {"image": host_image(), "options": ROOT_OPTIONS if s.toolchain == "root" else ""}


def jobs(series: list, strategies: list[str], shards: int) -> list[dict[str, str]]:  # type: ignore[type-arg]
    """The job matrix: one entry per series x strategy x shard, in table order."""
    return [{"series": s.name, **placement(s), "strategy": st, "shard": f"{i}/{shards}"}
            for s in series for st in strategies for i in range(1, shards + 1)]


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is valid YAML)."""
    return json.dumps(text)


def _block(text: str, indent: int) -> list[str]:
    pad = " " * indent
    return [pad + line if line else "" for line in text.splitlines()]


def github(*, drivers: list[str], strategies: list[str], shards: int, series: list | None = None,  # type: ignore[type-arg]
           command: str = "kbridge ci github") -> str:
    """The workflow text."""
    from kbridge.facts import series as series_mod

    table = list(series_mod.all_series()) if series is None else series
    entries = jobs(table, strategies, shards)
    lines = [
        f"# Generated by `{command}`: the kbridge matrix in {len(entries)} shard jobs",
        "# (series x strategy x shard over every series of src/kbridge/knowledge/series.toml),",
        "# merged into one HTML report (artifact kbridge-report). Every job runs in the image of",
        "# the host's suite; a series built in a Debian root (toolchain = \"root\") has kbridge make",
        f"# that root with mmdebstrap in its job, hence {ROOT_OPTIONS} (mount, chroot).",
        "# Regenerate it rather than editing it.",
        "name: kbridge",
        "",
        "on:",
        "  push:",
        "  pull_request:",
        "  workflow_dispatch:",
        "",
        "permissions:",
        "  contents: read",
        "",
        "defaults:",
        "  run:",
        "    shell: bash    # bash --noprofile --norc -eo pipefail {0}",
        "",
        "jobs:",
        "  shard:",
        "    name: ${{ matrix.strategy }} on ${{ matrix.series }} (shard ${{ matrix.shard }})",
        "    runs-on: ubuntu-latest",
        "    container:",
        "      image: ${{ matrix.image }}",
        "      options: ${{ matrix.options }}",
        "    strategy:",
        "      fail-fast: false",
        "      matrix:",
        "        include:",
    ]
    for e in entries:
        lines.append("          - {" + ", ".join(f"{k}: {_q(v)}" for k, v in e.items()) + "}")
    lines += [
        "    env:",
        "      KB_SERIES: ${{ matrix.series }}",
        "      KB_STRATEGY: ${{ matrix.strategy }}",
        "      KB_SHARD: ${{ matrix.shard }}",
        f"      KB_DRIVERS: {_q(' '.join(drivers))}",
        "    steps:",
        "      - name: git and python3 for the checkout and the set-up",
        "        run: |",
        *_block(PREREQ, 10),
        "      - uses: actions/checkout@v5",
        "      - name: kbridge's cache (indexes, probe answers, the series' Debian root)",
        "        uses: actions/cache@v5",
        "        with:",
        "          path: ~/.cache/kbridge",
        "          key: kbridge-${{ matrix.series }}-${{ matrix.strategy }}-${{ github.sha }}",
        "          restore-keys: kbridge-${{ matrix.series }}-",
        "      - name: set-up (the host's kernel headers and sources, the toolchain, kbridge; the series' root)",
        "        run: bash scripts/setup.sh --series \"$KB_SERIES\"",
        "      - name: kbridge matrix, this shard",
        "        run: |",
        *_block(SHARD, 10),
        "      - name: shard result",
        "        uses: actions/upload-artifact@v6",
        "        with:",
        "          name: kbridge-shard-${{ matrix.strategy }}-${{ matrix.series }}-${{ strategy.job-index }}",
        f"          path: {SHARD_FILE}",
        "",
        "  report:",
        "    needs: shard",
        "    runs-on: ubuntu-latest",
        "    container:",
        f"      image: {host_image()}",
        "    steps:",
        "      - name: git and python3 for the checkout and the set-up",
        "        run: |",
        *_block(PREREQ, 10),
        "      - uses: actions/checkout@v5",
        "      - name: every shard's result",
        "        uses: actions/download-artifact@v7",
        "        with:",
        "          pattern: kbridge-shard-*",
        "          path: shards",
        "      - name: flatten the shards",
        "        run: |",
        "          i=0",
        f"          for f in shards/*/{SHARD_FILE}; do i=$((i + 1)); mv \"$f\" \"shards/$i.json\"; done",
        "      - name: merge and render",
        "        run: |",
        *_block(MERGE, 10),
        "      - name: the report",
        "        uses: actions/upload-artifact@v6",
        "        with:",
        "          name: kbridge-report",
        "          path: |",
        f"            {REPORT_FILE}",
        f"            {MERGED_FILE}",
    ]
    return "\n".join(lines) + "\n"


def gitlab(*, drivers: list[str], strategies: list[str], shards: int, series: list | None = None,  # type: ignore[type-arg]
           command: str = "kbridge ci gitlab") -> str:
    """The same pipeline for GitLab CI: a ``shard`` job per series x strategy x shard
    (``parallel: matrix``, the image from the entry's KB_IMAGE), then ``report``. GitLab
    has no per-job Docker options: the jobs of root series need a privileged runner
    (``privileged = true`` in the runner's config; GitLab.com's instance runners are)."""
    from kbridge.facts import series as series_mod

    table = list(series_mod.all_series()) if series is None else series
    entries = jobs(table, strategies, shards)
    lines = [
        f"# Generated by `{command}`: the kbridge matrix in {len(entries)} shard jobs",
        "# (series x strategy x shard over every series of src/kbridge/knowledge/series.toml),",
        "# merged into one HTML report (artifact of `report`). Every job runs in the image of the",
        "# host's suite; a series built in a Debian root (toolchain = \"root\": "
        + ", ".join(s.name for s in table if s.toolchain == "root") + ") has kbridge",
        "# make that root with mmdebstrap in its job (mount, chroot): those jobs need a privileged",
        "# runner (privileged = true in the runner's config; GitLab.com's instance runners are).",
        "# Regenerate it rather than editing it.",
        "stages:",
        "  - shard",
        "  - report",
        "",
        "variables:",
        f"  KB_DRIVERS: {_q(' '.join(drivers))}",
        "",
        "shard:",
        "  stage: shard",
        "  image: $KB_IMAGE",
        "  parallel:",
        "    matrix:",
    ]
    for s in table:
        lines += [f"      - KB_SERIES: {_q(s.name)}",
                  f"        KB_IMAGE: {_q(placement(s)['image'])}",
                  "        KB_STRATEGY: [" + ", ".join(_q(st) for st in strategies) + "]",
                  "        KB_SHARD: [" + ", ".join(_q(f"{i}/{shards}") for i in range(1, shards + 1)) + "]"]
    lines += [
        "  cache:",
        "    key: kbridge-$KB_SERIES",
        "    paths:",
        "      - .kbridge-cache/",
        "  variables:",
        "    KBRIDGE_CACHE_DIR: $CI_PROJECT_DIR/.kbridge-cache",
        "  script:",
        "    - |",
        *_block(PREREQ, 6),
        '    - bash scripts/setup.sh --series "$KB_SERIES"',
        "    - |",
        *_block(SHARD, 6),
        "    - mkdir -p shards && mv " + SHARD_FILE + ' "shards/$CI_JOB_ID.json"',
        "  artifacts:",
        "    paths:",
        "      - shards/",
        "",
        "report:",
        "  stage: report",
        f"  image: {host_image()}",
        "  script:",
        "    - |",
        *_block(PREREQ, 6),
        "    - |",
        *_block(MERGE, 6),
        "  artifacts:",
        "    name: kbridge-report",
        "    paths:",
        f"      - {REPORT_FILE}",
        f"      - {MERGED_FILE}",
    ]
    return "\n".join(lines) + "\n"
