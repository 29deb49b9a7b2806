"""Traffic days within a period: one loading a day on the smoothed memory, warm-up days left out
of the KPIs, and travellers adapting day by day after a shock (docs/traffic.md, "Days, warm-up
and adaptation")."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from twin.config import parse
from twin.engine import TwinModel
from twin.traffic import TrafficConfig, TrafficModule
from twin.traffic.departure import shift_departures

PEAK = [0.0] * 7 + [1.0, 1.0] + [0.0] * 15
"""Two morning hours of departures: testville's bridge congests."""


def run_days(city, days=6, warmup=2, module_class=TrafficModule, **options):
    options = {"hourly_profile": PEAK, "gravity_beta_per_min": 0.1, **options}
    module = module_class(parse(TrafficConfig, options, source="test"))
    model = TwinModel(city, [module], seed=1, period_days=days, warmup_days=warmup)
    model.step()
    kpis = {ind.name: ind.value for _, ind in model.indicator_rows}
    return module, kpis


class FrozenMemory(TrafficModule):
    """A wrong model: travellers never learn after the warm-up (the memory stays pre-shock)."""

    def _remember(self, remembered, experienced):
        if self.day >= self._warmup_until:
            return remembered
        return super()._remember(remembered, experienced)

    def start_year(self, model, year):
        self._warmup_until = model.warmup_days
        super().start_year(model, year)


@pytest.fixture(scope="module")
def base(testville):
    return run_days(testville)


@pytest.fixture(scope="module")
def shock(testville):
    return run_days(testville, capacity_factor={"Test Bridge": 0.2})


def test_one_loading_a_day_with_the_memory_updated(base):
    module, kpis = base
    days = module.daily_frame()
    assert days.day.tolist() == list(range(8)) and days.recorded.tolist() == [False] * 2 + [True] * 6
    # every day's vehicles are all accounted for (conservation): arrived by midnight or still out
    summary = module.loading.summary()
    assert summary["completed"] + summary["still_travelling"] + summary["not_departed"] \
        + summary["unreachable_vehicles"] == summary["trips"]
    assert (days.completed_trips > 0).all()
    # each day draws afresh and the memory moves: the gap changes from day to day
    assert days.completed_trips.nunique() > 4 and days.equilibrium_gap_pct.nunique() == 8
    assert days.equilibrium_gap_pct.iloc[-1] < days.equilibrium_gap_pct.iloc[0]
    # the trips of every recorded day are in the trip table, on the period's clock
    trips = module.timeseries()["trip_times"]
    assert trips.depart_s.min() >= 2 * 86_400 and trips.depart_s.max() < 8 * 86_400
    assert kpis["recorded_days"] == 6


def test_same_seed_same_days_bitwise(base, testville):
    module, _ = base
    again, _ = run_days(testville)
    pd.testing.assert_frame_equal(module.daily_frame(), again.daily_frame(), check_exact=True)
    pd.testing.assert_frame_equal(module.timeseries()["trip_times"], again.timeseries()["trip_times"],
                                  check_exact=True)


def test_warmup_days_are_left_out_of_the_kpis(base):
    module, kpis = base
    days = module.daily_frame()
    recorded = days[days.recorded]
    assert kpis["first_day_mean_trip_time"] == recorded.mean_trip_time_min.iloc[0]
    assert kpis["mean_trip_time"] == pytest.approx(recorded.mean_trip_time_min.iloc[1:].mean())
    assert kpis["vehicle_km"] == pytest.approx(recorded.vehicle_km.iloc[1:].mean())
    with_warmup = days.mean_trip_time_min.iloc[1:].mean()
    assert kpis["mean_trip_time"] != pytest.approx(with_warmup)


def test_closure_first_day_effect_is_larger_than_the_adapted_one(base, shock):
    _, base_kpis = base
    module, kpis = shock
    days = module.daily_frame()
    # the warm-up ran on the network before the lever: the same days as the baseline's
    pd.testing.assert_frame_equal(days.iloc[:2], base[0].daily_frame().iloc[:2])
    first = kpis["first_day_mean_trip_time"] - base_kpis["mean_trip_time"]
    adapted = kpis["mean_trip_time"] - base_kpis["mean_trip_time"]
    # measured: +2.82 and +1.43 min (1.97 x) with the signals re-timed on arrivals, +2.91 and +1.39
    # (2.09 x) on outflows before; the later days alternate (3.7, 4.6, 3.7, 3.3, 3.2 min). Rejects
    # travellers who never learn (FrozenMemory below, run through this check: first +2.83, adapted
    # +4.33 min, 0.65 x)
    assert first > 1.5 * adapted > 0
    gap = days[days.recorded].equilibrium_gap_pct.to_numpy()
    assert gap[-2:].mean() < 0.5 * gap[0]  # travellers learn: the gap falls over the days


def test_without_adaptation_the_adapted_effect_is_larger(base, shock, testville):
    _, base_kpis = base
    _, kpis = shock
    _, frozen = run_days(testville, module_class=FrozenMemory, departure_window_min=0.0,
                         capacity_factor={"Test Bridge": 0.2})
    assert frozen["first_day_mean_trip_time"] == kpis["first_day_mean_trip_time"]
    assert frozen["mean_trip_time"] - base_kpis["mean_trip_time"] > \
        1.2 * (kpis["mean_trip_time"] - base_kpis["mean_trip_time"])


def test_levers_in_warmup_start_the_run_adapted(shock, testville):
    _, kpis = shock
    _, adapted = run_days(testville, capacity_factor={"Test Bridge": 0.2}, levers_in_warmup=True)
    assert adapted["first_day_mean_trip_time"] < kpis["first_day_mean_trip_time"]


def test_departure_shift_is_bounded_by_the_window():
    rng = np.random.default_rng(3)
    n, slot = 2000, 900.0
    depart = rng.uniform(0, 86_400, n)
    zone = rng.integers(-1, 3, n)
    remembered = rng.uniform(0, 3600, (3, 96))
    moved = shift_departures(depart, zone, remembered, slot_s=slot, window_s=1800.0, band_s=300.0,
                             share=0.5, day_s=86_400.0, rng=np.random.default_rng(4))
    shift = moved - depart
    assert np.abs(shift).max() <= 1800.0 + 1e-9 and (shift != 0).any()
    assert (shift[zone < 0] == 0).all()  # no zone: never moved
    slot_of = np.minimum((depart // slot).astype(int), 95)
    assert (shift[remembered[np.maximum(zone, 0), slot_of] <= 300.0] == 0).all()  # inside the band
    above = (zone >= 0) & (remembered[np.maximum(zone, 0), slot_of] > 300.0)
    assert 0 < (shift != 0).sum() <= 0.6 * above.sum()  # a share (0.5) of those above the band, at most
    none = shift_departures(depart, zone, remembered, slot_s=slot, window_s=0.0, band_s=300.0, share=1.0,
                            day_s=86_400.0, rng=np.random.default_rng(4))
    assert (none == depart).all()


def test_the_departure_rule_moves_trips_after_a_bad_day(testville):
    module, _ = run_days(testville, capacity_factor={"Test Bridge": 0.1})
    days = module.daily_frame()
    assert days.departures_shifted.iloc[0] == 0 and days.departures_shifted.sum() > 0


def test_scenario_warmup_days_stay_out_of_every_module_s_indicators():
    from twin.scenario.run import simulate
    from twin.scenario.spec import scenario_from_dict

    scenario = scenario_from_dict({
        "scenario": {"name": "w", "city": "testville", "period_days": 0.25, "warmup_days": 1},
        "access": {}, "traffic": {}, "emergency": {"rate_scale": 5.0},
    }, source="w")
    model, table, series, state, _ = simulate(scenario)
    value = table.set_index(["domain", "indicator"])["value"]
    incidents = state["incidents"]
    assert incidents.time_s.min() < 86_400 <= incidents.time_s.max()  # calls on both sides
    assert value["emergency", "calls"] == (incidents.time_s >= 86_400).sum()
    days = series["traffic_daily"]
    assert days.recorded.tolist() == [False, True] and value["traffic", "recorded_days"] == 1
    assert value["traffic", "mean_trip_time"] == days.mean_trip_time_min.iloc[1]
    shares = series["access_share"]
    late = shares[shares.time_s >= 86_400].groupby("kind").share_within.mean()
    access = table.set_index("indicator")["value"]  # access's domain is "services"
    assert access[f"share_within_{late.index[0]}"] == pytest.approx(100 * late.iloc[0])
