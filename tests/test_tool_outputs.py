"""Outputs the tools write to user-named paths: atomic, one line when they cannot be written.

The bad-input table (tests/badinput/cases_tools.py) covers paths that fail for root too (a folder
where a file goes, a path under a file); here a full disk is injected, and an earlier output must
survive it byte for byte, with no temporary file left beside it.
"""

from __future__ import annotations

import errno
import json
import math

import pandas as pd
import pytest
from conftest import ROOT

from twin.cli import main
from twin.errors import TwinInputError
from twin.sweep.compare import COMPARISON_COLUMNS, Comparison, Side
from twin.sweep.report import write_compare_report

SIOUX = ROOT / "data" / "tntp" / "SiouxFalls"
ASSIGN = ["traffic", "assign", str(SIOUX / "SiouxFalls_net.tntp"), str(SIOUX / "SiouxFalls_trips.tntp")]
EARLIER = "an earlier output, to be kept\n"


def full_disk(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def one_error_line(capsys) -> str:
    """The error line; a disk fills only after the work is done, so with a cold numba cache the
    notice that kernels were compiled may come first (it is information, not an error)."""
    lines = [ln for ln in capsys.readouterr().err.splitlines()
             if not ln.startswith("twin: compiling kernels")]
    assert len(lines) == 1 and lines[0].startswith("twin: error: "), lines
    return lines[0] + "\n"


def assert_untouched(path) -> None:
    assert path.read_text() == EARLIER
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no temporary file left


def test_flows_on_a_full_disk_keep_the_earlier_file(tmp_path, capsys, monkeypatch):
    flows = tmp_path / "flows.csv"
    flows.write_text(EARLIER)
    monkeypatch.setattr(pd.DataFrame, "to_csv", full_disk)
    code = main([*ASSIGN, "--flows", str(flows)])
    assert code == 2
    assert f"{flows}: cannot write: No space left on device" in one_error_line(capsys)
    assert_untouched(flows)


def test_flows_replace_an_earlier_file(tmp_path, capsys):
    flows = tmp_path / "flows.csv"
    flows.write_text(EARLIER)
    assert main([*ASSIGN, "--flows", str(flows), "--json"]) == 0
    assert len(pd.read_csv(flows)) == 76
    assert sorted(p.name for p in tmp_path.iterdir()) == ["flows.csv"]


def test_matsim_export_on_a_full_disk_keeps_the_earlier_file(tmp_path, capsys, monkeypatch):
    target = tmp_path / "network.xml"
    target.write_text(EARLIER)

    def half_then_full(self, text, *args, **kwargs):
        with open(self, "w") as fh:
            fh.write(text[: len(text) // 2])
        full_disk()

    monkeypatch.setattr(type(target), "write_text", half_then_full)
    assert main(["city", "export", "testville", "--matsim", str(target)]) == 2
    assert "No space left on device" in one_error_line(capsys)
    assert_untouched(target)


def test_sumo_export_replaces_both_files_or_neither(tmp_path, capsys, monkeypatch):
    nod, edg = tmp_path / "net.nod.xml", tmp_path / "net.edg.xml"
    nod.write_text(EARLIER)
    edg.write_text(EARLIER)
    write_text = type(nod).write_text

    def full_on_edges(self, text, *args, **kwargs):
        if ".edg.xml" in self.name:
            full_disk()
        return write_text(self, text, *args, **kwargs)

    monkeypatch.setattr(type(nod), "write_text", full_on_edges)
    assert main(["city", "export", "testville", "--sumo", str(tmp_path / "net")]) == 2
    assert "No space left on device" in one_error_line(capsys)
    assert nod.read_text() == EARLIER and edg.read_text() == EARLIER
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.edg.xml", "net.nod.xml"]


def test_report_that_cannot_be_written(tmp_path, monkeypatch):
    table = pd.DataFrame([("traffic", "delay", "s", 1.0, 2.0, 1.0, 0.5, 1.5, 3, 3, True)],
                         columns=COMPARISON_COLUMNS)
    empty = pd.DataFrame(columns=["replicate", "year", "domain", "indicator", "value", "unit"])
    comparison = Comparison(Side("A", 0, empty, {}), Side("B", 1, empty, {}), 2026, 0.95, table)
    (tmp_path / "plain").write_text("a file\n")
    with pytest.raises(TwinInputError, match=r"plain/r(\.md|_indicators\.png): cannot write") as info:
        write_compare_report(comparison, tmp_path / "plain" / "r.md")
    assert "\n" not in str(info.value)
    report = tmp_path / "out" / "r.md"
    report.parent.mkdir()
    report.write_text(EARLIER)
    monkeypatch.setattr("twin.writing.Path.write_text", full_disk)
    with pytest.raises(TwinInputError, match="r.md: cannot write: No space left on device"):
        write_compare_report(comparison, report)
    assert report.read_text() == EARLIER
    assert sorted(p.name for p in report.parent.iterdir()) == ["r.md", "r_indicators.png"]


def test_simulate_json_is_valid_when_no_trip_completes(tmp_path, capsys):
    """With a horizon too short for any trip the mean travel time is undefined: null, and a note."""
    grid = ROOT / "data" / "traffic_grid"
    code = main(["traffic", "simulate", "--nodes", str(grid / "grid10x10_nodes.csv"),
                 "--links", str(grid / "grid10x10_links.csv"),
                 "--trips", str(grid / "demand_grid10x10_10k_seed1.csv"), "--horizon", "5", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    assert out["completed"] == 0 and out["mean_travel_time_s"] is None
    assert "no trip completed" in out["note"]
    assert all(not isinstance(v, float) or math.isfinite(v) for v in out.values())
