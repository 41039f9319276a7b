#!/usr/bin/env bash
# The fresh-machine check: the README's two commands on a brand-new Debian 12.
#
# Makes a clean Debian 12 (bookworm) root with Debian's own mmdebstrap (minbase:
# nothing but the base system, plus git, since a user who has a clone has git),
# puts a clean clone of this repository's committed HEAD in it, and runs inside
# it, in a private mount namespace with /proc, /sys and /dev mounted (kbuild's
# objtool and QEMU need them):
#     bash scripts/setup.sh && .venv/bin/kbridge matrix
#     bash scripts/setup.sh && .venv/bin/python -m pytest
# It prints the time of each and the test summary, and exits non-zero if either
# fails. The kbridge cache inside the root starts empty, as on a new machine.
#
# Too slow for every CI run (about half an hour on 2 cores): run it before
# resolving anything that touches set-up, and put its figures in bench/README.md.
#
# Usage: scripts/fresh-machine-check.sh [--keep] [--rev REV] [WORKDIR]
#   --keep     keep the root afterwards (default: removed)
#   --rev REV  the revision to check out (default: HEAD)
#   WORKDIR    where the root goes (default: a new directory under /var/tmp)
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
keep=0 rev=HEAD work=""
while [ $# -gt 0 ]; do
    case $1 in
        --keep) keep=1 ;;
        --rev) rev=$2; shift ;;
        -*) echo "fresh-machine-check: unknown option $1" >&2; exit 2 ;;
        *) work=$1 ;;
    esac
    shift
done

say() { printf 'fresh-machine-check: %s\n' "$*" >&2; }
die() { printf 'fresh-machine-check: error: %s\n' "$*" >&2; exit 2; }

[ "$(id -u)" = 0 ] || die "run as root (mmdebstrap, chroot and mounts)"
if ! command -v mmdebstrap >/dev/null; then
    say "installing mmdebstrap on the host"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap; } \
        >/dev/null 2>&1 || die "cannot install mmdebstrap with apt-get"
fi
commit=$(git -C "$repo" rev-parse --verify "$rev^{commit}") || die "$rev: not a commit of $repo"

work=${work:-$(mktemp -d /var/tmp/kbridge-fresh.XXXXXX)}
root=$work/root
mkdir -p "$work"
[ -e "$root" ] && die "$root exists already; give another WORKDIR"
cleanup() { [ "$keep" = 1 ] || rm -rf "$work"; }
trap cleanup EXIT

# The host's apt sources (Debian and its security archive), so the root sees the same mirror.
sources=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 'Created-By: Packages' 2>/dev/null \
          | sort -u | awk '$1 ~ /debian/ { printf "deb %s %s main\n", $1, $2 }')
[ -n "$sources" ] || sources="deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main"

t0=$(date +%s)
say "mmdebstrap bookworm (minbase + git) into $root"
printf '%s\n' "$sources" | mmdebstrap --quiet --variant=minbase --include=git,ca-certificates \
    bookworm "$root" - >"$work/mmdebstrap.log" 2>&1 \
    || die "mmdebstrap failed: $(tail -n 1 "$work/mmdebstrap.log")"
say "root made in $(( $(date +%s) - t0 )) s ($(du -sh "$root" | cut -f1))"

git clone -q --no-local "$repo" "$root/root/kbridge" && git -C "$root/root/kbridge" checkout -q "$commit" \
    || die "cannot clone $repo at $commit"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# /etc/hosts with localhost, as every installed Debian has (the installer writes it;
# mmdebstrap's minbase does not): without it chromedriver's "localhost" does not
# resolve and selenium cannot reach it (the report's browser test)
[ -e "$root/etc/hosts" ] || printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' \
    > "$root/etc/hosts"
# The network's own trust, as every machine on this network has it (not kbridge's set-up):
# local CA certificates (an egress proxy's), and pip told to use the system store.
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
    chroot "$root" update-ca-certificates >/dev/null 2>&1 || die "update-ca-certificates failed in the root"
    printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' > "$root/etc/pip.conf"
fi
say "clean clone of $(git -C "$repo" log -1 --format='%h %s' "$commit" | cut -c1-70)"

inside() {  # command line to run in the root as root, in the clone; output to $work/$1.log
    local name=$1 cmd=$2
    unshare --mount --fork bash -c '
        set -e
        r=$1
        mount --make-rprivate /
        mount --bind "$r" "$r"      # / a mount point inside: kbridge unshares there (Debian roots)
        mount -t proc proc "$r/proc"
        mount -t sysfs sys "$r/sys"
        mount --rbind /dev "$r/dev"
        mount -t tmpfs tmpfs "$r/tmp"
        exec chroot "$r" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
            PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
            /bin/bash -c "cd /root/kbridge && $2"' _ "$root" "$cmd" \
        >"$work/$name.log" 2>&1 </dev/null
}

status=0
for job in "main job|bash scripts/setup.sh && .venv/bin/kbridge matrix" \
           "tests|bash scripts/setup.sh && .venv/bin/python -m pytest"; do
    name=${job%%|*} cmd=${job#*|}
    say "$name: $cmd"
    t=$(date +%s)
    inside "${name// /-}" "$cmd"
    rc=$?
    say "$name: exit $rc after $(( $(date +%s) - t )) s (log: $work/${name// /-}.log)"
    [ "$rc" = 0 ] || status=1
done
say "main job, last lines:"
tail -n 4 "$work/main-job.log" >&2
say "test summary:"
grep -E '^(SKIPPED|XFAIL|XPASS|FAILED|ERROR) |^=+ .*(passed|failed|error).* =+$' "$work/tests.log" >&2
say "total $(( $(date +%s) - t0 )) s; $([ "$status" = 0 ] && echo PASSED || echo FAILED)"
[ "$status" = 0 ] || keep=1    # keep the root and logs of a failed check for a look
[ "$keep" = 1 ] && say "kept $work"
exit $status
