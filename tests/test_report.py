"""The HTML report, sharded matrices and the CI workflow (issue 18).

Real matrix runs of two corpus drivers (one that builds everywhere, one whose
cross build breaks) on every series of the series table, plain and layer;
shards merged against the unsharded run cell by cell; the report opened in
Debian's headless chromium through selenium; the generated GitHub workflow
(every series of the table) checked with actionlint, the GitLab pipeline against
GitLab's schema, and shard jobs' steps run here: a host series' and a root
series' (GitHub), a host series' (GitLab).

KBRIDGE_UPDATE_SCREENSHOT=1 also writes the screenshot to docs/report.png.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import assert_bad_input, host_series, run_cli
from kbridge.actions import matrix
from kbridge.facts import series as series_mod
from kbridge.knowledge import rules as rules_mod
from kbridge.reports import ci, html

REPO = Path(__file__).resolve().parent.parent
# the host series, given as --target: matrix's default targets are every series of the table
SERIES = host_series()
TARGETS = [a for s in SERIES for a in ("--target", s)]
# xen-kbdfront builds on every kernel; the newest blkfront breaks on the oldest kernel
OK_DRIVER = f"xen-kbdfront@{SERIES[0]}"
BREAKS = f"xen-blkfront@{SERIES[-1]}"
DRIVERS = [OK_DRIVER, BREAKS]


def _matrix(*args: str) -> list[dict]:
    proc = run_cli("matrix", *args, "-j", "2", "--json")
    assert proc.returncode == 0, proc.stderr
    cells = json.loads(proc.stdout)
    # stderr is a pipe, not a terminal: one progress line per finished cell, counted
    done = [line for line in proc.stderr.splitlines() if re.match(r"^\[\d+/\d+\] ", line)]
    assert len(done) == len(cells) and done[-1].startswith(f"[{len(cells)}/{len(cells)}] "), proc.stderr
    return cells


def _same(cell: dict) -> dict:
    """A cell without its timing (the one thing two runs of a cell may differ in)."""
    return {k: v for k, v in cell.items() if k != "seconds"}


@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> Path:
    """The unsharded plain matrix of DRIVERS x every series, saved as `kbridge matrix --json`."""
    out = tmp_path_factory.mktemp("plain") / "plain.json"
    out.write_text(json.dumps(_matrix(*DRIVERS, *TARGETS)))
    return out


@pytest.fixture(scope="module")
def layer(tmp_path_factory) -> Path:
    """The breaking driver bridged as a layer to the oldest kernel (shims applied)."""
    out = tmp_path_factory.mktemp("layer") / "layer.json"
    out.write_text(json.dumps(_matrix(BREAKS, "--target", SERIES[0], "--strategy", "layer")))
    return out


def test_matrix_json_keeps_its_keys_and_explains_cells(plain: Path) -> None:
    cells = json.loads(plain.read_text())
    assert len(cells) == len(DRIVERS) * len(SERIES)
    assert [c["cell"] for c in cells] == list(range(len(cells)))
    for c in cells:
        # the keys the JSON always had, then the report's
        assert list(c)[:8] == ["driver", "target", "ok", "errors", "warnings", "undefined_symbols",
                               "seconds", "diagnostics"]
        assert c["strategy"] == "plain" and c["series"] in SERIES
        assert {"check", "probes", "rules"} <= c.keys()
    broken = next(c for c in cells if c["driver"] == BREAKS and c["series"] == SERIES[0])
    assert not broken["ok"] and broken["check"]["findings"]
    rules = rules_mod.by_id(rules_mod.load())
    blamed = {r for f in broken["check"]["findings"] for r in f["rules"]}
    assert blamed, "each predicted error of the cross build maps to a rule"
    for rid in blamed:
        info = broken["rules"][rid]
        assert (info["commit"], info["since"], info["subsystem"]) == \
            (rules[rid].commit, rules[rid].since, rules[rid].subsystem)
    # every error the build reports on a line check predicted is blamed there
    lines = {(f["file"], f["line"]) for f in broken["check"]["findings"]}
    assert sum((d["file"], d["line"]) in lines for d in broken["diagnostics"]) >= len(blamed)
    # the target's probes agree with the blame: the oldest kernel lacks each new API blamed
    assert set(broken["probes"]) <= set(broken["rules"])
    assert all(broken["probes"][r]["result"] is not True for r in blamed if r in broken["probes"])
    assert any(r in broken["probes"] for r in blamed)


def _states(cell: dict) -> dict[str, str | None]:
    return {rid: a["state"] for rid, a in cell["probes"].items()}


def test_probe_answers_carry_their_state(plain: Path, root_job) -> None:  # type: ignore[no-untyped-def]
    """Each probe answer of a cell is `kbridge probe --json`'s result and three-state `state`,
    in the JSON and in the report's cell details (failed before: the JSON had the bare guard
    value and the report said "old API" where the kernel had neither). The oldest series of
    the table predates both sides of a two-sided rule the newest blkfront uses ("neither");
    that cell is the one the root series' shard job below builds (built once for both)."""
    cells = json.loads(plain.read_text())
    for c in [*cells, *root_job[1]]:
        for rid, a in c["probes"].items():
            assert set(a) == {"result", "state"}, (rid, a)
            assert a["state"] in ("new", "old", "neither", "both"), (rid, a)
            assert a["result"] is (a["state"] in ("new", "both")), (rid, a)
    oldest = series_mod.all_series()[0].name
    (cell,) = root_job[1]
    assert (cell["driver"], cell["series"]) == (BREAKS, oldest)
    direct = json.loads(run_cli("probe", oldest, *(f"--rule={r}" for r in cell["probes"]),
                                "--json").stdout)["results"]
    assert _states(cell) == {d["rule"]: d["state"] for d in direct}
    assert "neither" in _states(cell).values(), _states(cell)
    page = html.render([*cells, cell])
    # the details of that cell: one row per answer, its state in a cell of its own
    cid = len(cells)
    details = page[page.index(f'id="d-c{cid}"'):]
    details = details[:details.index("</table>", details.index("Probe answers"))]
    rows = re.findall(r'<tr><td><code>([a-z0-9_]+)</code></td><td><code>KB_HAVE_[A-Z0-9_]+</code></td>'
                      r'<td class="state" data-state="([a-z]+)"><code>\2</code></td><td>([^<]+)</td></tr>',
                      details)
    assert {rid: st for rid, st, _ in rows} == _states(cell)
    assert all(text == html.STATE_TEXT[st] for _, st, text in rows)
    assert "neither API (older than the old one, or newer than both)" in details


@pytest.mark.parametrize("state, direction, applies", [
    ("old", "new_on_old", True), ("new", "new_on_old", False), ("neither", "new_on_old", False),
    ("both", "new_on_old", False), ("new", "old_on_new", True), ("old", "old_on_new", False),
    ("neither", "old_on_new", False), ("both", "old_on_new", False), (None, "new_on_old", None)])
def test_a_shim_applies_by_the_probe_state(state, direction, applies) -> None:  # type: ignore[no-untyped-def]
    """README's three-state table: a shim is on only where the side it bridges from is there
    and the side it provides is not (failed before for "neither": a new_on_old shim read the
    guard's False as "old" and was reported applied on a kernel without the old API)."""
    result = None if state is None else state in ("new", "both")
    assert matrix.shim_applies({"result": result, "state": state}, direction) is applies
    if state in ("new", "old"):     # a result saved before states: the bare guard value
        assert matrix.shim_applies(state == "new", direction) is applies


def test_layer_cell_records_shims_with_their_why(layer: Path) -> None:
    (cell,) = json.loads(layer.read_text())
    assert cell["strategy"] == "layer" and cell["ok"], cell["diagnostics"]
    rules = rules_mod.by_id(rules_mod.load())
    assert cell["shims"], "a cross build is bridged with shims"
    for s in cell["shims"]:
        assert s["why"] == rules[s["rule"]].shims[s["direction"]].why and s["why"]
    assert cell["bridge"]["shims"] and cell["bridge"]["unbridged"] == []


def test_matrix_layer_bridges_a_driver_of_unknown_kernel_for_every_target() -> None:
    """README's maintainer flow on a driver directory (not from the corpus): `kbridge matrix
    DIR --strategy layer` bridges it for every target of the matrix, so its home kernel is
    found among them (failed before: each cell bridged for its own target only, and the
    cell of a kernel the driver does not build on aborted the matrix, exit 2)."""
    drv = REPO / "tests" / "fixtures" / "layer" / "kbtest_static_new"   # written for 6.12
    cells = _matrix(str(drv), "--strategy", "layer", "--target", "6.1", "--target", "6.12")
    assert [c["ok"] for c in cells] == [True, True], [c["diagnostics"][:3] for c in cells]
    old, new = cells
    assert old["shims"] and all(s["applies"] for s in old["shims"] if s["direction"] == "new_on_old")
    assert not any(s["applies"] for s in new["shims"] if s["direction"] == "new_on_old")


def test_shards_merge_into_the_unsharded_run(plain: Path, tmp_path: Path) -> None:
    """Real shards of the plain matrix, merged (given in reverse), equal the unsharded run
    cell by cell and in its order. That a share does not depend on the order drivers and
    targets are given in is the next test's (same function, no builds)."""
    whole = json.loads(plain.read_text())
    parts = [_matrix(*DRIVERS, *TARGETS, "--shard", f"{i}/2") for i in (1, 2)]
    assert sorted(len(p) for p in parts) == [len(whole) // 2, len(whole) - len(whole) // 2]
    files = []
    for i, p in enumerate(parts):
        files.append(tmp_path / f"s{i}.json")
        files[-1].write_text(json.dumps(p))
    proc = run_cli("matrix", "--merge", *map(str, reversed(files)), "--json")
    assert proc.returncode == 0, proc.stderr
    merged = json.loads(proc.stdout)
    assert [matrix.identity(c) for c in merged] == [matrix.identity(c) for c in whole]
    for got, want in zip(merged, whole):
        assert _same(got) == _same(want), want["driver"] + " on " + want["target"]


def test_shard_shares_are_a_partition_whatever_the_order() -> None:
    cells = [matrix.Cell(SimpleNamespace(label=f"d{d}"), SimpleNamespace(name=f"t{t}"))  # type: ignore[arg-type]
             for d in range(7) for t in range(3)]
    for n in (1, 2, 4, 21, 30):
        shares = [{matrix.cell_key(cells[i]) for i in matrix.shard(cells, i, n)} for i in range(1, n + 1)]
        assert sum(len(s) for s in shares) == len(cells)
        assert set().union(*shares) == {matrix.cell_key(c) for c in cells}
        assert max(map(len, shares)) - min(map(len, shares)) <= 1
        shuffled = cells[:]
        random.Random(n).shuffle(shuffled)
        assert shares == [{matrix.cell_key(shuffled[i]) for i in matrix.shard(shuffled, i, n)}
                          for i in range(1, n + 1)]


@pytest.mark.parametrize("spec", ["0/2", "3/2", "2", "a/b", "1/0", "-1/2"])
def test_bad_shard_spec_is_one_error_line(spec: str) -> None:
    assert_bad_input(run_cli("matrix", OK_DRIVER, "--shard", spec, "--json"), "--shard")


def test_shard_and_merge_misuse_is_one_error_line(plain: Path) -> None:
    assert_bad_input(run_cli("matrix", OK_DRIVER, "--shard", "1/2"), "--shard", "--json")
    assert_bad_input(run_cli("matrix", OK_DRIVER, "--merge", str(plain)), "--merge")


def test_merge_html_is_the_report(plain: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a.html", tmp_path / "b.html"
    proc = run_cli("matrix", "--merge", str(plain), "--html", str(a))
    assert proc.returncode == 0 and proc.stdout == "", proc.stderr
    assert run_cli("report", str(plain), "-o", str(b)).returncode == 0
    assert a.read_bytes() == b.read_bytes()


def test_merge_refuses_a_cell_twice_and_non_results(plain: Path, tmp_path: Path) -> None:
    assert_bad_input(run_cli("matrix", "--merge", str(plain), str(plain), "--json"), "also in")
    bad = tmp_path / "bad.json"
    bad.write_text('{"not": "a matrix"}')
    assert_bad_input(run_cli("report", str(bad), "-o", str(tmp_path / "r.html")), "not a kbridge matrix result")
    assert_bad_input(run_cli("report", str(tmp_path / "none.json"), "-o", str(tmp_path / "r.html")),
                     "cannot read")


def test_report_is_deterministic_and_self_contained(plain: Path, layer: Path, tmp_path: Path) -> None:
    outs = []
    for i, files in enumerate([(plain, layer), (layer, plain)]):
        out = tmp_path / f"r{i}.html"
        proc = run_cli("report", *map(str, files), "-o", str(out))
        assert proc.returncode == 0, proc.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    text = outs[0].decode()
    assert not re.search(r"https?://|<link|\ssrc=|@import|url\(", text), "nothing loaded from elsewhere"
    # a load verdict (kbridge matrix --run) shows as its own column and in the details
    cells = json.loads(plain.read_text())
    cells[0]["load"] = {"driver": cells[0]["driver"], "target": cells[0]["target"], "ok": True,
                        "outcome": "ENODEV", "baseline": "ENODEV", "reasons": [],
                        "dmesg": ["xen_kbdfront: probe of 'vkbd' refused"]}
    page = html.render(cells)
    assert page.count('data-kind="load"') == 1 and f"load {cells[0]['target']}" in page
    assert "probe of &#x27;vkbd&#x27; refused" in page and page == html.render(cells)


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium and driver, "scripts/setup.sh installs chromium and chromium-driver"
    opts = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1000", "--hide-scrollbars"):
        opts.add_argument(arg)
    opts.binary_location = chromium
    b = webdriver.Chrome(options=opts, service=Service(driver))
    yield b
    b.quit()


def test_report_in_a_real_browser(plain: Path, layer: Path, tmp_path: Path, browser) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    out = tmp_path / "report.html"
    assert run_cli("report", str(plain), str(layer), "-o", str(out)).returncode == 0
    browser.get(out.as_uri())
    grids = browser.find_elements(By.CSS_SELECTOR, "table.grid")
    assert [g.get_attribute("data-strategy") for g in grids] == ["plain", "layer"]
    assert len(grids[0].find_elements(By.CSS_SELECTOR, 'td[data-kind="build"]')) == len(DRIVERS) * len(SERIES)
    assert len(grids[1].find_elements(By.CSS_SELECTOR, 'td[data-kind="build"]')) == 1
    assert len(grids[0].find_elements(By.CSS_SELECTOR, "td.fail")) >= 1
    assert not any(p.is_displayed() for p in browser.find_elements(By.CSS_SELECTOR, "section.details"))

    # the breaking cross build: its details show the errors with file:line and their blame
    cells = json.loads(plain.read_text())
    k = next(i for i, c in enumerate(cells) if c["driver"] == BREAKS and c["series"] == SERIES[0])
    broken = cells[k]
    browser.find_element(By.CSS_SELECTOR, f'td[data-cell="c{k}"][data-kind="build"] button').click()
    panel = browser.find_element(By.ID, f"d-c{k}")
    assert panel.is_displayed()
    shown = panel.text
    d = broken["diagnostics"][0]
    assert f"{d['file']}:{d['line']}:{d['col']}" in shown
    rules = rules_mod.by_id(rules_mod.load())
    rid = next(r for f in broken["check"]["findings"] for r in f["rules"])
    assert rid in shown and rules[rid].commit in shown and rules[rid].since in shown
    f = next(f for f in broken["check"]["findings"] if f["declaration_against"])
    assert f["declaration_against"] in shown

    # the filters: a row (a driver in one strategy's grid) stays when one of its cells
    # involves the chosen subsystem / rule; the expectation is read from the JSON
    everything = cells + json.loads(layer.read_text())
    involved: dict[str, dict[str, set[str]]] = {}
    for c in everything:
        mine = involved.setdefault(c["driver"], {"subsystem": set(), "rule": set()})
        mine["rule"] |= set(c["rules"])
        mine["subsystem"] |= {r["subsystem"] for r in c["rules"].values()}
    rows = browser.find_elements(By.CSS_SELECTOR, "tr[data-driver]")
    for what in ("subsystem", "rule"):
        values = sorted(set().union(*(v[what] for v in involved.values())))
        # a value some driver does not involve: choosing it must hide that driver's rows
        value = next(v for v in values if not all(v in d[what] for d in involved.values()))
        expected = {d for d, v in involved.items() if value in v[what]}
        Select(browser.find_element(By.ID, f"f-{what}")).select_by_value(value)
        assert {r.get_attribute("data-driver") for r in rows if r.is_displayed()} == expected
        assert any(not r.is_displayed() for r in rows)
        assert browser.find_element(By.ID, "f-count").text == \
            f"{len(expected)} of {len(DRIVERS)} drivers shown"
        Select(browser.find_element(By.ID, f"f-{what}")).select_by_value("")
        assert all(r.is_displayed() for r in rows)

    # the layer cell: the shims applied with their why
    panel.find_element(By.CSS_SELECTOR, "button.close").click()
    assert not panel.is_displayed()
    lk = len(cells)   # the layer cell follows the plain ones in the merged report
    browser.find_element(By.CSS_SELECTOR, f'td[data-cell="c{lk}"] button').click()
    lpanel = browser.find_element(By.ID, f"d-c{lk}")
    (lcell,) = json.loads(layer.read_text())
    s = lcell["shims"][0]
    assert "Shims applied" in lpanel.text and s["rule"] in lpanel.text
    assert " ".join(s["why"].split())[:60] in " ".join(lpanel.text.split())
    browser.execute_script("window.scrollTo(0, 0)")
    shot = tmp_path / "report.png"
    browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    if os.environ.get("KBRIDGE_UPDATE_SCREENSHOT"):
        shutil.copyfile(shot, REPO / "docs" / "report.png")


def _yaml(path: Path) -> dict:
    from ruamel.yaml import YAML
    return YAML(typ="safe").load(path.read_text())


def _run_here(scripts: list[str], work: Path, env: dict[str, str]) -> None:
    """Run a job's shell steps in order as the CI would (GitHub's `shell: bash` is
    `bash --noprofile --norc -eo pipefail {0}`; GitLab's runner stops at the first failing line)."""
    for script in scripts:
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                              cwd=work, env=env, capture_output=True, text=True)
        assert proc.returncode == 0, (script, proc.stdout, proc.stderr)


def _checkout(tmp_path: Path) -> Path:
    """A directory laid out like the job's checkout (set-up finds its .venv ready)."""
    work = tmp_path / "checkout"
    work.mkdir()
    for name in ("scripts", "src", "pyproject.toml", ".venv", "README.md"):
        (work / name).symlink_to(REPO / name)
    return work


def _entry(s, strategy: str, shard: str) -> str:  # type: ignore[no-untyped-def]
    """A job-matrix entry of the workflow as `kbridge ci github` writes it."""
    return (f'{{series: "{s.name}", image: "debian:{series_mod.host_suite()}", '
            f'options: "{"--privileged" if s.toolchain == "root" else ""}", '
            f'strategy: "{strategy}", shard: "{shard}"}}')


def test_github_workflow_passes_actionlint(tmp_path: Path) -> None:
    actionlint = Path(sys.executable).parent / "actionlint"
    wf = tmp_path / "kbridge.yml"
    proc = run_cli("ci", "github", "-o", str(wf))
    assert proc.returncode == 0, proc.stderr
    text = wf.read_text()
    lint = subprocess.run([str(actionlint), "-no-color", str(wf)], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    # one job per series x strategy x shard for EVERY series of the table (failed before: only
    # the default ones), each in the host suite's image; a root series' job privileged (it makes
    # its Debian root with mmdebstrap: mounts, chroot), set-up making only that series' root
    table = series_mod.all_series()
    assert {s.toolchain for s in table} == {"host", "root"}
    for s in table:
        for st in ci.STRATEGIES:
            for i in (1, 2):
                assert _entry(s, st, f"{i}/2") in text
    assert text.count("{series:") == len(table) * len(ci.STRATEGIES) * 2
    job = _yaml(wf)["jobs"]["shard"]
    assert job["container"] == {"image": "${{ matrix.image }}", "options": "${{ matrix.options }}"}
    assert 'bash scripts/setup.sh --series "$KB_SERIES"' in [s.get("run") for s in job["steps"]]
    assert run_cli("ci", "github", "-o", str(tmp_path / "again.yml")).returncode == 0
    assert (tmp_path / "again.yml").read_text() == text


def test_workflow_follows_the_series_table(tmp_path: Path) -> None:
    """A table with one more root series of an old suite (buster) and one of sid gives their
    jobs, no code change: in the host suite's image, privileged."""
    table = tmp_path / "series.toml"
    extra = ('[[series]]\nname = "4.19"\nsuite = "buster"\nsource = "linux-source-4.19"\n'
             'headers = \'^linux-headers-4\\.19.*-amd64$\'\ntoolchain = "root"\n\n')
    extra_sid = ('\n[[series]]\nname = "7.9"\nsuite = "sid"\nsource = "linux-source-7.9"\n'
                 'headers = \'^linux-headers-7\\.9.*-amd64$\'\ntoolchain = "root"\n')
    table.write_text(extra + series_mod.table_path().read_text() + extra_sid)
    wf = tmp_path / "kbridge.yml"
    proc = run_cli("ci", "github", "--shards", "1", "--strategy", "layer", "-o", str(wf),
                   env={**os.environ, series_mod.TABLE_ENV: str(table)})
    assert proc.returncode == 0, proc.stderr
    text = wf.read_text()
    host = series_mod.host_suite()
    assert f'{{series: "4.19", image: "debian:{host}", options: "--privileged", strategy: "layer", shard: "1/1"}}' in text
    assert f'{{series: "7.9", image: "debian:{host}", options: "--privileged", strategy: "layer", shard: "1/1"}}' in text
    assert text.count("{series:") == len(series_mod.all_series()) + 2
    lint = subprocess.run([str(Path(sys.executable).parent / "actionlint"), "-no-color", str(wf)],
                          capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout


def _shard_job(tmp_path: Path, toolchain: str) -> tuple[dict, list[dict]]:
    """The GitHub shard job's own `run:` steps, in order, with the job's environment for the
    first matrix entry of a series of *toolchain*, on this machine: (entry, its cells)."""
    wf = tmp_path / "kbridge.yml"
    assert run_cli("ci", "github", *DRIVERS, "--shards", "2", "--strategy", "plain",
                   "-o", str(wf)).returncode == 0
    job = _yaml(wf)["jobs"]["shard"]
    assert [s["uses"].split("@")[0] for s in job["steps"] if "uses" in s] == \
        ["actions/checkout", "actions/cache", "actions/upload-artifact"]
    target = next(s for s in series_mod.all_series() if s.toolchain == toolchain)
    entry = next(e for e in job["strategy"]["matrix"]["include"] if e["series"] == target.name)
    env = {**os.environ, "KB_SERIES": entry["series"], "KB_STRATEGY": entry["strategy"],
           "KB_SHARD": entry["shard"], "KB_DRIVERS": job["env"]["KB_DRIVERS"]}
    work = _checkout(tmp_path)
    _run_here([s["run"] for s in job["steps"] if "run" in s], work, env)
    return entry, json.loads((work / ci.SHARD_FILE).read_text())


@pytest.fixture(scope="module")
def root_job(tmp_path_factory):  # type: ignore[no-untyped-def]
    """The shard job of the first root series (its set-up finds the root made here; in CI the
    privileged job makes it)."""
    return _shard_job(tmp_path_factory.mktemp("rootjob"), "root")


@pytest.mark.parametrize("toolchain", ["host", "root"])
def test_a_shard_job_runs_here(tmp_path: Path, toolchain: str, request) -> None:  # type: ignore[no-untyped-def]
    """A shard job's steps run here as in CI, for a host series and a root series."""
    entry, cells = _shard_job(tmp_path, "host") if toolchain == "host" else request.getfixturevalue("root_job")
    assert (entry["strategy"], entry["shard"]) == ("plain", "1/2")
    assert entry["options"] == ("--privileged" if toolchain == "root" else "")
    # shard 1 of 2 of DRIVERS on that series: one of its two cells
    assert len(cells) == 1 and cells[0]["series"] == entry["series"] and cells[0]["driver"] in DRIVERS
    assert cells[0]["check"].get("findings") is not None, cells[0]["check"]


def test_gitlab_pipeline_validates_and_its_shard_job_runs_here(tmp_path: Path) -> None:
    """`kbridge ci gitlab`: valid against GitLab's CI schema (check-jsonschema's vendored copy),
    one job per series x strategy x shard, and one shard job's script run here (the cache
    pointed at this machine's kbridge cache instead of the job's own)."""
    wf = tmp_path / ".gitlab-ci.yml"
    assert run_cli("ci", "gitlab", *DRIVERS, "--shards", "2", "--strategy", "layer",
                   "-o", str(wf)).returncode == 0
    check = subprocess.run([str(Path(sys.executable).parent / "check-jsonschema"), "--builtin-schema",
                            "vendor.gitlab-ci", str(wf)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    doc = _yaml(wf)
    shard = doc["shard"]
    rows = shard["parallel"]["matrix"]
    assert [(r["KB_SERIES"], r["KB_IMAGE"]) for r in rows] == \
        [(s.name, f"debian:{series_mod.host_suite()}") for s in series_mod.all_series()]
    assert shard["script"][1] == 'bash scripts/setup.sh --series "$KB_SERIES"'
    assert all(r["KB_STRATEGY"] == ["layer"] and r["KB_SHARD"] == ["1/2", "2/2"] for r in rows)
    host = next(r for r in rows if series_mod.get(r["KB_SERIES"]).toolchain == "host")
    env = {**os.environ, "KB_SERIES": host["KB_SERIES"], "KB_STRATEGY": "layer",
           "KB_SHARD": "2/2", "KB_DRIVERS": doc["variables"]["KB_DRIVERS"], "CI_JOB_ID": "7"}
    work = _checkout(tmp_path)
    _run_here(shard["script"], work, env)
    cells = json.loads((work / "shards" / "7.json").read_text())
    assert len(cells) == 1 and cells[0]["strategy"] == "layer" and cells[0]["ok"], cells[0]["diagnostics"][:3]
