"""Waste collection an operator would sign: a sized fleet keeps up; no infeasible plan is driven silently."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from twin import City
from twin.config import parse
from twin.scenario.run import simulate
from twin.scenario.spec import scenario_from_dict
from twin.waste import STREAMS, WasteConfig
from twin.waste.planner import RoutingProblem, VehicleSpec, solve
from twin.waste.sizing import size_fleet

SHORT_SHIFT = {"route_iterations": 30, "shift_h": 2.5, "record_positions": False}
"""Testville with 2.5 h shifts: every stream but hazardous needs more than one truck."""


def scenario(days: float, warmup_days: int = 0, **waste):
    run = {"name": "steady", "city": "testville", "seed": 5, "period_days": days, "warmup_days": warmup_days}
    return scenario_from_dict({"scenario": run, "waste": {**SHORT_SHIFT, **waste}})


@pytest.fixture(scope="module")
def sizing():
    cfg = parse(WasteConfig, SHORT_SHIFT, source="test", key="waste")
    return size_fleet(City.from_seed("testville"), cfg, seed=5, slack=0.15)


def test_sizing_names_its_assumptions_and_needs_more_trucks_for_more_work(sizing):
    assert set(sizing.depot_trucks) == set(STREAMS)
    assert sum(sizing.depot_trucks["kitchen"]) >= 2
    assert any("slack" in line for line in sizing.assumptions)
    slower = parse(WasteConfig, {**SHORT_SHIFT, "service_s": 90.0}, source="t", key="waste")
    more = size_fleet(City.from_seed("testville"), slower, seed=5, slack=0.15)
    assert sum(more.depot_trucks["kitchen"]) > sum(sizing.depot_trucks["kitchen"])


def test_the_sized_fleet_collects_what_is_generated_week_after_week(sizing):
    """Rejects a sizing that leaves out service time, reload trips or the shift (too few trucks)."""
    depot_trucks = {s: list(v) for s, v in sizing.depot_trucks.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an infeasible plan or a missed bin would warn
        _, table, ts, _, _ = simulate(scenario(14.0, depot_trucks=depot_trucks))
    daily = ts["waste_daily"]
    assert daily.infeasible_plans.sum() == 0 and daily.deferred_bins.sum() == 0
    assert daily.missed_bins.sum() == 0
    second_week = daily[daily.day >= 7]
    assert second_week.collected_g.sum() >= 0.97 * second_week.generated_g.sum()
    assert second_week.overflow_g.sum() <= 0.001 * second_week.generated_g.sum()
    in_bins = daily.groupby("day").in_bins_end_g.sum()
    assert in_bins.iloc[-1] <= 1.1 * in_bins.iloc[6]  # no backlog building up


def test_one_truck_fewer_than_proposed_cannot_serve_the_busiest_sector(sizing):
    """Rejects a sizing that proposes more trucks than the planner needs (the proposal is the fewest)."""
    stream = max(STREAMS, key=lambda s: sum(sizing.depot_trucks[s]))
    fewer = {stream: [max(n - 1, 0) for n in sizing.depot_trucks[stream]]}
    days = float(parse(WasteConfig, SHORT_SHIFT, source="t", key="waste").collect_every_days[stream])
    with pytest.warns(UserWarning, match="no feasible plan"):
        _, _, ts, _, _ = simulate(scenario(days, depot_trucks=fewer, shift_h=2.5 * 0.85))
    daily = ts["waste_daily"]
    assert daily[daily.stream == stream].infeasible_plans.sum() > 0


def test_an_infeasible_day_is_repaired_and_reported_never_driven_silently():
    """Rejects a module that drives the infeasible plan as planned (trucks past the shift, no report)."""
    with pytest.warns(UserWarning, match=r"no feasible plan.*bin visits deferred"):
        model, table, ts, _, _ = simulate(
            scenario(1.0, shift_h=0.75, depot_trucks={"kitchen": [1], "residual": [1]})
        )
    plans, deferred, daily = ts["waste_plans"], ts["waste_deferred"], ts["waste_daily"]
    bad = plans[~plans.feasible]
    assert len(bad) > 0 and bad.feasible_after_repair.all()
    assert (bad.deferred_bins > 0).all()
    assert len(deferred) == bad.deferred_bins.sum() == daily.deferred_bins.sum()
    waste = model.modules[0]
    assert set(deferred.stream) <= set(bad.stream)
    # the deferred bins were not emptied: nothing was collected from them that day
    assert waste.bins.collected_g[deferred.bin.to_numpy()].sum() == 0
    assert (daily.infeasible_plans > 0).any()
    values = table.set_index("indicator").value
    assert values["deferred_bin_visits"] == bad.deferred_bins.sum()
    assert values["infeasible_plans"] == len(bad)


def test_an_infeasible_plan_costs_its_objective_not_its_distance():
    """The planner's cost is the objective whether or not the plan is feasible."""
    distance = np.array([[0, 10, 10], [10, 0, 10], [10, 10, 0]])
    duration = distance * 100
    problem = RoutingProblem(
        distance=distance, duration=duration, depots=np.array([0]), depot_service_s=np.array([0]),
        client_location=np.array([1, 2]), pickup=np.array([5, 5]), service_s=np.array([0, 0]),
        prize=np.array([0, 0]), required=np.array([True, True]),
        vehicles=(VehicleSpec(count=1, capacity=10, shift_s=1500),), objective="duration",
    )
    plan = solve(problem, iterations=50)
    assert not plan.feasible
    assert plan.cost != plan.distance()
    assert plan.cost == sum(r.duration for r in plan.routes) + sum(
        int(problem.prize[c]) for c in plan.unplanned
    )


def test_warmup_days_are_simulated_but_left_out_of_the_waste_indicators():
    """Rejects waste indicators that count the warm-up (the transient from the random start fill)."""
    _, table, ts, _, _ = simulate(scenario(2.0, warmup_days=1))
    daily = ts["waste_daily"]
    assert set(daily.day) == {0, 1, 2}
    values = table.set_index("indicator").value
    kept = daily[daily.day >= 1]
    assert values["generated_kg"] == pytest.approx(kept.generated_g.sum() / 1000.0)
    assert values["generated_kg"] < daily.generated_g.sum() / 1000.0


def test_routes_planned_on_threads_are_the_serial_routes(monkeypatch):
    """Rejects planning whose routes depend on the threads (shared seeds or shared state)."""
    import twin.waste.module as module

    threaded = simulate(scenario(2.0, policy="sensor"))[2]
    monkeypatch.setattr(module.os, "sched_getaffinity", lambda pid: {0})
    serial = simulate(scenario(2.0, policy="sensor"))[2]
    assert (threaded["waste_plans"].trucks > 0).all()
    for name in ("waste_daily", "waste_plans"):
        pd.testing.assert_frame_equal(threaded[name], serial[name])
