"""The emergency module on the test city: tables, determinism, policies, surge rules, travel."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import simpy
from scipy.sparse.csgraph import dijkstra as scipy_dijkstra

from twin.config import parse
from twin.emergency import ClosestStation, EmergencyConfig, EmergencyModule, NearestAvailable, Tiered
from twin.emergency.centre import Call
from twin.emergency.incidents import generate_incidents, zone_exposure
from twin.emergency.surge import resolve_surges
from twin.emergency.travel import TravelTimes, emergency_link_times
from twin.emergency.units import AVAILABLE, OFF_DUTY
from twin.engine import TwinModel


def config(**data) -> EmergencyConfig:
    return parse(EmergencyConfig, data, source="test", key="emergency")


def run_days(city, cfg, days=1.0, seed=1, policy=None, publish=None):
    module = EmergencyModule(cfg, policy=policy)
    model = TwinModel(city, [module], seed=seed, horizon_years=1, period_days=days)
    if publish is not None:
        model.published.publish("link_travel_time_s", publish, "s", "test")
    model.step()
    return module, model


def test_tables_follow_the_run_folder_contract(testville):
    module, _ = run_days(testville, config(rate_scale=15.0))
    state, series = module.snapshot(), module.timeseries()
    assert list(state["incidents"].columns[:9]) == [
        "year",
        "time_s",
        "type",
        "priority",
        "x",
        "y",
        "zone",
        "district",
        "response_s",
    ]
    assert list(state["dispatches"].columns[:8]) == [
        "year",
        "time_s",
        "unit",
        "unit_kind",
        "from_x",
        "from_y",
        "to_x",
        "to_y",
    ]
    assert list(series["busy_units"].columns) == ["year", "time_s", "unit_kind", "busy"]
    incidents = state["incidents"]
    assert len(incidents) > 100
    answered = incidents["response_s"].dropna()
    assert (answered > 0).all()
    # a fire gets two engines and an ambulance
    fires = incidents.index[incidents["type"] == "fire"]
    per_call = state["dispatches"].groupby("incident")["unit_kind"].apply(sorted)
    for call in fires:
        if call in per_call.index and len(per_call[call]) == 3:
            assert per_call[call] == ["ambulance", "fire_engine", "fire_engine"]


def test_same_seed_same_bits(testville):
    a, _ = run_days(testville, config(rate_scale=15.0), seed=7)
    b, _ = run_days(testville, config(rate_scale=15.0), seed=7)
    for name, frame in a.snapshot().items():
        pd.testing.assert_frame_equal(frame, b.snapshot()[name])
    c, _ = run_days(testville, config(rate_scale=15.0), seed=8)
    assert len(c.snapshot()["incidents"]) != len(a.snapshot()["incidents"]) or not np.array_equal(
        c.snapshot()["incidents"]["time_s"], a.snapshot()["incidents"]["time_s"]
    )


def test_indicators_cover_types_districts_and_utilisation(testville):
    module, model = run_days(testville, config(rate_scale=15.0))
    names = {i.name for i in module.indicators(model, model.year)}
    for t in ("medical", "fire", "crime"):
        assert {
            f"response_mean_min_{t}",
            f"response_median_min_{t}",
            f"response_p90_min_{t}",
            f"share_within_target_{t}",
        } <= names
    for d in testville.districts.name:
        assert f"response_p90_min_{d}" in names
    assert {"queueing_delay_mean_min", "unanswered_calls", "utilisation_ambulance", "calls"} <= names
    assert all(i.domain == "emergency" for i in module.indicators(model, model.year))


def test_incident_counts_match_the_poisson_rates(testville):
    """Mean count over many days equals the integrated rate (a z-test at 4 sigma)."""
    cfg = config()
    types = tuple(cfg.types.values())
    exposure = zone_exposure(types, testville.zones.population, testville.zones.jobs)
    days = 200
    table = generate_incidents(
        np.random.default_rng(5), testville, types, exposure, cfg.hourly_profile, 1.0, days * 86_400.0
    )
    expected = days * sum(t.rate_per_1000 / 1000.0 * e.sum() for t, e in zip(types, exposure, strict=True))
    assert abs(len(table) - expected) < 4 * np.sqrt(expected)
    # the hourly profile shapes the time of day: 17:00 busier than 03:00 by the profile's ratio
    hours = (table.time_s // 3600 % 24).astype(int)
    ratio = (hours == 17).sum() / (hours == 3).sum()
    assert ratio == pytest.approx(cfg.hourly_profile[17] / cfg.hourly_profile[3], rel=0.25)


def test_surge_multiplies_rates_in_its_zones_only(testville):
    cfg = config(surge=[{"start_h": 0.0, "end_h": 240.0, "rate_multiplier": 5.0, "districts": ["new_town"]}])
    windows = resolve_surges(cfg.surge, testville, tuple(cfg.types))
    types = tuple(cfg.types.values())
    exposure = zone_exposure(types, testville.zones.population, testville.zones.jobs)
    base = generate_incidents(
        np.random.default_rng(1), testville, types, exposure, cfg.hourly_profile, 1.0, 10 * 86_400.0
    )
    hit = generate_incidents(
        np.random.default_rng(2), testville, types, exposure, cfg.hourly_profile, 1.0, 10 * 86_400.0, windows
    )
    in_new = windows[0].zone_mask
    assert in_new.any() and not in_new.all()
    n_base, n_hit = in_new[base.zone].sum(), in_new[hit.zone].sum()
    assert n_hit / n_base == pytest.approx(5.0, rel=0.35)
    assert (~in_new[hit.zone]).sum() == pytest.approx((~in_new[base.zone]).sum(), rel=0.25)
    assert hit.surge.all()


def test_travel_trees_match_scipy(testville):
    net = testville.network
    link_s = emergency_link_times(net.free_flow_time_s, net.free_flow_time_s * 3.0, 1.25, 0.5)
    stations = np.array([0, 17, 40])
    hospitals = np.array([5, 60])
    travel = TravelTimes(net, stations, hospitals)
    assert travel.update(link_s) and not travel.update(link_s.copy())
    graph = net.adjacency(link_s)
    np.testing.assert_allclose(travel.from_station, scipy_dijkstra(graph, indices=stations), rtol=1e-12)
    np.testing.assert_allclose(
        travel.to_station, scipy_dijkstra(graph.T.tocsr(), indices=stations), rtol=1e-12
    )
    to_h = scipy_dijkstra(graph.T.tocsr(), indices=hospitals)
    np.testing.assert_allclose(travel.time_to_hospital, to_h.min(axis=0), rtol=1e-12)
    # a unit drives faster than traffic, and avoids the share of the queue it may bypass
    assert link_s == pytest.approx(net.free_flow_time_s * (1 + 0.5 * 2.0) / 1.25)


def test_congested_link_times_slow_the_response(testville):
    cfg = config(rate_scale=15.0)
    free, _ = run_days(testville, cfg)
    slow, model = run_days(testville, cfg, publish=testville.network.free_flow_time_s * 4.0)
    r_free = free.snapshot()["incidents"]["response_s"].median()
    r_slow = slow.snapshot()["incidents"]["response_s"].median()
    assert r_slow > 1.5 * r_free
    # trees are rebuilt only when link times change: never once per call
    assert slow.travel.rebuilds <= 2 < len(slow.snapshot()["incidents"])


def _centre_with_units(testville, policy, **data):
    module, model = run_days(testville, config(rate_scale=0.0, **data), days=0.01, policy=policy)
    return module.centre, module


def test_closest_station_and_nearest_available_choose_differently(testville):
    centre, module = _centre_with_units(
        testville,
        NearestAvailable(),
        units_per_station={"ambulance": 1, "fire_engine": 1, "police_car": 1, "utility_crew": 1},
        stations=[
            {
                "name": "east",
                "unit_kind": "ambulance",
                "x": float(testville.network.node_x.max()),
                "y": float(testville.network.node_y.mean()),
                "units": 1,
            }
        ],
    )
    ambulances = centre.candidates("ambulance")
    assert len(ambulances) == 2
    node = int(np.argmax(testville.network.node_x))
    call = Call(0, 1, 0.0, node, ["ambulance"], 60.0, False)
    nearest = NearestAvailable().choose(centre, call, "ambulance", ambulances)
    assert nearest.station.name == "east"
    # the east unit is on its way home from far away: nearest-available now prefers the other one,
    # closest-station still sends the east unit (its station is closest)
    east = nearest
    east.state = "returning"
    east.home_at_s = centre.env.now + 10 * 3600.0
    assert NearestAvailable().choose(centre, call, "ambulance", ambulances) is not east
    assert ClosestStation().choose(centre, call, "ambulance", ambulances) is east


def test_tiered_keeps_a_reserve_for_priority_one(testville):
    centre, _ = _centre_with_units(
        testville,
        None,
        units_per_station={"ambulance": 2, "fire_engine": 1, "police_car": 1, "utility_crew": 1},
    )
    policy = Tiered({"ambulance": 2})
    free = centre.candidates("ambulance")
    low = Call(0, 2, 0.0, 3, ["ambulance"], 60.0, False)
    high = Call(1, 1, 0.0, 3, ["ambulance"], 60.0, False)
    assert policy.choose(centre, low, "ambulance", free) is None
    assert policy.choose(centre, high, "ambulance", free) is not None


def test_surge_rules_standby_mutual_aid_and_deferral(testville):
    cfg = config(
        units_per_station={"ambulance": 1, "fire_engine": 1, "police_car": 1, "utility_crew": 1},
        standby_per_station={"ambulance": 1},
        rate_scale=0.0,
        defer_priority=3,
        mutual_aid={"ambulance": ["fire_engine"]},
        surge=[{"start_h": 1.0, "end_h": 2.0, "rate_multiplier": 1.0}],
    )
    module = EmergencyModule(cfg)
    model = TwinModel(testville, [module], seed=1, horizon_years=1, period_days=1.0)
    model.setup()
    module.start_year(model, model.start_year)
    model.env = simpy.Environment()
    for p in module.processes(model):
        model.env.process(p)
    centre = module.centre
    centre.start_period(model.env, 10)
    standby = [u for u in centre.unit_list if u.standby]
    assert standby and all(u.state == OFF_DUTY for u in standby)
    model.env.run(until=1.5 * 3600)
    assert centre.in_surge and all(u.state == AVAILABLE for u in standby)
    node = 3
    for i in range(2):  # both ambulances (regular and standby) go
        centre.receive(Call(i, 1, model.env.now, node, ["ambulance"], 3600.0, False))
    centre.receive(Call(2, 1, model.env.now, node, ["ambulance"], 3600.0, False))  # mutual aid: fire engine
    centre.receive(Call(3, 3, model.env.now, node, ["police_car"], 600.0, False))  # deferred
    kinds = [centre.unit_list[u].kind for u in centre.dispatch_unit]
    assert kinds == ["ambulance", "ambulance", "fire_engine"]
    assert len(centre.queue) == 1 and np.isnan(centre.first_dispatch_s[3])
    model.env.run(until=2.0 * 3600 + 1)
    assert not centre.in_surge
    assert centre.first_dispatch_s[3] == pytest.approx(2.0 * 3600)


def test_unit_goes_through_its_states_on_a_transport_call(testville):
    cfg = config(rate_scale=0.0, turnout_min={"ambulance": 1.0}, turnout_cv=0.0, handover_min=10.0)
    module = EmergencyModule(cfg)
    model = TwinModel(testville, [module], seed=1, horizon_years=1, period_days=1.0)
    model.setup()
    module.start_year(model, model.start_year)
    model.env = simpy.Environment()
    module.centre.start_period(model.env, 1)
    module.travel.update(testville.network.free_flow_time_s / cfg.speed_factor)
    far = int(np.argmax(testville.network.node_y))
    module.centre.receive(Call(0, 1, 0.0, far, ["ambulance"], 600.0, True))
    unit = module.centre.unit_list[module.centre.dispatch_unit[0]]
    seen = [unit.state]
    while model.env.peek() < float("inf"):
        model.env.step()
        if unit.state != seen[-1]:
            seen.append(unit.state)
    assert seen == ["dispatched", "en_route", "on_scene", "transporting", "returning", "available"]
    response = module.centre.first_arrival_s[0]
    assert response == pytest.approx(60.0 + module.travel.from_station[unit.station.index, far])
