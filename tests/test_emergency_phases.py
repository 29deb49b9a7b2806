"""The response-time phase model, hazard areas and the wartime switch, on the test city.

Each check runs the real module on testville (one station of each kind) and reads the incidents
table a city run writes.
"""

from __future__ import annotations

import numpy as np
import pytest

from twin.config import parse
from twin.emergency import EmergencyConfig, EmergencyModule
from twin.emergency.incidents import generate_incidents, zone_exposure
from twin.emergency.surge import CLOSED_SPEED_FACTOR, resolve_surges
from twin.engine import TwinModel

FLOOD = {"start_h": 2.0, "end_h": 8.0, "rate_multiplier": 4.0, "circle": [2400.0, 0.0, 700.0]}
"""A six-hour flood in New Town: a circle of 700 m around (2400, 0), four times the call rate."""


def config(**data) -> EmergencyConfig:
    return parse(EmergencyConfig, data, source="test", key="emergency")


def run(city, cfg, days=1.0, seed=3):
    module = EmergencyModule(cfg)
    model = TwinModel(city, [module], seed=seed, horizon_years=1, period_days=days)
    model.step()
    return module, model


def test_response_splits_into_its_phases(testville):
    """call handling + wait for a unit + turnout + travel = response, call by call (waits included)."""
    module, _ = run(testville, config(rate_scale=20.0))
    incidents = module.last_incidents
    answered = incidents[incidents["response_s"].notna()]
    parts = answered[["call_handling_s", "wait_s", "turnout_s", "travel_s"]].sum(axis=1)
    np.testing.assert_allclose(parts, answered["response_s"], rtol=1e-9, atol=1e-6)
    assert (answered["wait_s"] > 0).mean() > 0.05  # the load is high enough for calls to wait
    assert (answered["call_handling_s"] > 0).all() and (answered["travel_s"] >= 0).all()
    # the dispatch decision never comes before the call handling ends
    assert (answered["queue_s"] >= 0).all()


def test_phase_means_follow_the_configured_distributions(testville):
    cfg = config(rate_scale=5.0)
    module, _ = run(testville, cfg, days=20.0)
    t = module.table
    medical = cfg.types["medical"]
    rows = t.type == list(cfg.types).index("medical")
    mean = t.call_handling_s[rows].mean() / 60.0
    sd = medical.call_handling_min * medical.call_handling_cv / np.sqrt(rows.sum())
    assert abs(mean - medical.call_handling_min) < 4 * sd
    assert t.turnout_factor.mean() == pytest.approx(1.0, abs=4 * cfg.turnout_cv / np.sqrt(len(t)))
    fixed = config(rate_scale=5.0, turnout_cv=0.0, handover_cv=0.0)
    module, _ = run(testville, fixed, days=1.0)
    assert np.all(module.table.turnout_factor == 1.0)
    assert np.all(module.table.handover_s == fixed.handover_min * 60.0)


def test_medical_response_is_in_the_published_range(testville):
    """Mean medical response (call to first arrival) in 4.5-16 min with the documented phases.

    4.5 min is about the mean of a system meeting NFPA 1710's 90th-percentile budgets (64 s call
    processing + 60 s turnout + 240 s travel = 6.1 min); 16 min is above the 10-15 min averages
    Chinese cities report. The earlier model (no call handling, a fixed 1-minute turnout, units
    25 % faster than traffic) lands below the range and is rejected.
    """
    module, _ = run(testville, config(), days=60.0)
    medical = module.last_incidents.query("type == 'medical'")["response_s"].mean() / 60.0
    assert 4.5 <= medical <= 16.0
    no_phases = {name: {"call_handling_min": 0.0} for name in ("medical",)}
    old = config(
        types=no_phases,
        turnout_min={"ambulance": 1.0},
        turnout_cv=0.0,
        speed_factor=1.25,
        units_per_station={"ambulance": 3, "fire_engine": 0, "police_car": 0, "utility_crew": 0},
    )
    module, _ = run(testville, old, days=60.0)
    assert module.last_incidents["response_s"].mean() / 60.0 < 4.5


def test_hazard_area_raises_calls_inside_it(testville):
    """Ten days in a flood window: calls on buildings inside the circle are 4x those without it;
    on the buildings of the same zones outside it, 1x (a surge spread over whole zones, the model
    before hazard areas, would give 4x there too)."""
    b = testville.buildings
    inside_b = np.hypot(b.x - 2400.0, b.y) <= 700.0
    same_zones = np.isin(b.zone, np.unique(b.zone[inside_b])) & ~inside_b
    cfg = config(surge=[{**FLOOD, "start_h": 0.0, "end_h": 240.0}])
    types = tuple(cfg.types.values())
    exposure = zone_exposure(types, testville.zones.population, testville.zones.jobs)
    counts = {}
    for label, windows in (("flood", resolve_surges(cfg.surge, testville, tuple(cfg.types))), ("none", [])):
        table = generate_incidents(
            np.random.default_rng(9), testville, types, exposure, cfg.hourly_profile, 20.0, 240 * 3600.0,
            windows,
        )
        building = table.building[table.building >= 0]
        counts[label] = np.array([inside_b[building].sum(), same_zones[building].sum()], dtype=float)
    ratio = counts["flood"] / counts["none"]
    assert counts["none"].min() >= 40
    assert 3.2 < ratio[0] < 5.0  # 4 in expectation
    assert 0.7 < ratio[1] < 1.4  # 1 in expectation
    module, _ = run(testville, config(rate_scale=10.0, surge=[FLOOD]))
    inc = module.last_incidents
    building = module.table.building
    expect = inc["surge"].to_numpy() & (building >= 0) & inside_b[np.maximum(building, 0)]
    assert np.array_equal(inc["in_hazard"].to_numpy(), expect) and expect.any()


def test_hazard_area_slows_units_and_publishes_road_factors(testville):
    slow = {**FLOOD, "road_speed_factor": 0.25, "close_roads": True}
    free_module, _ = run(testville, config(rate_scale=10.0, surge=[FLOOD]))
    slow_module, model = run(testville, config(rate_scale=10.0, surge=[slow]))
    a, b = free_module.last_incidents, slow_module.last_incidents
    assert np.array_equal(a["time_s"], b["time_s"])  # same calls: the roads change nothing else
    inside = a["in_hazard"].to_numpy()
    assert inside.sum() >= 5
    assert b["travel_s"][inside].mean() > 1.5 * a["travel_s"][inside].mean()
    assert b["response_s"][inside].mean() > a["response_s"][inside].mean()
    # after the window the factors are back to 1; traffic is told the roads were closed meanwhile
    assert np.all(model.published.get("link_speed_factor") == 1.0)
    windows = slow_module.windows
    assert windows[0].link_in.any()
    from twin.emergency.surge import link_speed_factors

    units, traffic = link_speed_factors(windows, testville.network.n_links)
    assert np.all(units[windows[0].link_in] == 0.25)
    assert np.all(traffic[windows[0].link_in] == CLOSED_SPEED_FACTOR)


def test_wartime_priorities_serve_flood_calls_during_the_surge(testville):
    """Peacetime rules defer priority-3 flood calls to the surge's end; the wartime switch
    (``wartime_priority``) raises them to priority 1 and they are served inside the window."""
    flood = {**FLOOD, "type_multipliers": {"flood_or_utility": 100.0}}
    deferred, _ = run(testville, config(rate_scale=10.0, surge=[flood], defer_priority=3))
    raised, _ = run(
        testville,
        config(rate_scale=10.0, surge=[flood], defer_priority=3, wartime_priority={"flood_or_utility": 1}),
    )

    def flood_waits(module):
        inc = module.last_incidents
        rows = inc[(inc["type"] == "flood_or_utility") & inc["surge"]]
        sent_h = (rows["time_s"] + rows["call_handling_s"] + rows["queue_s"]).to_numpy() / 3600.0
        return rows["queue_s"].to_numpy() / 3600.0, sent_h

    wait_deferred, sent_deferred = flood_waits(deferred)
    wait_raised, sent_raised = flood_waits(raised)
    assert sent_deferred.size >= 5
    # deferred: nobody is sent before the window closes at 8 h; raised: most are sent inside it
    np.testing.assert_array_less(8.0 - 1e-6, sent_deferred)
    assert (sent_raised < 8.0).mean() > 0.5
    assert np.nanmean(wait_raised) < 0.5 * np.nanmean(wait_deferred)


def test_traffic_reads_the_hazard_roads(testville):
    """While a window with closed roads is open, the traffic model's free-flow times on them are
    divided by CLOSED_SPEED_FACTOR (it reads ``link_speed_factor``), and its published link times,
    which units drive on, hold the slowdown."""
    from twin.traffic import TrafficConfig, TrafficModule

    flood = {**FLOOD, "start_h": 0.5, "end_h": 24.0, "close_roads": True, "road_speed_factor": 0.5}
    emergency = EmergencyModule(config(surge=[flood]))
    traffic = TrafficModule(parse(TrafficConfig, {"time_step_s": 2.0}, source="test", key="traffic"))
    model = TwinModel(testville, [traffic, emergency], seed=1, horizon_years=1, period_days=0.1)
    model.step()
    closed = emergency.windows[0].link_in
    free = testville.network.free_flow_time_s
    links = traffic.city_links[closed]
    np.testing.assert_allclose(traffic.loading.fft[links], free[closed] / CLOSED_SPEED_FACTOR)
    np.testing.assert_allclose(traffic.loading.fft[traffic.city_links[~closed]], free[~closed])
    published = model.published.get("link_travel_time_s")
    assert np.all(published[closed] >= free[closed] / CLOSED_SPEED_FACTOR - 1e-9)


def test_the_load_switches_wartime_on_and_off(testville):
    """With ``wartime_trigger_calls`` the centre switches to wartime when that many calls wait:
    standby ambulances and mutual aid go out although no surge window is declared; without it,
    never. A hold of 30 min, then peacetime again once no call waits."""
    base = {
        "rate_scale": 25.0,
        "units_per_station": {"ambulance": 1, "fire_engine": 1, "police_car": 2, "utility_crew": 1},
        "standby_per_station": {"ambulance": 2},
        "mutual_aid": {"ambulance": ["fire_engine"]},
        "wartime_hold_min": 30.0,
    }
    peace, model = run(testville, config(**base))
    switched, model_w = run(testville, config(**base, wartime_trigger_calls=3))
    standby = {u.index for u in switched.centre.unit_list if u.standby}
    assert not set(peace.centre.dispatch_unit) & standby
    assert set(switched.centre.dispatch_unit) & standby
    names = {i.name: i.value for i in switched.indicators(model_w, model_w.year)}
    assert names["wartime_switches"] >= 1
    assert 0.5 * names["wartime_switches"] <= names["wartime_hours"] < 24.0
    assert "wartime_switches" not in {i.name for i in peace.indicators(model, model.year)}
    wait = switched.last_incidents["queue_s"].mean()
    assert wait < peace.last_incidents["queue_s"].mean()


def test_a_district_place_slows_the_roads_inside_its_outline(testville):
    cfg = config(surge=[{"start_h": 0.0, "end_h": 1.0, "districts": ["new_town"], "road_speed_factor": 0.5}])
    window = resolve_surges(cfg.surge, testville, tuple(cfg.types))[0]
    net = testville.network
    mid_x = (net.node_x[net.link_from] + net.node_x[net.link_to]) / 2.0
    assert window.link_in.any() and not window.link_in.all()
    assert mid_x[window.link_in].min() > 1000.0 > mid_x[~window.link_in].min()  # New Town lies east
    assert window.building_in is None and np.all(window.zone_share[window.zone_mask] == 1.0)
