#!/usr/bin/env bash
# kbridge set-up for a Debian 12 (bookworm) machine, run as root.
#
# Installs the real testbed through apt (kernel headers of the 6.1 and 6.12
# series whose release matches the linux-source packages, in the generic,
# -cloud and -rt flavours; the source tarballs; the toolchain; coccinelle,
# unifdef; QEMU, busybox and cpio for guest runs) and kbridge itself into
# .venv at the repository root.
#
# Idempotent: when everything is already there it does no network access and
# returns in about a second.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
series_list=(6.1 6.12)
flavours=("" "cloud-" "rt-")
tools=(gcc make bc flex bison libelf-dev libc6-dev coccinelle unifdef xz-utils kmod
       qemu-system-x86 busybox-static cpio zstd dkms)

say() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 2; }

installed_version() {  # package -> installed version, or nothing
    dpkg-query -W -f='${db:Status-Abbrev} ${Version}\n' "$1" 2>/dev/null \
        | awk '$1 == "ii" { print $2 }'
}

apt_updated=0
apt_update() {
    if [ "$apt_updated" = 0 ]; then
        say "apt-get update"
        apt-get update -qq >/dev/null
        apt_updated=1
    fi
}

# The linux-headers-*-amd64 package (generic flavour) whose version equals
# $2, for series $1, e.g. "6.1" "6.1.192-2" -> linux-headers-6.1.0-56-amd64.
# The ABI name is not derivable from the version, so ask apt which header
# package of the series carries exactly that version.
matching_headers() {
    local series=$1 version=$2 name
    local re="^linux-headers-${series//./\\.}(\\.[0-9]+)+(\\+deb[0-9]+)?(-[0-9]+)?-amd64\$"
    # installed packages first: no apt lists needed when already set up
    name=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package} ${Version}\n' \
               'linux-headers-*-amd64' 2>/dev/null \
           | awk -v v="$version" '$1 == "ii" && $3 == v { print $2 }' \
           | grep -E "$re" | head -n1 || true)
    if [ -z "$name" ]; then
        apt_update
        local candidates
        candidates=$(apt-cache pkgnames "linux-headers-$series" | grep -E "$re" || true)
        [ -n "$candidates" ] || die "no linux-headers package for $series in the apt lists"
        # shellcheck disable=SC2086
        name=$(apt-cache policy $candidates \
               | awk -v v="$version" '/^[^ ]/ { pkg = $1; sub(":$", "", pkg) }
                                      $1 == "Candidate:" && $2 == v { print pkg }' \
               | head -n1)
    fi
    [ -n "$name" ] || die "no linux-headers package of series $series has version $version (the source package's); run apt-get update or pick another mirror"
    printf '%s\n' "$name"
}

[ "$(id -u)" = 0 ] || die "run as root: it installs Debian packages with apt-get"
command -v apt-get >/dev/null || die "this set-up needs a Debian machine (apt-get not found)"

want=()
for series in "${series_list[@]}"; do
    src="linux-source-$series"
    version=$(installed_version "$src")
    if [ -z "$version" ]; then
        apt_update
        version=$(apt-cache policy "$src" | awk '$1 == "Candidate:" { print $2 }')
        [ -n "$version" ] && [ "$version" != "(none)" ] || die "$src is not available from apt"
        want+=("$src=$version")
    fi
    generic=$(matching_headers "$series" "$version")
    for fl in "${flavours[@]}"; do
        pkg=${generic%-amd64}-${fl}amd64
        [ "$(installed_version "$pkg")" = "$version" ] || want+=("$pkg=$version")
    done
done
for t in "${tools[@]}"; do
    [ -n "$(installed_version "$t")" ] || want+=("$t")
done

if [ "${#want[@]}" -gt 0 ]; then
    apt_update
    say "apt-get install ${want[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${want[@]}" >/dev/null
fi

# Python side: .venv at the repository root, rebuilt when pyproject.toml changes.
stamp="$repo/.venv/.kbridge-setup"
digest=$(sha256sum "$repo/pyproject.toml" | cut -d' ' -f1)
if [ ! -x "$repo/.venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$digest" ]; then
    say "creating .venv and installing kbridge with its pinned dependencies"
    python3 -m venv "$repo/.venv" 2>/dev/null || {
        apt_update
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
        python3 -m venv "$repo/.venv"
    }
    "$repo/.venv/bin/python" -m pip install -q --disable-pip-version-check -e "$repo[test]"
    printf '%s\n' "$digest" > "$stamp"
fi
say "ready"
