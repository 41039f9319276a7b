"""A matrix result as one self-contained HTML page: ``render(cells) -> str``.

The page needs nothing but itself (inline CSS and JS, no fonts, images or
scripts from anywhere): one grid of drivers x kernels per strategy (plain,
layer, inline), the load column of each kernel when the run loaded modules,
each cell coloured by its outcome. A click on a cell opens its details: the
build's errors with file:line, kbridge check's findings with the rule each
maps to (API, upstream commit, release, both kernels' declarations), the
shims applied with their why, the target's probe answers, the ABI check, the
guest's verdict and dmesg lines. Two selects filter the rows by subsystem and
by rule.

Everything is rendered here from the cells (the JSON of ``kbridge matrix
--json``, merged); the script only opens details and hides rows. The same
cells give the same bytes: no time stamps, no timings, every list in a fixed
order.
"""

from __future__ import annotations

from html import escape
from typing import Any

from kbridge.facts.targets import version_tuple

STRATEGY_ORDER = ("plain", "layer", "inline")

_CSS = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5em;color:#1b1f24;background:#fff}
h1{font-size:1.5em;margin:0 0 .2em}h2{font-size:1.2em;margin:1.4em 0 .4em}
p.sub{margin:0 0 1em;color:#57606a}
.filters{display:flex;gap:1.5em;align-items:center;flex-wrap:wrap;padding:.6em .8em;background:#f6f8fa;
 border:1px solid #d0d7de;border-radius:6px;position:sticky;top:0;z-index:2}
.filters label{font-weight:600}.filters select{margin-left:.4em;max-width:28em}
.grids{display:flex;flex-wrap:wrap;gap:0 2.5em;align-items:flex-start}
table.grid{border-collapse:collapse;margin:.3em 0 1em}
table.grid th,table.grid td{border:1px solid #d0d7de;padding:0}
table.grid th{background:#f6f8fa;padding:.35em .6em;font-weight:600;white-space:nowrap}
table.grid th.drv{text-align:left}
table.grid td button{all:unset;box-sizing:border-box;display:block;width:100%;padding:.35em .7em;cursor:pointer;
 text-align:center;white-space:nowrap}
table.grid td button:focus-visible{outline:2px solid #0969da}
td.ok{background:#dafbe1}td.warn{background:#fff8c5}td.fail{background:#ffd8d3}
td.none{background:#f6f8fa;color:#8c959f}td.sel{box-shadow:inset 0 0 0 3px #0969da}
.legend span{display:inline-block;padding:.1em .6em;margin-right:.4em;border:1px solid #d0d7de;border-radius:4px}
.legend .ok{background:#dafbe1}.legend .warn{background:#fff8c5}.legend .fail{background:#ffd8d3}
.legend .none{background:#f6f8fa}
section.details{scroll-margin-top:4.5em;border:1px solid #0969da;border-radius:6px;padding:.2em 1em 1em;margin:1em 0;background:#fdfeff}
section.details h3{margin:.6em 0 .2em}section.details h4{margin:.9em 0 .3em}
section.details table{border-collapse:collapse;width:100%}
section.details td,section.details th{border-top:1px solid #eaeef2;padding:.25em .5em;text-align:left;
 vertical-align:top}
td.where{white-space:nowrap}
code,pre{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{background:#f6f8fa;padding:.6em;overflow-x:auto;white-space:pre-wrap;margin:.3em 0}
.muted{color:#57606a}.bad{color:#cf222e;font-weight:600}.good{color:#1a7f37;font-weight:600}
button.close{float:right;margin-top:.6em}
"""

_JS = """
(function(){
  var open=null;
  function show(id){
    var panel=document.getElementById('d-'+id);
    if(open){open.hidden=true;var old=document.querySelector('td.sel');if(old)old.classList.remove('sel');}
    if(open===panel){open=null;return;}
    panel.hidden=false;open=panel;
    var td=document.querySelector('td[data-kind="build"][data-cell="'+id+'"]');if(td)td.classList.add('sel');
    panel.scrollIntoView({block:'nearest'});
  }
  document.querySelectorAll('td[data-cell] button').forEach(function(b){
    b.addEventListener('click',function(){show(b.parentNode.getAttribute('data-cell'));});
  });
  document.querySelectorAll('button.close').forEach(function(b){
    b.addEventListener('click',function(){show(b.getAttribute('data-cell'));});
  });
  var sub=document.getElementById('f-subsystem'),rule=document.getElementById('f-rule');
  function filter(){
    var s=sub.value,r=rule.value,shown={},total={};
    document.querySelectorAll('tr[data-driver]').forEach(function(tr){
      var ok=(!s||(' '+tr.getAttribute('data-subsystems')+' ').indexOf(' '+s+' ')>=0)&&
             (!r||(' '+tr.getAttribute('data-rules')+' ').indexOf(' '+r+' ')>=0);
      var d=tr.getAttribute('data-driver');
      tr.hidden=!ok;total[d]=1;if(ok)shown[d]=1;
    });
    document.getElementById('f-count').textContent=
      Object.keys(shown).length+' of '+Object.keys(total).length+' drivers shown';
  }
  sub.addEventListener('change',filter);rule.addEventListener('change',filter);filter();
})();
"""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def outcome(cell: dict[str, Any]) -> str:
    """ok (built clean), warn (built with warnings), fail."""
    if not cell.get("ok"):
        return "fail"
    return "warn" if cell.get("warnings") else "ok"


def _label(cell: dict[str, Any]) -> str:
    if cell.get("ok"):
        w = int(cell.get("warnings") or 0)
        return "ok" + (f" ({w}w)" if w else "")
    n = int(cell.get("errors") or 0)
    text = f"{n} error{'s' if n != 1 else ''}"
    undef = cell.get("undefined_symbols") or []
    if undef:
        text += f" +{len(undef)} undef"
    return text


def _load_class(load: dict[str, Any]) -> str:
    if load.get("outcome") in ("not built", "no back-end"):
        return "none"
    return "ok" if load.get("ok") else "fail"


def _run_cell(cid: str, run: Any, kind: str) -> str:
    """A guest column's cell (kind "load" or "xen") of one matrix cell."""
    if not isinstance(run, dict):
        return '<td class="none">-</td>'
    text = "-" if run.get("outcome") == "not built" else str(run.get("outcome"))
    return (f'<td class="{_load_class(run)}" data-cell="{cid}" data-kind="{kind}"><button type="button">'
            f"{_e(text)}</button></td>")


def _strategy_name(cell: dict[str, Any]) -> str:
    s = str(cell.get("strategy", "plain"))
    return f"{s} ({cell['guards']} guards)" if s == "inline" and cell.get("guards") else s


def _cell_rules(cell: dict[str, Any]) -> dict[str, dict[str, Any]]:
    rules = cell.get("rules")
    return rules if isinstance(rules, dict) else {}


def _blamed(cell: dict[str, Any]) -> dict[tuple[str, int], list[dict[str, Any]]]:
    """check's findings by (file, line), to put each build error beside its API and rules."""
    out: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for f in (cell.get("check") or {}).get("findings", []) or []:
        out.setdefault((str(f.get("file")), int(f.get("line") or 0)), []).append(f)
    return out


def _for_message(findings: list[dict[str, Any]], message: str) -> list[dict[str, Any]]:
    """Of the findings on a diagnostic's line, those whose API the message names (all of
    them when it names none: gcc's follow-up errors of one break)."""
    import re

    def named(f: dict[str, Any]) -> bool:
        words = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", str(f.get("api")))
        return bool(words) and re.search(rf"\b{re.escape(words[-1])}\b", message) is not None
    hits = [f for f in findings if named(f)]
    return hits or findings


# a probe answer's state (README, "Three states"), as the report says it
STATE_TEXT = {"new": "new API only", "old": "old API only",
              "neither": "neither API (older than the old one, or newer than both)",
              "both": "both APIs (a transition kernel)"}


def _probe_state(answer: Any) -> str | None:
    """The state of a cell's probe answer: ``{"result", "state"}``, or a bare bool from a
    result saved before probe states (True: new, False: old)."""
    if isinstance(answer, dict):
        state = answer.get("state")
        return state if isinstance(state, str) else None
    if isinstance(answer, bool):
        return "new" if answer else "old"
    return None


def _rule_links(ids: list[str]) -> str:
    return ", ".join(f"<code>{_e(i)}</code>" for i in ids) or '<span class="muted">-</span>'


def _details(cid: str, cell: dict[str, Any]) -> str:
    rules = _cell_rules(cell)
    verdict = ('<span class="good">builds</span>' if cell.get("ok")
               else '<span class="bad">fails</span>')
    out = [f'<section class="details" id="d-{cid}" hidden>',
           f'<button class="close" data-cell="{cid}" type="button">close</button>',
           f"<h3>{_e(cell['driver'])} on {_e(cell['target'])} &middot; {_e(_strategy_name(cell))}</h3>",
           f"<p>{verdict}: {int(cell.get('errors') or 0)} errors, {int(cell.get('warnings') or 0)} warnings"
           + (f", undefined symbols: {_e(', '.join(cell['undefined_symbols']))}"
              if cell.get("undefined_symbols") else "") + "</p>"]

    diags = cell.get("diagnostics") or []
    if diags:
        blamed = _blamed(cell)
        out.append("<h4>Build diagnostics</h4><table><tr><th>where</th><th>severity</th>"
                   "<th>message</th><th>API (rule)</th></tr>")
        for d in diags:
            where = f"{d.get('file')}:{d.get('line')}:{d.get('col')}" if d.get("line") else str(d.get("file") or "")
            fs = _for_message(blamed.get((str(d.get("file")), int(d.get("line") or 0)), []),
                              str(d.get("message")))
            apis = sorted({(str(f.get("api")), tuple(f.get("rules") or [])) for f in fs})
            blame = "<br>".join(f"<code>{_e(a)}</code> ({_rule_links(list(r))})" for a, r in apis)
            out.append(f"<tr><td class=\"where\"><code>{_e(where)}</code></td><td>{_e(d.get('severity'))}</td>"
                       f"<td>{_e(d.get('message'))}</td><td>{blame or '<span class=muted>-</span>'}</td></tr>")
        out.append("</table>")

    chk = cell.get("check") or {}
    if chk.get("error"):
        out.append(f"<h4>kbridge check</h4><p class=\"bad\">{_e(chk['error'])}</p>")
    elif chk.get("findings"):
        whose = "the driver" if cell.get("strategy", "plain") == "plain" else "the unbridged driver"
        out.append(f"<h4>Blame: kbridge check of {whose} against {_e(chk.get('against'))}</h4>"
                   "<table><tr><th>where</th><th>API</th><th>kind</th><th>rule</th>"
                   f"<th>on {_e(chk.get('against'))}</th><th>on {_e(cell['target'])}</th></tr>")
        for f in chk["findings"]:
            out.append(f"<tr><td class=\"where\"><code>{_e(f.get('file'))}:{_e(f.get('line'))}</code></td>"
                       f"<td><code>{_e(f.get('api'))}</code></td><td>{_e(f.get('kind'))}</td>"
                       f"<td>{_rule_links(list(f.get('rules') or []))}</td>"
                       f"<td><code>{_e(f.get('declaration_against') or '(not declared)')}</code></td>"
                       f"<td><code>{_e(f.get('declaration_target') or '(not declared)')}</code></td></tr>")
        out.append("</table>")

    shims = cell.get("shims") or []
    if shims:
        out.append("<h4>Shims applied</h4><table><tr><th>rule</th><th>direction</th>"
                   f"<th>on {_e(cell['target'])}</th><th>why it is faithful</th></tr>")
        probes_of = cell.get("probes") if isinstance(cell.get("probes"), dict) else {}
        for s in shims:
            state = _probe_state(probes_of.get(s.get("rule")))
            off = {"neither": "compiled out (the kernel has neither API)",
                   "both": "compiled out (the kernel has both APIs)"}.get(
                state or "", "compiled out (the kernel has this API)")
            applies = {True: "applies", False: off, None: "?"}.get(s.get("applies"), "?")
            out.append(f"<tr><td><code>{_e(s.get('rule'))}</code></td><td>{_e(s.get('direction'))}</td>"
                       f"<td>{_e(applies)}</td><td>{_e(s.get('why'))}</td></tr>")
        out.append("</table>")
    unbridged = (cell.get("bridge") or {}).get("unbridged") or []
    if unbridged:
        out.append("<h4>Not bridged</h4><ul>" + "".join(
            f"<li><code>{_e(u.get('rule'))}</code> ({_e(u.get('direction'))}): {_e(u.get('why'))}</li>"
            for u in unbridged) + "</ul>")

    if rules:
        out.append("<h4>Rules</h4><table><tr><th>rule</th><th>subsystem</th><th>API</th><th>changed in</th>"
                   "<th>upstream commit</th><th>what changed</th></tr>")
        for rid in sorted(rules):
            r = rules[rid]
            out.append(f"<tr><td><code>{_e(rid)}</code></td><td>{_e(r.get('subsystem'))}</td>"
                       f"<td><code>{_e(', '.join(r.get('api') or []))}</code></td><td>{_e(r.get('since'))}</td>"
                       f"<td><code>{_e(r.get('commit'))}</code> {_e(r.get('commit_title'))}</td>"
                       f"<td>{_e(r.get('summary'))}</td></tr>")
        out.append("</table>")

    probes = cell.get("probes")
    if isinstance(probes, dict) and probes:
        if "error" in probes and len(probes) == 1:
            out.append(f"<h4>Probe answers</h4><p class=\"bad\">{_e(probes['error'])}</p>")
        else:
            out.append(f"<h4>Probe answers of {_e(cell['target'])}</h4><table><tr><th>rule</th>"
                       "<th>guard</th><th>state</th><th>answer</th></tr>")
            for rid in sorted(probes):
                state = _probe_state(probes[rid])
                answer = STATE_TEXT.get(state, "no answer (probe broken)") if state or \
                    probes[rid] is None or isinstance(probes[rid], dict) else str(probes[rid])
                guard = (rules.get(rid) or {}).get("guard", "")
                out.append(f"<tr><td><code>{_e(rid)}</code></td><td><code>{_e(guard)}</code></td>"
                           f"<td class=\"state\" data-state=\"{_e(state or 'none')}\"><code>"
                           f"{_e(state or '-')}</code></td><td>{_e(answer)}</td></tr>")
            out.append("</table>")

    abi = cell.get("abi")
    if isinstance(abi, dict):
        ok = abi.get("ok")
        out.append("<h4>ABI check</h4><p>" + ('<span class="good">every kernel struct keeps its layout</span>'
                                            if ok else '<span class="bad">layout differs</span>')
                   + f" ({_e(abi.get('checked', 0))} struct/union comparisons)</p>")

    load = cell.get("load")
    if isinstance(load, dict):
        out.append("<h4>Guest load</h4>"
                   f"<p>outcome <b>{_e(load.get('outcome'))}</b>, baseline {_e(load.get('baseline'))}: "
                   + ('<span class="good">as the unbridged driver on its own kernel</span>' if load.get("ok")
                      else '<span class="bad">not as the baseline</span>') + "</p>")
        if load.get("reasons"):
            out.append("<ul>" + "".join(f"<li>{_e(r)}</li>" for r in load["reasons"]) + "</ul>")
        if load.get("dmesg"):
            out.append("<pre>" + _e("\n".join(str(x) for x in load["dmesg"])) + "</pre>")
    xen = cell.get("xen")
    if isinstance(xen, dict):
        out.append(f"<h4>Under Xen {_e(xen.get('xen') or '')}</h4>"
                   f"<p>outcome <b>{_e(xen.get('outcome'))}</b>"
                   + (f" (boot {_e(xen.get('seconds'))} s)" if xen.get("seconds") else "") + "</p>")
        if xen.get("reasons"):
            out.append("<ul>" + "".join(f"<li>{_e(r)}</li>" for r in xen["reasons"]) + "</ul>")
        diffs = xen.get("negotiation_differences") or {}
        if diffs:
            out.append("<p>negotiation against the kernel's own front-end (the driver's source "
                       "may differ):</p><table><tr><th>key</th><th>native</th><th>this cell</th></tr>"
                       + "".join(f"<tr><td>{_e(k)}</td><td>{_e(v.get('native'))}</td>"
                                 f"<td>{_e(v.get('cell'))}</td></tr>" for k, v in sorted(diffs.items()))
                       + "</table>")
    out.append("</section>")
    return "\n".join(out)


def render(cells: list[dict[str, Any]], *, title: str = "kbridge matrix report") -> str:
    """The page for *cells* (merged ``kbridge matrix --json`` cells, in their order)."""
    groups: dict[tuple[str, str], list[tuple[str, dict[str, Any]]]] = {}
    for k, c in enumerate(cells):
        groups.setdefault((str(c.get("strategy", "plain")), str(c.get("guards") or "")), []).append((f"c{k}", c))

    def gkey(g: tuple[str, str]) -> tuple[int, str, str]:
        return (STRATEGY_ORDER.index(g[0]) if g[0] in STRATEGY_ORDER else len(STRATEGY_ORDER), *g)

    all_subsystems: set[str] = set()
    all_rules: set[str] = set()
    for c in cells:
        for rid, r in _cell_rules(c).items():
            all_rules.add(rid)
            all_subsystems.add(str(r.get("subsystem")))

    drivers = sorted({str(c["driver"]) for c in cells})
    targets = sorted({str(c["target"]) for c in cells})
    body = [f"<h1>{_e(title)}</h1>",
            f'<p class="sub">{len(drivers)} drivers, {len(targets)} kernels '
            f"({_e(', '.join(sorted(targets, key=lambda t: (version_tuple(t), t))))}), "
            f"{len(cells)} cells. Click a cell for its details.</p>",
            '<div class="filters">',
            '<span><label for="f-subsystem">Subsystem</label><select id="f-subsystem">'
            '<option value="">all</option>'
            + "".join(f'<option value="{_e(s)}">{_e(s)}</option>' for s in sorted(all_subsystems))
            + "</select></span>",
            '<span><label for="f-rule">Rule</label><select id="f-rule"><option value="">all</option>'
            + "".join(f'<option value="{_e(r)}">{_e(r)}</option>' for r in sorted(all_rules))
            + "</select></span>",
            '<span id="f-count" class="muted"></span>',
            '<span class="legend"><span class="ok">builds</span><span class="warn">builds, warnings</span>'
            '<span class="fail">fails</span><span class="none">not built</span></span>',
            "</div>"]
    panels: list[str] = []
    body.append('<div class="grids">')
    for g in sorted(groups, key=gkey):
        members = groups[g]
        name = _strategy_name(members[0][1])
        cols = sorted({(str(c.get("series") or ""), str(c["target"])) for _, c in members},
                      key=lambda st: (version_tuple(st[0] or st[1]), st[1]))
        with_load = any(isinstance(c.get("load"), dict) for _, c in members)
        with_xen = any(isinstance(c.get("xen"), dict) for _, c in members)
        rows: dict[str, dict[str, tuple[str, dict[str, Any]]]] = {}
        for cid, c in members:
            rows.setdefault(str(c["driver"]), {})[str(c["target"])] = (cid, c)
        ok = sum(1 for _, c in members if c.get("ok"))
        gid = "-".join(x for x in g if x)
        body.append(f'<div class="grid-box"><h2 id="s-{_e(gid)}">{_e(name)}: {ok}/{len(members)} cells build</h2>')
        body.append(f'<table class="grid" data-strategy="{_e(gid)}"><thead><tr><th class="drv">driver</th>'
                    + "".join(f"<th>{_e(t)}</th>" for _, t in cols)
                    + ("".join(f"<th>load {_e(t)}</th>" for _, t in cols) if with_load else "")
                    + ("".join(f"<th>xen {_e(t)}</th>" for _, t in cols) if with_xen else "")
                    + "</tr></thead><tbody>")
        for drv, by_target in rows.items():
            subs: set[str] = set()
            rids: set[str] = set()
            for _, c in by_target.values():
                for rid, r in _cell_rules(c).items():
                    rids.add(rid)
                    subs.add(str(r.get("subsystem")))
            tds = []
            loads = []
            xens = []
            for _, t in cols:
                if t not in by_target:
                    tds.append('<td class="none">-</td>')
                    loads.append('<td class="none">-</td>')
                    xens.append('<td class="none">-</td>')
                    continue
                cid, c = by_target[t]
                tds.append(f'<td class="{outcome(c)}" data-cell="{cid}" data-kind="build"><button type="button">'
                           f"{_e(_label(c))}</button></td>")
                panels.append(_details(cid, c))
                loads.append(_run_cell(cid, c.get("load"), "load"))
                xens.append(_run_cell(cid, c.get("xen"), "xen"))
            body.append(f'<tr data-driver="{_e(drv)}" data-subsystems="{_e(" ".join(sorted(subs)))}" '
                        f'data-rules="{_e(" ".join(sorted(rids)))}"><th class="drv">{_e(drv)}</th>'
                        + "".join(tds) + ("".join(loads) if with_load else "")
                        + ("".join(xens) if with_xen else "") + "</tr>")
        body.append("</tbody></table></div>")
    body.append("</div>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>\n"
            + "\n".join(body) + "\n<div id=\"panels\">\n" + "\n".join(panels) + "\n</div>\n"
            f"<script>{_JS}</script>\n</body></html>\n")
