"""The probe runner: the one place that decides present / missing / broken.

Two callers run the very same script, ``compat/kb_conftest.sh`` (POSIX sh +
awk: no Python on the build machine):

* a layer (or inline OUT with feature guards) ships it and runs it while
  kbuild reads OUT's Kbuild, with the target's own compiler and the flags
  kbuild gives a module file (as NVIDIA's conftest.sh does with $(CC)
  $(KBUILD_CFLAGS) ..., but batched);
* ``kbridge probe`` (:mod:`kbridge.actions.probe`) writes the same files into
  a temporary directory and runs the script with the compile command kbuild
  used for a dummy module (:mod:`kbridge.actions.kbuild_flags`), then reads
  the per-rule answers it wrote.

How the script decides:

* ``compat/kb_probes.c`` holds every batchable probe in one translation
  unit, each in its own line range (``compat/kb_probes.map``: guard, first
  line, last line, rule, inverted, isolated, expected diagnostic). The
  headers the probes need are included up front, each behind
  ``__has_include`` so that a header missing on this kernel (the header
  moves) cannot abort the unit; a probe whose header is missing gets an
  ``#error`` naming it, read as gcc's own "fatal error: <h>: No such file or
  directory". One ``gcc -fsyntax-only`` answers all probes.
* gcc's errors are attributed to probes by line range; an error inside a
  header through its "In function 'kb_probe_N'" line or its "in expansion of
  macro" context lines that point into the unit. Positive controls catch a
  snippet that swallows its neighbours: a file-scope ``kb_sentinel_N`` after
  every snippet (an error there means the snippet left a brace open), all
  called from a canary at the end (a missing one means a snippet swallowed
  it -- an open comment or ``#if``).
* A probe with no error is "present"; one whose first error matches its
  rule's ``absent`` diagnostic (a POSIX ERE) is "missing". Anything else --
  an error of the wrong kind, or errors no probe owns (which may hide a
  wrong answer anywhere, so every "present" of that unit is doubted too) --
  and every isolated probe is asked again alone (``compat/probes/<rule>.c``,
  two at a time).
* Alone, a probe that fails with anything but its expected diagnostic is
  "broken": the answer is unknown, so the build stops with a message naming
  the rule and gcc's error, instead of silently picking a shim (``kbridge
  probe`` reports it as a broken probe).
* Every answer goes to ``compat/.kb_answers`` (one line per rule: rule,
  status, "batch" or "alone", gcc's line), the guards to
  ``compat/kb_config.h`` (``#define KB_HAVE_X 1`` or ``/* #undef KB_HAVE_X
  */``), written atomically, keyed on the compiler, the flags and the probes
  so that kbuild's several passes over Kbuild (build, modpost) probe once,
  and building the same OUT for another kernel probes again.

Two-sided rules (``[rule.probe.old]`` / ``[rule.probe.new]``): each side is
a snippet of its own (:func:`snippets`; the other side named ``<id>.old`` or
``<id>.new`` in the map and the answers, and always asked alone, since both
sides name the same API), each defining its own macro when present:
``KB_HAVE_<ID>`` for the new side, ``KB_OLD_<ID>`` for the old one. The
script needs nothing else: the rule's state (new, old, neither, both) is
:func:`kbridge.knowledge.rules.state_of` of the two answers in ``kbridge
probe``, and the preprocessor's ``#if`` over the two macros in OUT
(:meth:`kbridge.knowledge.rules.Rule.shim_condition`).

Everything here is deterministic text: same rules in, same bytes out.
"""

from __future__ import annotations

from dataclasses import dataclass

from kbridge.knowledge.rules import Rule

# The flags kbuild compiles a module's .c file with (scripts/Makefile.lib
# c_flags, minus the dependency file and the per-object names), in the same
# order, so that a probe sees exactly what the driver will see. NOSTDINC_FLAGS
# is read before the layer adds its own include directories, so a shadow
# header never answers a probe. kb_conftest.sh expands the flags unquoted
# ($cc $flags): word splitting keeps quote characters, so the module names are
# written with bare double quotes (kbuild's shell form '"x"' would reach gcc
# with its single quotes and make KBUILD_MODNAME a character constant, which
# breaks every probe whose headers use it, e.g. 6.12's <linux/ethtool.h>).
PROBE_FLAGS_MAKE = (
    "$(NOSTDINC_FLAGS) $(LINUXINCLUDE) -include $(srctree)/include/linux/compiler_types.h "
    "$(KBUILD_CPPFLAGS) $(KBUILD_CFLAGS) $(KBUILD_CFLAGS_MODULE) -DMODULE "
    "-DKBUILD_BASENAME=\"kb_probes\" -DKBUILD_MODNAME=\"kb_probes\" "
    "-D__KBUILD_MODNAME=kmod_kb_probes"
)

# What a missing header of a batched probe says (the runner reads it as gcc's fatal error).
MISSING_HEADER = "kbridge-missing-header:"


@dataclass(frozen=True)
class Snippet:
    """One snippet the runner answers: a one-sided rule's probe, or one side of a two-sided rule.

    *name* is the map's rule field and the answer's key: the rule id for the
    probe's own code, ``<id>.old`` / ``<id>.new`` for the other side of a
    two-sided rule. *macro* is what kb_config.h defines: a one-sided rule's
    guard (with *inverted*, as always); for a two-sided rule each side defines
    its own macro when present (``KB_HAVE_<ID>`` the new side, ``KB_OLD_<ID>``
    the old one), never inverted.
    """

    name: str
    macro: str
    rule: Rule
    includes: tuple[str, ...]
    code: str
    absent: str
    inverted: bool
    isolated: bool


def snippets(rules: list[Rule], anchor_rules: list[Rule] | None = None) -> list[Snippet]:
    """Every snippet of *rules*: each rule's own code in the rules' order, then the other
    sides of the two-sided ones (so that a rule's number in the batch does not depend on them),
    then the anchors of *anchor_rules*' shims (default: *rules*; inline's version guards probe
    only the rules of unknown release, but every shim's anchors)."""
    out: list[Snippet] = []
    others: list[Snippet] = []
    for r in rules:
        p = r.probe
        if p.other is None:
            out.append(Snippet(r.id, r.guard, r, p.includes, p.code, p.absent, p.inverted, p.isolated))
            continue
        own = "old" if p.inverted else "new"
        macro = {"new": r.guard, "old": r.old_guard}
        out.append(Snippet(r.id, macro[own], r, p.includes, p.code, p.absent, False, p.isolated))
        o = p.other
        # always alone: both sides name the same API, and in one unit the first side's
        # implicit declaration of a missing function would make the second compile
        others.append(Snippet(f"{r.id}.{o.side}", macro[o.side], r, o.includes, o.code, o.absent, False,
                              True))
    return out + others + anchor_snippets(rules if anchor_rules is None else anchor_rules)


def anchor_snippets(rules: list[Rule]) -> list[Snippet]:
    """The anchors of *rules*' shims (shim.toml ``anchors``: kernel struct members a wrapper
    hooks), each a probe of its own: ``KB_ANCHOR_S_M`` is defined when the target's struct S
    has member m, so that a wrapper picks the variant the kernel's header text fits (5.10's
    struct net_device ends with xdp_state, 6.1's with offload_xstats_l3). After every
    rule's snippets, so that a rule's number in the batch does not depend on them; each
    anchor once, in the rules' order."""
    from kbridge.knowledge.rules import anchor_macro

    out: list[Snippet] = []
    seen: set[str] = set()
    for r in rules:
        for d, meta in r.manifest.directions:
            if not meta.anchors:
                continue
            heads = ((meta.after,) if meta.after else tuple(
                p.relative_to(r.shim_dir / "include").as_posix() for p in r.wrapped_headers))
            for alt in (a for entry in meta.anchors for a in entry):
                macro = anchor_macro(alt)
                if macro in seen:
                    continue
                seen.add(macro)
                if "." in alt:
                    owner, member = alt.split(".", 1)
                    code = (f"static inline unsigned long kb_probe(void)\n{{\n"
                            f"\treturn sizeof(((({owner} *)0)->{member}));\n}}\n")
                    absent = (f"has no member named '{member}'|invalid use of undefined type|"
                              f"No such file or directory")
                else:       # an enum constant or a macro
                    code = f"static inline long kb_probe(void)\n{{\n\treturn (long)({alt});\n}}\n"
                    absent = f"'{alt}' undeclared|No such file or directory"
                out.append(Snippet(f"anchor.{macro[len('KB_ANCHOR_'):].lower()}", macro, r, heads, code,
                                   absent, False, False))
    return out


def side_names(rule: Rule) -> dict[str, str]:
    """The answer names of a two-sided rule's sides ({"new": ..., "old": ...}); {} for one side."""
    if rule.probe.other is None:
        return {}
    own = "old" if rule.probe.inverted else "new"
    return {own: rule.id, rule.probe.other.side: f"{rule.id}.{rule.probe.other.side}"}


def _probe_body(s: Snippet, n: int) -> list[str]:
    """The probe's code, with its function names made unique in the batch."""
    lines = [f"/* probe {n}: {s.name} -> {s.macro} */",
             f"#define kb_probe kb_probe_{n}"]
    lines += s.code.strip("\n").splitlines()
    lines.append("#undef kb_probe")
    return lines


def _map_line(s: Snippet, first: int, last: int) -> str:
    # the expected diagnostic goes last: it may hold spaces (one line, though)
    absent = " ".join(s.absent.splitlines())
    return (f"{s.macro} {first} {last} {s.name} {int(s.inverted)} "
            f"{int(s.isolated)} {absent}").rstrip(" ")


def probes_unit(rules: list[Rule], anchor_rules: list[Rule] | None = None) -> tuple[str, str]:
    """(kb_probes.c, kb_probes.map): the batchable probes in one unit, and every probe's line range.

    Map line N (1-based) is snippet N (:func:`snippets`: a rule, or one side
    of a two-sided rule): MACRO FIRST LAST NAME INVERTED ISOLATED ABSENT,
    ABSENT being the expected diagnostic (a regular expression, the rest of
    the line). Probe N's function is ``kb_probe_N``, its sentinel
    ``kb_sentinel_N``. Isolated probes (whose answer depends on which headers
    are in) get "0 0" and always run alone.
    """
    all_snippets = snippets(rules, anchor_rules)
    batch = [s for s in all_snippets if not s.isolated]
    includes: list[str] = []
    for s in batch:
        for inc in s.includes:
            if inc not in includes:
                includes.append(inc)
    out = ["/* Generated by kbridge: the build-time probes of this layer, batched. */"]
    for i, inc in enumerate(includes):
        out += [f"#if __has_include(<{inc}>)", f"#include <{inc}>", f"#define KB_INC_{i} 1",
                "#else", f"#define KB_INC_{i} 0", "#endif"]
    ranges = []
    sentinels = []
    for n, s in enumerate(all_snippets, 1):
        if s.isolated:
            ranges.append(_map_line(s, 0, 0))
            continue
        first = len(out) + 1
        cond = " && ".join(f"KB_INC_{includes.index(h)}" for h in s.includes) or "1"
        out.append(f"#if {cond}")
        out += _probe_body(s, n)
        out.append("#else")
        # a missing header disables just this probe; the runner reads the
        # #error as gcc's "fatal error: <h>: No such file or directory"
        for h in s.includes:
            out += [f"#if !KB_INC_{includes.index(h)}",
                    f'#error "{MISSING_HEADER} {h}"', "#endif"]
        out.append("#endif")
        # positive control: an error here means the snippet left a brace open
        out.append(f"static inline void kb_sentinel_{n}(void) {{ }}")
        sentinels.append(n)
        ranges.append(_map_line(s, first, len(out)))
        out.append("")
    # the canary: a sentinel it cannot call was swallowed by a snippet (open comment, #if)
    out.append("static inline void kb_canary(void) { "
               + " ".join(f"kb_sentinel_{n}();" for n in sentinels) + (" }" if sentinels else "}"))
    return "\n".join(out) + "\n", "\n".join(ranges) + ("\n" if ranges else "")


def snippet_alone(s: Snippet) -> str:
    """One snippet as its own translation unit: isolated probes and the re-runs."""
    lines = [f"/* Generated by kbridge: probe of rule {s.name} alone. */"]
    lines += [f"#include <{inc}>" for inc in s.includes]
    lines += _probe_body(s, 1)
    return "\n".join(lines) + "\n"


def probe_alone(rule: Rule) -> str:
    """A rule's own probe (its ``code``) as its own translation unit.

    Also the module source a reference runner compiles with real kbuild
    (:func:`kbridge.actions.probe.kbuild_answers`, bench/).
    """
    return snippet_alone(snippets([rule])[0])


def runner_files(rules: list[Rule], anchor_rules: list[Rule] | None = None) -> dict[str, str]:
    """The runner's files, relative to compat/: what OUT ships and what `kbridge probe` runs."""
    unit, ranges = probes_unit(rules, anchor_rules)
    files = {"kb_probes.c": unit, "kb_probes.map": ranges, "kb_conftest.sh": CONFTEST_SH}
    for s in snippets(rules, anchor_rules):
        files[f"probes/{s.name}.c"] = snippet_alone(s)
    return files


# The attribution program of kb_conftest.sh (written to a file there: it holds quotes).
ATTRIBUTE_AWK = r'''
function owner_of_line(ln,   i) {
	for (i = 1; i <= n; i++) if (!iso[i] && ln >= lo[i] && ln <= hi[i]) return i
	return 0
}
BEGIN {
	n = 0
	while ((getline l < map) > 0) {
		nf = split(l, f, " "); n++; lo[n] = f[2] + 0; hi[n] = f[3] + 0; rid[n] = f[4]; iso[n] = f[6] + 0
		a = l; for (k = 1; k <= 6; k++) sub(/^[^ ]+ /, "", a)
		pat[n] = nf > 6 ? a : ""
	}
	ne = 0; cur = 0; nerr = 0
}
/: In function '[^']*':$/ {
	s = $0; sub(/^.*: In function '/, "", s); sub(/':$/, "", s)
	cur = (s ~ /^kb_probe_[0-9]+$/) ? substr(s, 10) + 0 : 0
	next
}
/: At top level:$/ { cur = 0; next }
{
	line = $0
	if (match(line, /^[^ \t:][^:]*:[0-9]+:([0-9]+:)?[ \t]+(fatal error|error|warning|note):[ \t]+/)) {
		head = substr(line, 1, RLENGTH); msg = substr(line, RLENGTH + 1)
		file = substr(line, 1, index(line, ":") - 1)
		ln = substr(line, index(line, ":") + 1) + 0
		if (head ~ /note:[ \t]+$/) {
			if (ne && file == unit) ctx[ne] = ctx[ne] " " ln
			next
		}
		ne++
		if (head ~ /warning:[ \t]+$/) { em[ne] = ""; next }	# warnings are not answers
		nerr++
		# gcc says "implicit declaration" once per unit, at the first call: a later probe
		# calling the same function compiles in the batch (REDO below)
		if (match(msg, /implicit declaration of function '[^']+'/)) implicit[substr(msg, RSTART + 34, RLENGTH - 35)] = 1
		em[ne] = (head ~ /fatal error:[ \t]+$/ ? "fatal error: " : "error: ") msg
		if (solo) eo[ne] = solo
		else if (file == unit) eo[ne] = owner_of_line(ln)
		else eo[ne] = cur
		next
	}
	# "In file included from UNIT:12," and macro-expansion context lines
	s = line
	while ((p = index(s, unit ":")) > 0) {
		s = substr(s, p + length(unit) + 1)
		if (ne && match(s, /^[0-9]+:/)) ctx[ne] = ctx[ne] " " (substr(s, 1, RLENGTH - 1) + 0)
	}
}
END {
	orphans = 0; orph = ""
	for (e = 1; e <= ne; e++) {
		if (em[e] == "") continue
		o = eo[e]
		if (!o && ctx[e] != "") {
			m = split(ctx[e], c, " ")
			for (j = 1; j <= m && !o; j++) o = owner_of_line(c[j] + 0)
		}
		if (!o && match(em[e], /'kb_sentinel_[0-9]+'/)) o = substr(em[e], RSTART + 13, RLENGTH - 14) + 0
		if (!o) { orphans++; if (orphans <= 3) orph = orph (orphans > 1 ? "; " : "") em[e]; continue }
		cnt[o]++
		if (cnt[o] == 1) first[o] = em[e]
		if (cnt[o] <= 3) ev[o] = ev[o] (cnt[o] > 1 ? "; " : "") em[e]
	}
	if (st != 0 && nerr == 0) {	# gcc failed and said nothing: trust no answer of this run
		orphans++; orph = "the compiler failed without an error message"
		if (solo) { cnt[solo] = 1; first[solo] = orph; ev[solo] = orph }
	}
	if (!solo) print "ORPHANS", orphans, orph
	if (!solo) {	# the unit's lines, to find a "present" probe that calls an implicit function
		nl = 0
		for (fn in implicit) { while ((getline l < unit) > 0) text[++nl] = l; close(unit); break }
	}
	for (i = 1; i <= n; i++) {
		if (solo ? i != solo : iso[i]) { if (!solo) print "REDO", i, rid[i]; continue }
		if (!cnt[i]) status = "present"
		else {
			fe = first[i]; evd = ev[i]
			if (match(fe, /kbridge-missing-header: [^ "]+/)) {	# as gcc says it of a probe alone
				fe = "fatal error: " substr(fe, RSTART + 24, RLENGTH - 24) ": No such file or directory"
				evd = fe
			}
			if (fe ~ pat[i]) { status = "missing"; evd = fe } else status = "ambiguous"
		}
		if (status == "present") evd = ""
		if (!solo && status == "present" && nl)
			for (fn in implicit)
				for (k = lo[i]; k <= hi[i] && status == "present"; k++)
					if (index(text[k], fn "(")) status = "ambiguous"
		if (solo) {
			if (status == "ambiguous") {
				status = "broken"
				printf "rule %s: its probe failed with \"%s\", not with its expected diagnostic \"%s\"; ", \
					rid[i], evd, pat[i] > brokenmsg
			}
			print i, rid[i], status, "alone", evd
		} else if (status == "ambiguous" || (orphans && status == "present")) print "REDO", i, rid[i]
		else print i, rid[i], status, "batch", evd
	}
}
'''


def conftest_sh() -> str:
    """compat/kb_conftest.sh: POSIX sh + awk, what every kernel build machine has."""
    return CONFTEST_SH_HEAD + ATTRIBUTE_AWK.strip("\n") + CONFTEST_SH_TAIL


CONFTEST_SH_HEAD = r'''#!/bin/sh
# Generated by kbridge: runs this layer's feature probes with the target's own
# compiler and flags and writes kb_config.h. Called from ../Kbuild as
#   kb_conftest.sh COMPAT_DIR FLAGS_FILE CC...
# (`kbridge probe` runs this same script). Writes COMPAT_DIR/.kb_answers, one
# line per rule: RULE present|missing|broken batch|alone EVIDENCE; then
# COMPAT_DIR/kb_config.h unless a probe is broken.
# Prints "ok" on success; anything else is an error message for make.
set -u
set -f
dir=$1; flagsfile=$2; shift 2
cc="$*"
flags=$(cat "$flagsfile")
LC_ALL=C; export LC_ALL
jobs=${KB_PROBE_JOBS:-2}
key=$( { printf '%s\n' "$cc" "$flags"; $cc --version 2>&1 | head -n 1; \
         cat "$dir/kb_probes.c"; } | cksum)
if [ -f "$dir/kb_config.h" ] && [ -f "$dir/.kb_config.key" ] && \
   [ "$(cat "$dir/.kb_config.key")" = "$key" ]; then
	echo ok; exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kb_conftest.XXXXXX") || { echo "cannot create a temporary directory"; exit 0; }
trap 'rm -rf "$tmp"' EXIT
# gcc's log -> answers. Batch (SOLO 0): an error belongs to the probe whose
# line range holds it, or whose function the "In function 'kb_probe_N'" line
# above it names, or that its context lines into the unit point at, or whose
# sentinel it names; prints "ORPHANS count evidence" and, per batched rule,
# "N RULE STATUS batch EVIDENCE" (final) or "REDO N RULE". Alone (SOLO N):
# every error is rule N's; prints "N RULE STATUS alone EVIDENCE" and, for a
# broken probe, the message part to $tmp/broken.N.
cat >"$tmp/attribute.awk" <<'KB_AWK'
'''

CONFTEST_SH_TAIL = r'''
KB_AWK
attribute() {	# LOG UNIT SOLO STATUS
	awk -v map="$dir/kb_probes.map" -v unit="$2" -v solo="$3" -v st="$4" \
	    -v brokenmsg="$tmp/broken.$3" -f "$tmp/attribute.awk" "$1"
}
# One translation unit for every batchable probe; errors attributed by line range.
if awk '$2 != 0 { found = 1 } END { exit !found }' "$dir/kb_probes.map"; then
	# shellcheck disable=SC2086
	$cc $flags -fsyntax-only -o /dev/null "$dir/kb_probes.c" >"$tmp/log" 2>&1
	attribute "$tmp/log" "$dir/kb_probes.c" 0 $? >"$tmp/batch"
else
	: >"$tmp/log"; attribute "$tmp/log" "$dir/kb_probes.c" 0 0 >"$tmp/batch"
fi
# Isolated probes and doubtful answers: each probe alone, $jobs at a time.
alone() {	# N RULE
	# shellcheck disable=SC2086
	$cc $flags -fsyntax-only -o /dev/null "$dir/probes/$2.c" >"$tmp/log.$1" 2>&1
	attribute "$tmp/log.$1" "$dir/probes/$2.c" "$1" $? >"$tmp/alone.$1"
}
running=0
while read -r tag n rule; do
	[ "$tag" = REDO ] || continue
	alone "$n" "$rule" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then wait; running=0; fi
done <"$tmp/batch"
wait
# Every rule's answer, in the map's order: RULE STATUS HOW EVIDENCE.
: >"$tmp/broken"
{
	grep -v -e '^ORPHANS ' -e '^REDO ' "$tmp/batch"
	while read -r tag n rule; do
		[ "$tag" = REDO ] || continue
		cat "$tmp/alone.$n"
		[ -f "$tmp/broken.$n" ] && cat "$tmp/broken.$n" >>"$tmp/broken"
	done <"$tmp/batch"
} | sort -n | cut -d' ' -f2- >"$tmp/answers"
if [ "$(wc -l <"$tmp/answers")" -ne "$(wc -l <"$dir/kb_probes.map")" ]; then
	echo "the probe runner lost answers: $(head -n 3 "$tmp/log")"; exit 0
fi
mv -f "$tmp/answers" "$dir/.kb_answers.$$" && mv -f "$dir/.kb_answers.$$" "$dir/.kb_answers" || { echo "cannot write $dir/.kb_answers"; exit 0; }
if [ -s "$tmp/broken" ]; then
	# no kb_config.h: a guessed answer would pick a shim the kernel may not need
	echo "the probes cannot tell what this kernel has: $(cat "$tmp/broken")fix the rule's probe (kbridge probe shows it)"
	exit 0
fi
# present -> guard; an inverted probe uses the OLD API, so it compiling means "not new"
{
	echo "/* Generated at build time by compat/kb_conftest.sh: what this kernel offers. */"
	echo "#ifndef KB_CONFIG_H"
	echo "#define KB_CONFIG_H"
	awk -v answers="$dir/.kb_answers" '
		BEGIN { while ((getline l < answers) > 0) { split(l, f, " "); st[f[1]] = f[2] } }
		{ have = (st[$4] == "present") != ($5 == 1)
		  if (have) print "#define " $1 " 1"; else print "/* #undef " $1 " */" }' "$dir/kb_probes.map"
	echo "#endif"
} >"$tmp/kb_config.h"
mv -f "$tmp/kb_config.h" "$dir/kb_config.h.$$" && mv -f "$dir/kb_config.h.$$" "$dir/kb_config.h" || { echo "cannot write $dir/kb_config.h"; exit 0; }
printf '%s\n' "$key" >"$dir/.kb_config.key.$$" && mv -f "$dir/.kb_config.key.$$" "$dir/.kb_config.key"
echo ok
'''

CONFTEST_SH = conftest_sh()


# What `make clean` removes of the runner's outputs (layer and inline alike).
PROBE_CLEAN_FILES = ("clean-files += compat/kb_config.h compat/.kb_config.key compat/.kb_flags "
                     "compat/.kb_answers\n")


def kbuild_probe_step(strategy: str, purpose: str) -> str:
    """The Kbuild lines that run compat/kb_conftest.sh: one text for the layer and inline OUT.

    *strategy* names OUT's kind in make's error message ("layer", "inline");
    *purpose* is the comment line saying what the answers are for. Skipped by
    ``make clean``; cached in compat/.kb_config.key across kbuild's passes.
    """
    return f"""# 1. Ask this kernel which APIs it has, with its own compiler and module flags{purpose}
ifeq ($(filter clean,$(MAKECMDGOALS))$(filter %clean,$(MAKECMDGOALS)),)
$(file >$(KB_COMPAT)/.kb_flags,{PROBE_FLAGS_MAKE})
KB_CONFTEST := $(shell $(CONFIG_SHELL) $(KB_COMPAT)/kb_conftest.sh $(KB_COMPAT) $(KB_COMPAT)/.kb_flags $(CC))
ifneq ($(KB_CONFTEST),ok)
$(error kbridge {strategy}: build-time probes failed: $(KB_CONFTEST))
endif
endif
"""


def cflags_when_text(items: list[tuple[str, str, tuple[str, ...]]] | None) -> str:
    """Kbuild lines adding each rule's flags only on a kernel whose own KBUILD_CFLAGS has
    the rule's flag (shim.toml ``cflags_when``): asked of the kernel's kbuild itself, at
    build time, so one OUT serves every kernel (layer and inline alike)."""
    out = ""
    for rid, when, flags in items or []:
        out += (f"# {rid}: on a kernel built with {when}\n"
                f"ifneq ($(filter {when},$(KBUILD_CFLAGS)),)\n"
                f"ccflags-y += {' '.join(flags)}\n"
                "endif\n")
    return out


def kbuild_text(driver_kbuild: str | None, rule_ids: list[str], cflags: list[str] | None = None,
                include_dirs: list[str] | None = None,
                cflags_when: list[tuple[str, str, tuple[str, ...]]] | None = None,
                configured_out: str = "") -> str:
    """OUT/Kbuild: probe, then put compat/ in front of the kernel's headers, then the driver's Kbuild.

    *configured_out*: lines clearing an option before the driver's build file reads it
    (:func:`kbridge.actions.bridge.layer.configured_out_kbuild`).

    *include_dirs*: the wrapper directories under compat/ in search order
    (default: just ``include``).
    """
    include_driver = (f"include $(src)/{driver_kbuild}\n" if driver_kbuild else "")
    shadow = " ".join(f"-I$(KB_COMPAT)/{d}" for d in (include_dirs or ["include"]))
    probe_step = kbuild_probe_step(
        "layer", ".\n#    (Skipped by `make clean`; cached in compat/.kb_config.key across kbuild's passes.)")
    return f"""# Generated by kbridge (layer strategy). The driver's own build file is
# {driver_kbuild or '(none)'}, included below unchanged.
# Rules bridged: {' '.join(rule_ids) or '(none)'}
KB_COMPAT := $(src)/compat

{probe_step}
# 2. compat/include shadows kernel headers (NOSTDINC_FLAGS comes before the
#    kernel's own -I in kbuild's c_flags; ccflags-y would come after them).
NOSTDINC_FLAGS += {shadow} -I$(KB_COMPAT)

# 3. The driver, built as its own build file says.
{configured_out}{include_driver}
# 4. Every file of the driver sees the answers and the shims that need no header.
ccflags-y += -include $(KB_COMPAT)/kb_compat.h{(chr(10) + "# needed by the shims' compat structs" + chr(10) + "ccflags-y += " + " ".join(cflags)) if cflags else ""}
{cflags_when_text(cflags_when)}{PROBE_CLEAN_FILES}"""
