"""scripts/car_trip_pace.py: car trips of a run folder by time of day (issue 17's peak comparison)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("car_trip_pace", ROOT / "scripts" / "car_trip_pace.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    from twin import load_scenario, run

    out = tmp_path_factory.mktemp("pace") / "run"
    run(load_scenario(ROOT / "scenarios" / "testville_quick.toml"), out, progress=False, picture=False)
    return out


def test_all_day_row_agrees_with_the_runs_own_figures(script, run_folder):
    """The all-day row recomputes what the run reports itself: its trips and mean trip minutes
    exactly, and its congestion index (loaded over each row's own free-flow route time) within 3 %
    from the quickest free-flow paths. Rejects (each run once): free-flow times from lengths at one
    speed, 50 km/h (the index fails), trip rows not weighted by their vehicles (the count fails)."""
    table = script.pace_table(run_folder).set_index("band")
    daily = pd.read_parquet(run_folder / "timeseries" / "traffic_daily.parquet")
    daily = daily[daily.recorded]
    trips = pd.read_parquet(run_folder / "timeseries" / "trip_times.parquet")
    row = table.loc["all day"]
    assert row["car trips"] == int(round(trips.vehicles.sum()))
    expected_min = np.average(daily.mean_trip_time_min, weights=daily.completed_trips)
    assert row["in-vehicle min"] == pytest.approx(expected_min, abs=0.006)
    index = np.average(daily.congestion_index, weights=daily.completed_trips)
    assert row["congestion index"] == pytest.approx(index, rel=0.03)
    assert row["congestion index"] >= 1.0
    assert row["min per km"] == pytest.approx(60.0 / row["network km/h"], abs=0.01)


def test_a_folder_without_timeseries_is_one_line_exit_2(script, tmp_path, capsys):
    assert script.main([str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "timeseries/trip_times.parquet" in err
