"""Observations of a run with warm-up days: one time frame, the recorded period's.

A run with ``scenario.warmup_days = 1`` writes its tables from the start of the warm-up (the
recorded day's link flows at 86400 s .. and the warm-up day's calls and weighings too). Observations
count from the start of the first recorded day and never see the warm-up
(:meth:`twin.observations.read.Reference.recorded`). These tests reject the old frame, which read
the run's times as observation times: it dropped every count (their intervals fell after the
period), found no travel times, took the warm-up day's calls and weighings for the recorded day's
and, in calibration, compared the observations with a modelled day of zero flow.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from twin.observations import observe, read_observations, reference_of
from twin.observations.fit import CalibrationContext
from twin.observations.fit_traffic import modelled_counts, travel_time_figures
from twin.observations.fit_waste import modelled_tonnes
from twin.observations.formats import FORMATS

ROOT = Path(__file__).resolve().parents[1]
DAY = 86400.0


@pytest.fixture(scope="module")
def warm_run(tmp_path_factory) -> Path:
    """testville_quick for one year: one warm-up day, then a recorded quarter day."""
    from twin import load_scenario, run

    folder = tmp_path_factory.mktemp("warm")
    (folder / "s.toml").write_text(f'extends = "{(ROOT / "scenarios" / "testville_quick.toml").as_posix()}"\n'
                                   "[scenario]\nhorizon_years = 1\nwarmup_days = 1\n", encoding="utf-8")
    out = folder / "run"
    run(load_scenario(folder / "s.toml"), out, progress=False, picture=False)
    return out


@pytest.fixture(scope="module")
def observed(warm_run, tmp_path_factory) -> tuple[Path, dict[str, pd.DataFrame]]:
    """Every kind observed in full without noise, and read back."""
    out = tmp_path_factory.mktemp("obs") / "obs"
    observe(warm_run, out, sample={k: 1.0 for k in FORMATS}, noise={k: 0.0 for k in FORMATS}, seed=1)
    return out, read_observations(out, reference_of(warm_run))


def _run_table(run: Path, name: str) -> pd.DataFrame:
    folder = "state" if name == "incidents" else "timeseries"
    return pd.read_parquet(run / folder / f"{name}.parquet")


def test_the_reference_knows_the_warm_up(warm_run):
    ref = reference_of(warm_run)
    assert (ref.warmup_days, ref.warmup_s, ref.period_s) == (1, DAY, DAY / 4)
    # the run's tables count from the warm-up: what the frame must undo
    first = _run_table(warm_run, "link_timeseries").time_s.min()  # the first interval with a moving car
    assert DAY <= first < DAY + 3600.0
    assert _run_table(warm_run, "incidents").time_s.min() < DAY


def test_counts_cover_every_recorded_interval_and_equal_the_run(warm_run, observed):
    counts = observed[1]["counts"]
    n_links = len(reference_of(warm_run).link_from)
    assert len(counts) == n_links * 24  # every link, each quarter hour of the recorded quarter day
    assert sorted(counts.start_s.unique()) == [900.0 * k for k in range(24)]
    series = _run_table(warm_run, "link_timeseries")
    series = series[series.link < n_links]
    truth = series.assign(start_s=series.time_s - DAY, vehicles=series.flow_vph * 900.0 / 3600.0)
    truth = truth.set_index(["link", "year", "start_s"]).vehicles
    got = counts.set_index(["link", "year", "start_s"]).vehicles
    assert truth.sum() > 0
    assert np.array_equal(got.reindex(truth.index).to_numpy(), truth.to_numpy())
    assert got.sum() == pytest.approx(truth.sum(), rel=1e-12)  # nothing from elsewhere


def test_incidents_and_weighings_only_of_the_recorded_period(warm_run, observed):
    tables = observed[1]
    calls = _run_table(warm_run, "incidents")
    recorded = calls[calls.time_s >= DAY]
    assert 0 < len(recorded) < len(calls)  # the warm-up day had calls of its own
    got = tables["incidents"].sort_values("time_s")
    assert np.allclose(got.time_s.to_numpy(), np.sort(recorded.time_s.to_numpy()) - DAY)
    daily = _run_table(warm_run, "waste_daily")
    assert sorted(daily.day.unique()) == [0, 1]  # the warm-up day, then the recorded day
    assert set(tables["weighbridge"].day) == {0}
    assert tables["weighbridge"].tonnes.sum() == pytest.approx(daily[daily.day == 1].collected_g.sum() / 1e6)
    trips = _run_table(warm_run, "trip_times")
    probes = tables["travel_times"]
    assert len(probes) == len(trips) > 0
    assert np.allclose(np.sort(probes.depart_h.to_numpy()), np.sort(trips.depart_s.to_numpy() - DAY) / 3600.0)


def test_observe_then_check_round_trip(warm_run, observed, capsys):
    from twin.cli import main

    assert main(["observations", "check", str(observed[0]), "--against", str(warm_run)]) == 0
    assert "ok (counts" in capsys.readouterr().out


def test_calibration_compares_in_the_same_frame(warm_run, observed, tmp_path):
    """A fitter's run tables (:meth:`CalibrationContext.table`) in the observations' frame: exact
    observations of the run match the run itself."""
    ref = reference_of(warm_run)
    ctx = CalibrationContext({}, tmp_path / "s.toml", tmp_path, ref, lambda c, t: [],
                             np.random.default_rng(0), 0, tmp_path, lambda line: None)
    tables = observed[1]
    series = ctx.table(warm_run / "timeseries", "link_timeseries")
    counts = tables["counts"]
    modelled = modelled_counts(series, counts, 900.0, ref.start_year, ref.n_links)
    assert modelled.sum() > 0
    assert np.allclose(modelled, counts.vehicles.to_numpy())
    daily = ctx.table(warm_run / "timeseries", "waste_daily")
    assert np.allclose(modelled_tonnes(tables["weighbridge"], daily), tables["weighbridge"].tonnes.to_numpy())
    trips = ctx.table(warm_run / "timeseries", "trip_times")
    from twin.city import load_city
    from twin.observations.fit_emergency import zones_of_points

    node_zone = zones_of_points(load_city("testville"), ref.node_x, ref.node_y)
    figures = travel_time_figures(tables["travel_times"], trips, node_zone)
    assert figures["tt_matched_share"] == 1.0


def test_surge_hours_count_from_the_recorded_period(tmp_path, monkeypatch):
    """A surge's hours count from the start of the recorded period, in the emergency module (its
    calls) and in the fit (the window it cuts out), the frame of the observations.

    Wrong model rejected: hours counted from the start of the warm-up (as before), so a surge at
    01:00-03:00 with one warm-up day fell in the unrecorded warm-up: the recorded hours 1-3 would
    hold no more calls than hours 3-5 and the fit would cut 01:00-03:00 minus a day."""
    from twin import load_scenario, run
    from twin.observations import fit_emergency

    scenario_file = tmp_path / "s.toml"
    scenario_file.write_text(
        f'extends = "{(ROOT / "scenarios" / "testville_quick.toml").as_posix()}"\n'
        "[scenario]\nhorizon_years = 1\nwarmup_days = 1\n"
        "[[emergency.surge]]\nstart_h = 1\nend_h = 3\nrate_multiplier = 20\n", encoding="utf-8")
    out = tmp_path / "run"
    run(load_scenario(scenario_file), out, progress=False, picture=False)
    t = pd.read_parquet(out / "state" / "incidents.parquet").time_s.to_numpy() - DAY
    surge, after = np.sum((t >= 3600) & (t < 3 * 3600)), np.sum((t >= 3 * 3600) & (t < 5 * 3600))
    assert surge > 5 * max(after, 1)  # 20x the calls in the surge's two recorded hours

    ref = reference_of(scenario_file)
    seen = []

    def capture(cfg, names, city, years, period_s, windows, *rest):
        seen.append(list(windows))
        raise RuntimeError("captured")

    monkeypatch.setattr(fit_emergency, "fit_emergency", capture)
    ctx = CalibrationContext(load_scenario(scenario_file).to_dict(), scenario_file, tmp_path, ref,
                             lambda c, t: [], np.random.default_rng(0), 0, tmp_path, lambda line: None)
    calls = pd.DataFrame({"year": [2025], "time_s": [3600.0]})
    with pytest.raises(RuntimeError, match="captured"):
        fit_emergency.EmergencyFitter().fit(ctx.scenario, {"incidents": calls}, {}, ctx)
    assert seen == [[(1 * 3600.0, 3 * 3600.0)]]
