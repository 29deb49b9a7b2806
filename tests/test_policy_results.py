"""scripts/policy_results.py: the expert check of each policy's effects against what a domain
expert expects (scripts/policy_expectations.toml). Pure tests of the verdict rules and of the
expectations file's bad input, then the test city end to end (one experiment of 4 replicates,
the report rebuilt with --report-only under right and wrong expectations): a check that could not
fail would pass the wrong expectations and fail these tests."""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PARENT = ROOT / "scenarios" / "testville_experiment_base.toml"
POLICY = "testville_experiment_policy"


@pytest.fixture(scope="module")
def script():
    path = ROOT / "scripts" / "policy_results.py"
    spec = importlib.util.spec_from_file_location("policy_results", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["policy_results"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    yield module
    del sys.modules["policy_results"]


@pytest.mark.parametrize(("direction", "low", "high", "effect", "flag", "expected"), [
    ("increase", 10, 40, 20.0, "clear", "as expected"),
    ("increase", 10, 40, 5.0, "clear", "smaller"),
    ("increase", 10, 40, 55.0, "weak", "larger"),
    ("increase", 10, 40, -20.0, "clear", "wrong direction"),
    ("increase", 10, 40, 20.0, "noise", "not distinguishable from zero"),
    ("decrease", -15, -4, -10.0, "clear", "as expected"),
    ("decrease", -15, -4, -2.0, "clear", "smaller"),
    ("decrease", -15, -4, -30.0, "clear", "larger"),
    ("decrease", -15, -4, 3.0, "weak", "wrong direction"),
    ("decrease", -15, -4, 0.0, "unchanged", "not distinguishable from zero"),
    ("none", -1, 1, 0.5, "clear", "as expected"),
    ("none", -1, 1, 7.0, "noise", "as expected"),
    ("none", -1, 1, 0.0, "unchanged", "as expected"),
    ("none", -1, 1, -3.0, "clear", "larger"),
    ("none", -1, 1, 3.0, "weak", "larger"),
    ("increase", 10, 40, float("nan"), "clear", "not measured"),
    ("increase", 10, 40, 20.0, "n/a", "not measured"),
])
def test_verdict_rules(script, direction, low, high, effect, flag, expected):
    assert script.verdict(direction, low, high, effect, flag) == expected


def test_the_shipped_expectations_load_and_cover_every_shipped_policy(script):
    every = script.policies_of(ROOT / "scenarios" / "hezhou_baseline.toml", ROOT / "scenarios")
    names = sorted(p.stem for p in every)
    expected = script.load_expectations(script.EXPECTATIONS, names)
    assert sorted(expected) == names  # every shipped policy has its expert expectations
    for policy in expected.values():
        assert 3 <= len(policy.expect) <= 6
        assert "governance.index" in {e.indicator for e in policy.expect}
        assert all(e.reason and e.source for e in policy.expect)


GOOD_ROW = {"indicator": "migration.vacancy_rate", "direction": "increase", "range_pct": [1.0, 50.0],
            "reason": "new dwellings outpace households", "source": "ASSUMPTION"}


def _toml(tables: dict[str, dict]) -> str:
    """A tiny TOML writer for the test's expectations files (strings, numbers, lists)."""
    def value(v):
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return repr(v).lower() if isinstance(v, bool) else repr(v)

    lines = []
    for name, table in tables.items():
        lines.append(f"[{name}]")
        lines += [f"{k} = {value(v)}" for k, v in table.items() if k != "expect"]
        for row in table.get("expect", []):
            lines.append(f"[[{name}.expect]]")
            lines += [f"{k} = {value(v)}" for k, v in row.items()]
    text = "\n".join(lines) + "\n"
    assert tomllib.loads(text) == tables
    return text


def _file(tmp_path: Path, rows: list[dict], name: str = POLICY, **extra) -> Path:
    path = tmp_path / "expect.toml"
    table = {"mechanism": "a new-town programme", **extra}
    path.write_text(_toml({name: {**table, "expect": rows} if rows else table}))
    return path


@pytest.mark.parametrize(("rows", "name", "fragment"), [
    ([GOOD_ROW], "testville_nowhere", "[testville_nowhere]: not a policy of this experiment; allowed: "
                                      "testville_experiment_policy"),
    ([{**GOOD_ROW, "direction": "up"}], POLICY,
     ".expect[0].direction: 'up'; allowed: increase, decrease, none"),
    ([{**GOOD_ROW, "range_pct": [-5.0, 50.0]}], POLICY, ".expect[0].range_pct: [-5.0, 50.0] disagrees with "
                                                        "direction 'increase' (0 <= low)"),
    ([{**GOOD_ROW, "range_pct": [50.0, 1.0]}], POLICY, "with low < high is required"),
    ([{**GOOD_ROW, "range": [0.1, 0.2]}], POLICY, "exactly one of range_pct"),
    ([{k: v for k, v in GOOD_ROW.items() if k != "reason"}], POLICY, ".expect[0].reason: a non-empty string"),
    ([{**GOOD_ROW, "indicator": "vacancy_rate"}], POLICY, "is not 'domain.name'"),
    ([{**GOOD_ROW, "why": "x"}], POLICY, ".expect[0].why: unknown key; allowed: "),
    ([{**GOOD_ROW, "discussion": "the model"}], POLICY, "discussion and discussed_verdict go together"),
    ([{**GOOD_ROW, "discussion": "x", "discussed_verdict": "bad"}], POLICY,
     "discussed_verdict: 'bad'; allowed"),
    ([], POLICY, "1 to 8 [[testville_experiment_policy.expect]] tables are required"),
])
def test_a_bad_expectations_file_is_one_line_naming_file_and_key(script, tmp_path, capsys, rows, name,
                                                                 fragment):
    path = _file(tmp_path, rows, name)
    report = tmp_path / "report.md"
    argv = ["--parent", str(PARENT), "--out", str(tmp_path / "none"), "--report", str(report),
            "--expectations", str(path), "--report-only"]
    assert script.main(argv) == 2  # refused before any run (the folder does not exist)
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith(f"policy_results: error: {path}: ")
    assert fragment in err
    assert not report.exists()


def test_an_unreadable_or_broken_file_is_one_line(script, tmp_path, capsys):
    broken = tmp_path / "broken.toml"
    broken.write_text("[a\n")
    for path in (broken, tmp_path / "missing.toml"):
        argv = ["--parent", str(PARENT), "--out", str(tmp_path / "none"), "--expectations", str(path),
                "--report", str(tmp_path / "r.md"), "--report-only"]
        assert script.main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and f"error: {path}: " in err


@pytest.fixture(scope="module")
def experiment_folder(script, tmp_path_factory):
    """The test city's policy against its parent, 4 replicates, run once (about 10 s)."""
    work = tmp_path_factory.mktemp("policy_results")
    path = work / "expect.toml"
    path.write_text(_toml({POLICY: {"mechanism": "m", "expect": [GOOD_ROW]}}))
    argv = ["--parent", str(PARENT), "--replicates", "4", "--workers", "0", "--out", str(work / "exp"),
            "--report", str(work / "first.md"), "--expectations", str(path)]
    assert script.main(argv) == 0
    return work / "exp"


def _report(script, folder: Path, tmp_path: Path, rows: list[dict]) -> tuple[int, str]:
    report = tmp_path / "results.md"
    argv = ["--parent", str(PARENT), "--out", str(folder), "--report", str(report), "--report-only",
            "--expectations", str(_file(tmp_path, rows))]
    code = script.main(argv)
    return code, report.read_text() if report.exists() else ""


def _check_rows(text: str) -> dict[str, list[str]]:
    """The expert check table of the report: indicator -> cells."""
    part = text.split("### Expert check", 1)[1].split("### Every indicator", 1)[0]
    rows = [line.strip("|").split(" | ") for line in part.splitlines() if line.startswith("| ")]
    return {cells[0].strip(): [c.strip() for c in cells] for cells in rows[1:]}


def test_right_expectations_pass(script, experiment_folder, tmp_path):
    rows = [GOOD_ROW,
            {"indicator": "migration.population", "direction": "none", "range_pct": [-1.0, 1.0],
             "reason": "households move inside the city", "source": "ASSUMPTION"}]
    code, text = _report(script, experiment_folder, tmp_path, rows)
    assert code == 0
    check = _check_rows(text)
    assert check["migration.vacancy_rate"][4] == "as expected"
    assert check["migration.vacancy_rate"][1] == "increase, +1 to +50 %"
    assert check["migration.population"][4] == "as expected"
    assert "Expert check: 2 of 2 as expected." in text
    assert "1 of 1 policies checked, 2 of 2 effects as expected" in text
    assert "Mechanism: a new-town programme" in text


def test_wrong_direction_and_out_of_range_are_flagged(script, experiment_folder, tmp_path):
    """The check can fail: the same measured effects against a wrong direction, a range the effect
    misses (too high) and a 'no effect' where there is one."""
    rows = [{**GOOD_ROW, "direction": "decrease", "range_pct": [-50.0, -1.0]},
            {**GOOD_ROW, "range_pct": [60.0, 90.0]},
            {**GOOD_ROW, "direction": "none", "range_pct": [-0.5, 0.5],
             "discussion": "the model builds faster than households come", "discussed_verdict": "larger"}]
    code, text = _report(script, experiment_folder, tmp_path, rows)
    assert code == 0
    part = text.split("### Expert check", 1)[1].split("### Every indicator", 1)[0]
    verdicts = [line.split(" | ")[4] for line in part.splitlines() if line.startswith("| migration")]
    assert verdicts == ["wrong direction", "smaller", "larger"]
    assert ("Expert check: 0 of 3 as expected; smaller: migration.vacancy_rate; larger: "
            "migration.vacancy_rate; wrong direction: migration.vacancy_rate.") in text
    assert "After the run: the model builds faster than households come" in text


def test_a_stale_discussion_is_marked(script, experiment_folder, tmp_path):
    rows = [{**GOOD_ROW, "discussion": "written for an earlier run", "discussed_verdict": "smaller"}]
    code, text = _report(script, experiment_folder, tmp_path, rows)
    assert code == 0
    assert "(written for the verdict 'smaller'; the verdict is now 'as expected')" in text


def test_an_indicator_the_experiment_lacks_is_one_line_and_keeps_the_report(script, experiment_folder,
                                                                            tmp_path, capsys):
    code, _ = _report(script, experiment_folder, tmp_path, [GOOD_ROW])
    report = tmp_path / "results.md"
    before = report.read_text()
    code, _ = _report(script, experiment_folder, tmp_path, [{**GOOD_ROW, "indicator": "waste.truck_km"}])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "[testville_experiment_policy].expect[0].indicator: 'waste.truck_km' is not an indicator" in err
    assert report.read_text() == before  # the earlier report is not lost


def test_units_and_points(script, experiment_folder, tmp_path):
    """A range in the indicator's unit: a share in % is checked in % points."""
    rows = [{"indicator": "migration.vacancy_rate", "direction": "increase", "range": [0.01, 50.0],
             "reason": "points", "source": "ASSUMPTION"}]
    code, text = _report(script, experiment_folder, tmp_path, rows)
    assert code == 0
    cells = _check_rows(text)["migration.vacancy_rate"]
    assert cells[1] == "increase, +0.01 to +50 points" and cells[2].endswith("]") and "points" in cells[2]
