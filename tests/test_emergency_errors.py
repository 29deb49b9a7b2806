"""Bad emergency input: one line naming the key and exit status 2 (validate, run, emergency)."""

from __future__ import annotations

from pathlib import Path

import pytest

from twin.cli import main

HEAD = """
[scenario]
name = "bad"
city = "testville"
period_days = 0.05
"""


def run_cli(capsys, argv) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse: a bad option value is a usage error
        code = exc.code
    err = capsys.readouterr().err
    return code, err


def write(tmp_path: Path, body: str) -> str:
    path = tmp_path / "bad.toml"
    path.write_text(HEAD + body, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ('[emergency.types.medical]\nunits = ["ambulanse"]\n', "did you mean 'ambulance'"),
        ("[emergency.types.earthquake]\nrate_per_1000 = 0.1\n", "types.earthquake is not an incident type"),
        ("[emergency.types.medical]\nrate_per_1000 = -0.1\n", "emergency.types.medical.rate_per_1000"),
        ("[emergency]\nrate_scale = -1.0\n", "emergency.rate_scale"),
        (
            "[emergency]\nunits_per_station = "
            "{ ambulance = 0, fire_engine = 1, police_car = 1, utility_crew = 1 }\n",
            "needs a 'ambulance' but no station has one",
        ),
        (
            "[emergency]\nunits_per_station = { helicopter = 1 }\n",
            "units_per_station.helicopter is not a unit kind",
        ),
        ('[emergency]\npolicy = "nearest"\n', "allowed: nearest_available, closest_station, tiered"),
        ("[[emergency.surge]]\nstart_h = 3.0\nend_h = 1.0\n", "surge[0].end_h must be after start_h"),
    ],
)
def test_validate_names_the_key(tmp_path, capsys, body, needle):
    code, err = run_cli(capsys, ["validate", write(tmp_path, body)])
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("twin: error: ")
    assert needle in err


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ('[[emergency.stations]]\nunit_kind = "ambulance"\nx = 90000.0\ny = 0.0\n', "emergency.stations[0]"),
        ('[[emergency.surge]]\nzones = ["atlantis"]\n', "emergency.surge[0].zones"),
    ],
)
def test_run_names_the_key_for_city_checks(tmp_path, capsys, body, needle):
    code, err = run_cli(
        capsys, ["run", write(tmp_path, body), "--out", str(tmp_path / "out"), "--quiet", "--no-picture"]
    )
    assert code == 2
    assert err.count("\n") == 1 and needle in err


def test_city_without_the_needed_station_kind(capsys):
    from twin.emergency.module import EmergencyModule
    from twin.emergency.validation import _section, tiny_city
    from twin.engine import TwinModel
    from twin.errors import ScenarioError

    cfg = _section(
        2, 1.0, 1.0, types={"fire": {"units": ["fire_engine"]}}, units_per_station={"fire_engine": 2}
    )
    with pytest.raises(ScenarioError, match=r"emergency.types.fire.units.*no fire_station"):
        TwinModel(tiny_city([100], [0]), [EmergencyModule(cfg)]).setup()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--units", "0", "--arrival-rate", "1", "--service-rate", "1"], "--units"),
        (["--units", "2", "--arrival-rate", "-1", "--service-rate", "1"], "--arrival-rate"),
        (["--units", "2", "--arrival-rate", "3", "--service-rate", "1"], "must be < 1"),
        (["--units", "2", "--arrival-rate", "1", "--service-rate", "1", "--calls", "10"], "--calls"),
    ],
)
def test_erlang_command_rejects_bad_numbers(capsys, args, needle):
    code, err = run_cli(capsys, ["emergency", "erlang", *args])
    assert code == 2 and needle in err and err.count("\n") == 1


def test_erlang_command_prints_json(capsys):
    import json

    assert (
        main(
            [
                "emergency",
                "erlang",
                "--units",
                "2",
                "--arrival-rate",
                "1",
                "--service-rate",
                "1",
                "--calls",
                "2000",
                "--seed",
                "3",
                "--json",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert {
        "simulated_mean_wait",
        "analytic_mean_wait",
        "simulated_p_wait",
        "analytic_p_wait",
        "utilisation",
    } <= set(out)
