"""Layers read run tables (the table contract) into fields and overlays; no rendering here."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from twin.errors import TwinInputError
from viz.compare import common_clim, difference_view, nice_limit
from viz.layers import (
    Field,
    RunTables,
    clock,
    emergency_view,
    frame_times,
    layer_view,
    parse_clock,
    population_view,
    traffic_view,
    waste_view,
)
from viz.synthetic import synthetic_tables, write_synthetic_run


def tables(city, state=None, timeseries=None) -> RunTables:
    return RunTables(state=state or {}, timeseries=timeseries or {}, name="t", city=city)


def test_traffic_end_of_run_maps_links_and_leaves_missing_links_blank(testville):
    n = testville.network.n_links
    state = pd.DataFrame({"link": [3, 7], "flow_veh": [50.0, 100.0], "mean_speed_mps": [1.0, 2.0],
                          "speed_ratio": [0.2, 0.9], "max_queue_veh": [4.0, 0.0]})
    view = traffic_view(tables(testville, {"link_state": state}))
    assert view.field.on == "link" and view.field.values.shape == (n,)
    assert view.field.values[3] == 0.2 and view.field.values[7] == 0.9
    assert np.isnan(view.field.values[0])
    assert view.field.width[7] == 1.0 and view.field.width[3] == 0.5 and view.field.width[0] == 0
    queue = traffic_view(tables(testville, {"link_state": state}), quantity="queue")
    assert queue.field.values[3] == 4.0 and queue.field.unit == "veh"


def test_traffic_at_a_time_picks_the_interval_and_links_without_traffic_flow_freely(testville):
    free = testville.network.link_free_speed_mps
    rows = pd.DataFrame({"year": 2026, "time_s": [0.0, 900.0, 900.0], "link": [1, 1, 2],
                         "flow_vph": [10.0, 20.0, 30.0],
                         "speed_mps": [free[1], free[1] / 2, free[2] / 4], "density_vpm": 0.0})
    run = tables(testville, timeseries={"link_timeseries": rows})
    view = traffic_view(run, time_s=1000.0)
    assert view.field.values[1] == pytest.approx(0.5)
    assert view.field.values[2] == pytest.approx(0.25)
    assert view.field.values[5] == 1.0
    assert "00:15" in view.caption
    early = traffic_view(run, time_s=100.0)
    assert early.field.values[1] == pytest.approx(1.0)
    assert list(frame_times(run, "traffic")) == [0.0, 900.0]
    with pytest.raises(TwinInputError, match="queues only"):
        traffic_view(run, time_s=0.0, quantity="queue")


def test_emergency_zone_mean_response_and_time_window(testville):
    incidents = pd.DataFrame({"year": 2026, "time_s": [100.0, 200.0, 5000.0],
                              "type": "fire", "priority": 1, "x": 0.0, "y": 0.0,
                              "zone": [testville.zones.name[0]] * 2 + [testville.zones.name[1]],
                              "district": "old_town", "response_s": [60.0, 180.0, np.nan]})
    view = emergency_view(tables(testville, {"incidents": incidents}))
    in_zone0 = testville.buildings.zone == 0
    assert np.allclose(view.field.values[in_zone0], 2.0)  # mean of 1 and 3 minutes
    assert np.isnan(view.field.values[testville.buildings.zone == 1]).all()  # unanswered only
    later = emergency_view(tables(testville, {"incidents": incidents}), time_s=5100.0)
    assert len(later.overlays[0].xy) == 1  # only the incident of the last hour


def test_emergency_leaves_out_the_warm_up_days_as_the_kpis_do(testville):
    """Wrong model rejected: zone means over every incident of state/incidents, whose warm-up day
    calls (kept in the table) the KPIs leave out; zone 0 would read 10.5 min, not 1 min (checked:
    without the cut this test fails)."""
    day = 86400.0
    incidents = pd.DataFrame({"year": 2026, "time_s": [100.0, day + 100.0, day + 200.0],
                              "type": "fire", "priority": 1, "x": 0.0, "y": 0.0,
                              "zone": [testville.zones.name[0]] * 3, "district": "old_town",
                              "response_s": [1200.0, 60.0, 60.0]})
    run = tables(testville, {"incidents": incidents})
    run.manifest = {"scenario": {"scenario": {"warmup_days": 1}}}
    view = emergency_view(run)
    assert np.allclose(view.field.values[testville.buildings.zone == 0], 1.0)
    at = emergency_view(run, time_s=300.0)  # 00:05 of the first recorded day
    assert len(at.overlays[0].xy) == 2 and "at 00:05 (last hour)" in at.caption
    assert frame_times(run, "emergency", step_s=3600.0)[0] == day


def test_title_clocks_count_from_the_first_recorded_day(testville):
    """Two warm-up days: the KPIs, ``--time`` and the titles all count from the first recorded
    day, so 08:30 of it reads "08:30" (wrong model: the period's clock, "d3 08:30") and the
    second recorded day "d2". Waste trucks of the warm-up days are no frames, and ``--time``
    picks the recorded day's positions."""
    from viz.animate import _frames
    from viz.export import key_times

    day, warmup = 86400.0, 2 * 86400.0
    free = testville.network.link_free_speed_mps
    links = pd.DataFrame({"year": 2026, "time_s": [warmup + 30600.0, warmup + day + 30600.0],
                          "link": 1, "flow_vph": 10.0, "speed_mps": free[1], "density_vpm": 0.0})
    bins = pd.DataFrame({"bin": [0], "x": [0.0], "y": [0.0], "capacity_l": [100.0], "fill_l": [50.0]})
    trucks = pd.DataFrame({"year": 2026, "time_s": [30000.0, warmup + 30000.0], "truck": 0,
                           "x": [1.0, 2.0], "y": 0.0})
    run = tables(testville, {"bins": bins}, {"link_timeseries": links, "truck_positions": trucks})
    run.manifest = {"scenario": {"scenario": {"warmup_days": 2}}}
    first = traffic_view(run, time_s=parse_clock("08:30"))
    assert "traffic at 08:30, 2026" in first.caption
    assert "traffic at d2 08:30," in traffic_view(run, time_s=warmup + day + 30600.0).caption
    labels, _ = _frames([run], "traffic", None, "speed_ratio", 900.0)
    assert labels == ["08:30", "d2 08:30"]
    assert [label for label, _ in key_times(warmup + np.arange(0.0, day, 900.0), warmup)] == [
        "night 03:00", "AM peak 08:00", "midday 12:30", "PM peak 17:30"]
    waste = waste_view(run, time_s=parse_clock("08:30"))
    assert "waste at 08:30," in waste.caption and list(waste.overlays[0].xy[:, 0]) == [2.0]
    assert list(frame_times(run, "waste")) == [warmup + 30000.0]
    assert clock(30000.0, warmup) == "warm-up 08:20"


def test_waste_fill_ratio_and_latest_truck_positions(testville):
    bins = pd.DataFrame({"bin": [0, 1], "x": [0.0, 10.0], "y": [0.0, 0.0], "stream": "residual",
                         "capacity_l": [100.0, 200.0], "fill_l": [50.0, 200.0],
                         "overflow_kg": 0.0})
    trucks = pd.DataFrame({"year": 2026, "time_s": [0.0, 600.0, 0.0], "truck": [0, 0, 1],
                           "stream": "residual", "x": [1.0, 2.0, 3.0], "y": 0.0})
    run = tables(testville, {"bins": bins}, {"truck_positions": trucks})
    view = waste_view(run, time_s=300.0)
    assert list(view.field.values) == [0.5, 1.0]
    assert sorted(view.overlays[0].xy[:, 0]) == [1.0, 3.0]
    assert sorted(waste_view(run).overlays[0].xy[:, 0]) == [2.0, 3.0]


def test_population_change_by_zone_name(testville):
    names = list(testville.zones.name)
    series = pd.DataFrame({"year": [2025] * 2 + [2026] * 2, "zone": names[:2] * 2,
                           "district": "x", "population": [100.0, 50.0, 130.0, 40.0],
                           "households": 1})
    view = population_view(tables(testville, timeseries={"zone_population": series}))
    assert np.allclose(view.field.values[testville.buildings.zone == 0], 30.0)
    assert np.allclose(view.field.values[testville.buildings.zone == 1], -10.0)
    assert view.field.diverging and view.field.color_range() == (-30.0, 30.0)


def test_missing_table_error_names_the_run_and_the_layer(tmp_path, testville):
    folder = write_synthetic_run("testville", tmp_path / "run")
    (folder / "state" / "bins.parquet").unlink()
    with pytest.raises(TwinInputError, match=r"run: the waste layer needs state/bins\.parquet"):
        layer_view(RunTables(folder), "waste")
    with pytest.raises(TwinInputError, match="unknown layer 'noise'; layers: traffic"):
        layer_view(RunTables(folder), "noise")
    with pytest.raises(TwinInputError, match="not a run folder"):
        RunTables(tmp_path)


def test_clock_round_trip_and_bad_times():
    assert clock(parse_clock("08:30")) == "08:30"
    assert clock(86400 + 3600) == "d2 01:00"
    for bad in ("8", "08:75", "aa:bb", "1:2:3:4"):
        with pytest.raises(TwinInputError, match="--time"):
            parse_clock(bad)


def test_difference_is_a_minus_b_on_a_symmetric_diverging_scale(testville):
    state_a, _ = synthetic_tables(testville, seed=1, congestion=1.0)
    state_b, _ = synthetic_tables(testville, seed=2, congestion=0.3)
    a = traffic_view(tables(testville, state_a))
    b = traffic_view(tables(testville, state_b))
    diff = difference_view(a, b, "A", "B")
    assert np.allclose(diff.field.values, a.field.values - b.field.values)
    low, high = diff.field.color_range()
    assert low == -high and high == nice_limit(np.abs(diff.field.values).max())  # round ticks
    bins_a = waste_view(tables(testville, state_a))
    shuffled = state_b["bins"].iloc[::-1].reset_index(drop=True)
    bins_b = waste_view(tables(testville, {"bins": shuffled}))
    point_diff = difference_view(bins_a, bins_b, "A", "B")  # matched by bin id, not by row
    expected = bins_a.field.values - waste_view(tables(testville, state_b)).field.values
    assert np.allclose(point_diff.field.values, expected)


def test_common_clim_keeps_fixed_ranges_and_unites_free_ones():
    fixed = Field("link", np.array([0.5]), "r", "", "RdYlGn", (0.0, 1.0))
    assert common_clim([fixed, fixed]) == (0.0, 1.0)
    a = Field("link", np.array([1.0, 3.0]), "f", "", "plasma")
    b = Field("link", np.array([2.0, 7.0]), "f", "", "plasma")
    assert common_clim([a, b]) == (1.0, 7.0)


def test_difference_says_which_colour_is_better_on_round_ticks(testville):
    assert [nice_limit(v) for v in (0.7218, 3.3, 0.0061, 10.0, 0.0)] == [0.8, 4.0, 0.008, 10.0, 1.0]
    state, series = synthetic_tables(testville, seed=1)
    run = RunTables(state=state, timeseries=series, name="a", city=testville)
    calm = RunTables(state=synthetic_tables(testville, seed=2, congestion=0.2)[0],
                     timeseries=series, name="b", city=testville)
    diff = difference_view(layer_view(run, "traffic"), layer_view(calm, "traffic"), "a", "b")
    assert diff.field.cmap == "RdBu" and "blue: A better (higher), red: A worse" in diff.caption
    low, high = diff.field.clim
    assert low == -high and high == nice_limit(np.nanmax(np.abs(diff.field.values)))
    response = difference_view(layer_view(run, "emergency"), layer_view(calm, "emergency"), "a", "b")
    assert response.field.cmap == "RdBu_r" and "blue: A better (lower)" in response.caption
