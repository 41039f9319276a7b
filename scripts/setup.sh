#!/usr/bin/env bash
# kbridge set-up for a Debian 12 (bookworm) machine, run as root.
#
# Installs the real testbed through apt -- for every series of the table
# src/kbridge/knowledge/series.toml: the source package and the kernel headers
# (generic and the table's flavours) whose version equals the source package's;
# the toolchain, coccinelle, unifdef, QEMU, busybox, cpio, pahole, chromium, its
# driver and a font (the HTML report's browser test and screenshot) -- and kbridge
# itself into .venv at the repository root. Series whose table entry says
# toolchain = "root" (their suite is not the host's: 5.10, 7.x) get a Debian
# root of their suite instead, made with mmdebstrap by `kbridge roots --make`
# (<cache>/roots/<suite>: the suite's gcc and the series' headers); the host's
# apt sources never change.
#
# It says what it does, one line per step on stderr. Any failure ends it with
# one line naming the step and what to do, exit status 2; it never exits
# silently. Idempotent: when everything is there it does no network access and
# returns in well under a second.
#
# `--series NAME` (repeatable) makes only the roots of the named series (a CI
# job of one series: `kbridge ci` writes `scripts/setup.sh --series "$KB_SERIES"`);
# the host's own series (toolchain = "host": the default corpus and the kernels
# a cell's blame is checked against) are always installed. Without it, every
# root of the table is made.
#
# For its own tests (tests/test_setup.py) two variables replace inputs:
#   KBRIDGE_SERIES_TABLE   another series table (default: the repository's)
#   KBRIDGE_SETUP_EXTRA    extra apt packages to install (space separated)
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
table=${KBRIDGE_SERIES_TABLE:-$repo/src/kbridge/knowledge/series.toml}
tools=(gcc make bc flex bison libelf-dev libc6-dev coccinelle unifdef xz-utils kmod
       qemu-system-x86 busybox-static cpio zstd dkms dwarves ca-certificates git
       fio iproute2 ethtool util-linux e2fsprogs chromium chromium-driver
       fonts-dejavu-core)
# shellcheck disable=SC2206
extra=(${KBRIDGE_SETUP_EXTRA:-})

step_name="start"
say() { printf 'setup: %s\n' "$*" >&2; }
step() { step_name=$1; say "$1"; }
# One line, exit 2: the step that failed, why, and what to do.
die() { printf 'setup: error: %s: %s\n' "$step_name" "$*" >&2; exit 2; }
# Anything not caught explicitly still gets its one line (never a silent exit).
trap 'die "command failed (line $LINENO, exit $?); rerun with bash -x scripts/setup.sh to see it"' ERR
set -E

# The last meaningful line a failed command printed, for the error line.
last_line() { grep -v '^\s*$' "$1" | tail -n 1 | cut -c1-300; }

installed_version() {  # package -> installed version, or nothing (never fails)
    dpkg-query -W -f='${db:Status-Abbrev} ${Version}\n' "$1" 2>/dev/null \
        | awk '$1 == "ii" { print $2 }' || true
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT

apt_updated=0
apt_update() {
    [ "$apt_updated" = 0 ] || return 0
    local outer=$step_name
    step "apt-get update"
    apt-get update -qq >"$log" 2>&1 \
        || die "$(last_line "$log"); check the machine's apt sources and network"
    apt_updated=1
    step_name=$outer    # what fails next is still the step that needed the lists
}

apt_install() {
    step "apt-get install $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" \
        >"$log" 2>&1 \
        || die "$(last_line "$log"); apt-get could not install these packages (is the name right for this mirror? run apt-get update)"
}

# The generic header package of series $1 whose version equals $2 (the
# source package's), $3 the table's name pattern. The ABI name (6.1.0-NN) is
# not derivable from the version, so ask dpkg, then apt, which one carries it.
matching_headers() {
    local series=$1 version=$2 re=$3 name
    name=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package} ${Version}\n' \
               'linux-headers-*-amd64' 2>/dev/null \
           | awk -v v="$version" '$1 == "ii" && $3 == v { print $2 }' \
           | grep -E "$re" | head -n1 || true)
    if [ -z "$name" ]; then
        apt_update
        local candidates
        candidates=$(apt-cache pkgnames "linux-headers-$series" | grep -E "$re" || true)
        [ -n "$candidates" ] || die "no linux-headers package of series $series in the apt lists"
        # shellcheck disable=SC2086
        name=$(apt-cache policy $candidates \
               | awk -v v="$version" '/^[^ ]/ { pkg = $1; sub(":$", "", pkg) }
                                      $1 == "Candidate:" && $2 == v { print pkg }' \
               | head -n1 || true)
    fi
    [ -n "$name" ] || die "no linux-headers package of series $series has version $version (the source package's); run apt-get update or pick another mirror"
    printf '%s\n' "$name"
}

step_name="reading the arguments"
only=()     # --series NAME...: the roots of these series only
while [ $# -gt 0 ]; do
    case $1 in
        --series) [ $# -ge 2 ] || die "--series needs a series name (e.g. --series 5.10)"
                  only+=("$2"); shift 2 ;;
        --series=*) only+=("${1#--series=}"); shift ;;
        *) die "unknown argument '$1' (usage: scripts/setup.sh [--series NAME]...)" ;;
    esac
done

step "checking the machine"
[ "$(id -u)" = 0 ] || die "run as root: set-up installs Debian packages with apt-get"
command -v apt-get >/dev/null 2>&1 \
    || die "apt-get not found: kbridge's testbed is Debian's packages; run this on Debian 12"
command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query not found: run this on Debian 12"

# Python reads the series table (tomllib) and hosts kbridge; a bare Debian has neither.
if ! { command -v python3 >/dev/null 2>&1 && python3 -c 'import tomllib, venv, ensurepip' 2>/dev/null; }; then
    apt_update
    apt_install python3 python3-venv python3-pip
fi

step "reading the series table ${table#"$repo"/}"
[ -f "$table" ] || die "$table does not exist"
rows=$(python3 - "$table" 2>"$log" <<'PY'
import sys, tomllib
with open(sys.argv[1], "rb") as fh:
    data = tomllib.load(fh)
for s in data["series"]:
    if s.get("toolchain", "host") != "host":
        continue            # built in a suite root of its own, not from the host's apt
    print(s["name"], s["source"], s["headers"], ",".join(f or "-" for f in s.get("flavours", [""])))
PY
) || die "$(last_line "$log")"
root_rows=$(python3 - "$table" "${only[@]}" 2>"$log" <<'PY'
import sys, tomllib
with open(sys.argv[1], "rb") as fh:
    data = tomllib.load(fh)
only = sys.argv[2:]
known = [s["name"] for s in data["series"]]
unknown = [n for n in only if n not in known]
if unknown:
    sys.exit(f"--series {unknown[0]}: no such series in the table (known: {', '.join(known)})")
suites = {}
for s in data["series"]:
    if s.get("toolchain", "host") == "root" and (not only or s["name"] in only):
        suites.setdefault(s["suite"], []).append(s["name"])
for suite, names in suites.items():
    print(suite, ",".join(names))
PY
) || die "$(last_line "$log")"
[ -n "$rows$root_rows" ] || die "the table names no series"

want=()
while read -r series src re flavours; do
    [ -n "$series" ] || continue
    step "series $series: $src and its matching headers"
    version=$(installed_version "$src")
    if [ -z "$version" ]; then
        apt_update
        version=$(apt-cache policy "$src" 2>/dev/null | awk '$1 == "Candidate:" { print $2 }')
        [ -n "$version" ] && [ "$version" != "(none)" ] \
            || die "$src is not available from apt (not in this mirror's lists); check the series table and the apt sources"
        want+=("$src=$version")
    fi
    generic=$(matching_headers "$series" "$version" "$re") || exit 2
    IFS=, read -r -a fls <<<"$flavours"
    for fl in "${fls[@]}"; do
        [ "$fl" = "-" ] && fl=""
        pkg=${generic%-amd64}-${fl}amd64
        [ "$(installed_version "$pkg")" = "$version" ] || want+=("$pkg=$version")
    done
done <<<"$rows"

[ -z "$root_rows" ] || tools+=(mmdebstrap)
for t in "${tools[@]}" "${extra[@]}"; do
    [ -n "$(installed_version "$t")" ] || want+=("$t")
done

if [ "${#want[@]}" -gt 0 ]; then
    apt_update
    apt_install "${want[@]}"
fi

# Python side: .venv at the repository root, rebuilt when pyproject.toml changes.
stamp="$repo/.venv/.kbridge-setup"
digest=$(sha256sum "$repo/pyproject.toml" | cut -d' ' -f1)
if [ ! -x "$repo/.venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$digest" ]; then
    step "creating .venv and installing kbridge with its pinned dependencies (pip)"
    python3 -m venv "$repo/.venv" >"$log" 2>&1 \
        || die "$(last_line "$log"); python3 -m venv failed (apt-get install python3-venv)"
    "$repo/.venv/bin/python" -m pip install -q --disable-pip-version-check -e "$repo[test]" \
        >"$log" 2>&1 \
        || die "$(last_line "$log"); pip could not install kbridge's pinned dependencies (is PyPI reachable?)"
    printf '%s\n' "$digest" > "$stamp"
fi

# Debian roots of the toolchain-"root" series: made once (1-3 min each), then kept.
while read -r suite names; do
    [ -n "$suite" ] || continue
    step "root $suite (series ${names//,/, }): its gcc and headers"
    "$repo/.venv/bin/kbridge" roots --make "$suite" >"$log" 2>&1 \
        || die "$(last_line "$log"); kbridge could not make the Debian root of $suite (mmdebstrap needs the network and about 1 GB in the cache)"
done <<<"$root_rows"
step "ready"
