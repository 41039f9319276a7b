"""SARIF 2.1.0 rendering of findings (OASIS Static Analysis Results Interchange Format).

One run, tool ``kbridge``, one reporting rule per finding kind (missing-header,
missing-function, ...), one result per finding with a physical location
relative to the driver directory (``uriBaseId`` ``DRIVER``, declared in
``originalUriBaseIds``). The output validates against the official schema
(sarif-schema-2.1.0.json, errata01), which tests check with jsonschema.
Deterministic: results keep the order of the findings, rules are sorted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

_LEVELS = {"error": "error", "fatal error": "error", "warning": "warning", "note": "note"}


def codepoint_column(root: Path, rel: str, line: int, display_col: int) -> int:
    """gcc's display column (tabs to multiples of 8) as SARIF's unicodeCodePoints column."""
    try:
        text = (root / rel).read_bytes().split(b"\n")[line - 1].decode("utf-8", "replace")
    except (OSError, IndexError):
        return display_col
    col = 0
    for i, ch in enumerate(text):
        if col + 1 >= display_col:
            return i + 1
        col = (col // 8 + 1) * 8 if ch == "\t" else col + 1
    return len(text) + 1


def render(findings: Iterable[Mapping[str, Any]], *, tool_version: str, driver_root: Path | None,
           rule_help: Mapping[str, str] | None = None,
           properties: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A SARIF log from findings shaped like check's JSON
    ({"file","line","col","severity","api","kind","message","target"}); columns are
    converted from gcc's display columns to code points when the sources are at hand."""
    items = list(findings)
    kinds = sorted({str(f["kind"]) for f in items})
    rule_index = {k: i for i, k in enumerate(kinds)}
    rules = []
    for k in kinds:
        rule: dict[str, Any] = {"id": k, "name": "".join(w.capitalize() for w in k.split("-"))}
        if rule_help and k in rule_help:
            rule["shortDescription"] = {"text": rule_help[k]}
        rules.append(rule)
    results = []
    for f in items:
        region: dict[str, int] = {}
        if int(f.get("line") or 0) > 0:
            region["startLine"] = int(f["line"])
            if int(f.get("col") or 0) > 0:
                col = int(f["col"])
                if driver_root is not None:
                    col = codepoint_column(driver_root, str(f["file"]), int(f["line"]), col)
                region["startColumn"] = col
        loc: dict[str, Any] = {"artifactLocation": {"uri": str(f["file"]), "uriBaseId": "DRIVER"}}
        if region:
            loc["region"] = region
        result: dict[str, Any] = {
            "ruleId": str(f["kind"]),
            "ruleIndex": rule_index[str(f["kind"])],
            "level": _LEVELS.get(str(f["severity"]), "warning"),
            "message": {"text": str(f["message"])},
            "locations": [{"physicalLocation": loc}],
            "properties": {"api": f.get("api"), "target": f.get("target")},
        }
        results.append(result)
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "kbridge", "version": tool_version,
                            "rules": rules}},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    if driver_root is not None:
        run["originalUriBaseIds"] = {"DRIVER": {"uri": driver_root.resolve().as_uri() + "/"}}
    if properties:
        run["properties"] = dict(properties)
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}
