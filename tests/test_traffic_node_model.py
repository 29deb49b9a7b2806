"""The node model (merges, diverges) and fixed-time signals against their analytic flows.

References the project did not write: C. M. J. Tampere, R. Corthout, D. Cattrysse and
L. H. Immers (2011), "A generic class of first order node models for dynamic macroscopic
simulation of traffic flows", Transportation Research Part B 45(1), 289-309: at a merge whose
receiving link's supply ``S`` binds, each oversaturated incoming link ``i`` sends
``S x C_i / sum C`` (capacity-proportional priorities); at a diverge, FIFO limits the incoming
link's flow to ``min(demand, S_j / p_j)`` over its branches ``j`` of turning fraction ``p_j``
(C. F. Daganzo 1995, "The cell transmission model, part II: network traffic"). A fixed-time signal
discharges at the saturation flow during green: capacity ``s x g / C`` (Webster 1958, Road Research
Technical Paper 39; HCM 2016 chapter 19).
"""

from __future__ import annotations

import numpy as np
import pytest
from test_traffic_kinematic_wave import link_between, network
from traffic_twin import random_trips, reference_loading

from twin.traffic import DynamicLoading, LoadingSettings, Trips
from twin.traffic.config import MIN_GREEN_S
from twin.traffic.signals import SignalPlan, fixed_time_plan, retime, signal_nodes

VPH = 1 / 3600.0  # veh/s per veh/h


def steady_trips(origin: int, dest, rate_vph: float, until_s: float) -> Trips:
    """One vehicle every ``3600 / rate_vph`` seconds from ``origin``, destinations taken in turn
    from ``dest``, departing from 0 to ``until_s``."""
    depart = np.arange(0.0, until_s, 3600.0 / rate_vph)
    dest = np.resize(np.asarray(dest), len(depart))
    return Trips.from_arrays(np.full(len(depart), origin), dest, depart)


def concat(*parts: Trips) -> Trips:
    return Trips.from_arrays(*(np.concatenate([getattr(p, f) for p in parts])
                               for f in ("origin", "destination", "depart_s", "count")))


def flow_vph(load: DynamicLoading, link: int, t_from: float, t_to: float) -> float:
    """Vehicles leaving ``link`` per hour over ``[t_from, t_to)`` (records of 1 s)."""
    return float(load.rec_exits[int(t_from) : int(t_to), link].sum()) * 3600.0 / (t_to - t_from)


def fixed(horizon_s: float, platoon: int = 1, dt: float = 1.0) -> LoadingSettings:
    return LoadingSettings(time_step_s=dt, platoon=platoon, route_choice="fixed", record_interval_s=1.0,
                           horizon_s=horizon_s, route_update_s=horizon_s)


def merge_load() -> tuple[DynamicLoading, int, int]:
    """Links 0->2 (1,800 veh/h) and 1->2 (600 veh/h) merge into 2->3 (1,200 veh/h), each fed at
    its capacity for an hour: both oversaturated."""
    net = network([(0, 2, 1, 1800 * VPH), (1, 2, 1, 600 * VPH), (2, 3, 1, 1200 * VPH)],
                  [0.0, 0.0, 500.0, 1000.0], [-300.0, 300.0, 0.0, 0.0])
    trips = concat(steady_trips(0, [3], 1800, 3600), steady_trips(1, [3], 600, 3600))
    load = DynamicLoading(net, trips, fixed(4000.0))
    return load, link_between(net, 0, 2), link_between(net, 1, 2)


def test_merge_shares_the_supply_in_proportion_to_capacity():
    load, a, b = merge_load()
    load.advance(4000.0)
    # Tampere et al.: S = 1200 split 1800 : 600 -> 900 and 300 (each below its demand)
    assert flow_vph(load, a, 900, 3300) == pytest.approx(900, rel=0.05)
    assert flow_vph(load, b, 900, 3300) == pytest.approx(300, rel=0.05)
    # the kernel before issue 12 (equal turns, a vehicle each) gives 600 / 600 and fails the check
    _, before, _ = reference_loading(load, 900.0, equal_shares=True)
    _, after, _ = reference_loading(load, 3300.0, equal_shares=True)
    equal_b = (after[b] - before[b]) * 3600.0 / 2400.0
    assert equal_b == pytest.approx(600, rel=0.05)
    assert equal_b > 300 * 1.05


def test_diverge_with_a_blocked_branch_holds_back_the_other_by_fifo():
    # 0->1 (1,800 veh/h) splits half to 1->2 (free) and half to 1->3, whose exit 3->4 lets
    # 300 veh/h through: once 1->3 is full, FIFO at node 1 gives q = S / p = 300 / 0.5 = 600
    # in total, so the free branch gets 300 veh/h, not its 900 veh/h demand. Rejects a node model
    # without FIFO on the incoming link (vehicles for the free branch overtaking the blocked head),
    # which keeps the free branch at 900 veh/h.
    net = network([(0, 1, 1, 1800 * VPH), (1, 2, 1, 1800 * VPH), (1, 3, 1, 1800 * VPH),
                   (3, 4, 1, 300 * VPH)],
                  [0.0, 500.0, 1000.0, 1000.0, 1500.0], [0.0, 0.0, 300.0, -300.0, -300.0])
    load = DynamicLoading(net, steady_trips(0, [2, 4], 1800, 5400), fixed(5400.0))
    load.advance(5400.0)
    free, blocked = link_between(net, 1, 2), link_between(net, 1, 3)
    assert flow_vph(load, free, 60, 300) == pytest.approx(900, rel=0.05)  # before the spill-back
    assert flow_vph(load, free, 900, 5000) == pytest.approx(300, rel=0.05)
    assert flow_vph(load, blocked, 900, 5000) == pytest.approx(300, rel=0.05)


@pytest.mark.parametrize(("platoon", "dt"), [(1, 1.0), (5, 3.0)])
@pytest.mark.parametrize(("capacity", "signal"), [(1800, True), (1800, False), (900, True), (900, False)])
def test_signalised_approach_discharges_saturation_times_green_over_cycle(platoon, dt, capacity, signal):
    # 0->1 (1,800 or 900 veh/h, fed at 2,000) into 1->2 (3,600 veh/h): a signal on 0->1 with a
    # 90 s cycle, 40 s of green and a saturation flow of 1,800 veh/h lets through
    # 1800 x 40 / 90 = 800 veh/h; without it, the link's capacity.
    net = network([(0, 1, 1, capacity * VPH), (1, 2, 2, 3600 * VPH)], [0.0, 500.0, 1000.0], [0.0] * 3)
    approach = link_between(net, 0, 1)
    plan = SignalPlan.none(net.n_links)
    if signal:
        plan.cycle_s[approach], plan.start_s[approach], plan.green_s[approach] = 90.0, 17.0, 40.0
        plan.saturation_vph[approach] = 1800.0
    load = DynamicLoading(net, steady_trips(0, [2], 2000, 3600), fixed(3700.0, platoon, dt), signals=plan)
    load.advance(3700.0)
    expected = 800.0 if signal else capacity
    assert flow_vph(load, approach, 900, 900 + 30 * 90) == pytest.approx(expected, rel=0.03)
    # and the route table sees the effective capacity and the mean red wait
    assert load.effective_vps[approach] == pytest.approx(expected * VPH)
    assert load.red_delay_s[approach] == pytest.approx(50.0**2 / 180.0 if signal else 0.0)


def test_fixed_time_plan_two_phases_split_by_capacity():
    # a crossing at node 0: east-west arterials (2 lanes, 3,000 veh/h), north-south collectors (300)
    x, y = [0.0, 300.0, -300.0, 0.0, 0.0, 600.0], [0.0, 0.0, 0.0, 300.0, -300.0, 0.0]
    net = network([(1, 0, 2, 3000 * VPH), (2, 0, 2, 3000 * VPH), (3, 0, 1, 300 * VPH),
                   (4, 0, 1, 300 * VPH), (5, 1, 2, 3000 * VPH)], x, y)
    fields = {f: getattr(net, f) for f in net.__dataclass_fields__}
    # north-south locals joining the arterial keep priority control; collectors get a signal
    local = net.__class__(**{**fields, "link_class": np.where(net.link_capacity_vph >= 3000, 2, 0)})
    assert not signal_nodes(local, "arterials").any() and signal_nodes(local, "all")[0]
    net = net.__class__(**{**fields, "link_class": np.where(net.link_capacity_vph >= 3000, 2, 1)})
    assert signal_nodes(net, "arterials").tolist() == [True, False, False, False, False, False]
    assert signal_nodes(net, "all")[0] and not signal_nodes(net, "none").any()
    # a highway approach makes it an interchange: no signal
    highway = net.__class__(**{**fields, "link_class": np.where(net.link_from == 1, 3, net.link_class)})
    assert not signal_nodes(highway, "arterials")[0] and not signal_nodes(highway, "all")[0]
    plan = fixed_time_plan(net, net.link_capacity_vph, "arterials", 90.0, 4.0, 1800.0)
    ew = [link_between(net, 1, 0), link_between(net, 2, 0)]
    ns = [link_between(net, 3, 0), link_between(net, 4, 0)]
    assert plan.cycle_s[ew + ns].tolist() == [90.0] * 4 and plan.signalised_links == 4
    # Webster: 82 s of effective green split by the flow ratios, here the capacities per lane,
    # 1500 : 300, is 68.3 / 13.7 s; the minimum green lifts the second
    assert plan.green_s[ns].tolist() == pytest.approx([MIN_GREEN_S] * 2)
    assert plan.green_s[ew].tolist() == pytest.approx([82.0 - MIN_GREEN_S] * 2)
    # the phases follow each other with the lost time between them
    assert plan.start_s[ew].tolist() == [0.0, 0.0]
    assert plan.start_s[ns].tolist() == pytest.approx([82.0 - MIN_GREEN_S + 4.0] * 2)
    # the stop lines discharge at 1,800 veh/h a lane (or the link's capacity if higher)
    assert plan.saturation_vph[ew + ns].tolist() == [3600.0, 3600.0, 1800.0, 1800.0]
    # re-timed on measured flows: critical ratios 2160 / 3600 = 0.6 and 360 / 1800 = 0.2 split
    # the 82 s 3 : 1 (61.5 / 20.5 s); phases, cycle and saturation flows stay
    flow = np.zeros(net.n_links)
    flow[ew], flow[ns] = [2160.0, 1000.0], [360.0, 100.0]
    timed = retime(plan, net, flow, 4.0)
    assert timed.green_s[ew + ns].tolist() == pytest.approx([61.5, 61.5, 20.5, 20.5])
    assert timed.start_s[ns].tolist() == pytest.approx([65.5, 65.5]) and timed.start_s[ew].tolist() == [0, 0]
    assert np.array_equal(timed.cycle_s, plan.cycle_s)
    assert np.array_equal(timed.saturation_vph, plan.saturation_vph)


def test_kernel_matches_plain_python_rules_with_signals_and_unequal_merges(testville):
    net = testville.network
    rng = np.random.default_rng(5)
    n = 400
    trips = random_trips(net.n_nodes, n, rng)
    capacity = net.link_capacity_vph * rng.uniform(0.03, 0.3, net.n_links)  # unequal, congested
    plan = fixed_time_plan(net, capacity, "all", 60.0, 3.0, 150.0)  # saturation above some capacities
    assert plan.signalised_links > 0
    for route_choice in ("fixed", "enroute"):
        settings = LoadingSettings(time_step_s=2.0, platoon=3, route_choice=route_choice, horizon_s=2400.0,
                                   route_update_s=300.0)
        load = DynamicLoading(net, trips, settings, capacity_vph=capacity, signals=plan)
        load.advance(2400.0)
        assert load.summary()["completed"] < trips.vehicles  # congested enough that queues matter
        arrive, exits, end_node = reference_loading(load, 2400.0)
        np.testing.assert_array_equal(arrive, load.veh_arrive)
        np.testing.assert_array_equal(end_node, load.veh_end_node)
        np.testing.assert_array_equal(exits, load.rec_exits.sum(axis=0))
        # the vehicles that entered each link: those that left it and those still on it
        np.testing.assert_array_equal(load.rec_entries.sum(axis=0), exits + load.occ)
        # the old equal shares move the vehicles differently
        arrive_equal, _, _ = reference_loading(load, 2400.0, equal_shares=True)
        assert not np.array_equal(np.nan_to_num(arrive_equal), np.nan_to_num(arrive))


def test_module_signals_arterial_crossings_and_retimes_them_on_the_day(testville):
    from twin.config import parse
    from twin.engine import TwinModel
    from twin.traffic import TrafficConfig, TrafficModule

    def day(**options):
        module = TrafficModule(parse(TrafficConfig, options, source="test"))
        TwinModel(testville, [module], seed=1, period_days=1.0).step()
        return module

    module = day()  # default: signals at arterial crossings
    net = module.network
    first = fixed_time_plan(net, module.capacity, "arterials", 90.0, 4.0, 1800.0)
    assert first.signalised_links > 0
    np.testing.assert_array_equal(module.loading.sig_green, first.green_s)  # the day ran on it
    peak = module.loading.rec_entries.max(axis=0) * 4.0  # arrivals (veh/h) in the busiest 15 minutes
    np.testing.assert_allclose(module.signals.green_s, retime(first, net, peak, 4.0).green_s)
    assert not np.allclose(module.signals.green_s, first.green_s)  # the next day's plan is re-timed
    assert day(signals="none").signals.signalised_links == 0


def test_retiming_on_arrivals_gives_an_oversaturated_approach_more_green():
    # Two approaches 0->2 and 1->2 (4 lanes of storage each) share a signal at node 2: 60 s cycle,
    # 27 s of green each, saturation 1,800 veh/h, so each discharges 1800 x 27 / 60 = 810 veh/h.
    # For 30 minutes 0->2 is fed at 1,000 veh/h and 1->2 at 1,200: both queue. Webster's flow is
    # the demand: critical ratios 1000 / 1800 and 1200 / 1800 split the 54 s of effective green
    # 54 x 1000 / 2200 = 24.5 s and 29.5 s. The outflows are capped by the greens (810 each),
    # so a split on them keeps 27 / 27 s: the self-confirming rule a closure's re-routed traffic
    # never gets green from.
    net = network([(0, 2, 4, 1800 * VPH), (1, 2, 4, 1800 * VPH), (2, 3, 2, 3600 * VPH)],
                  [0.0, 0.0, 500.0, 1000.0], [-300.0, 300.0, 0.0, 0.0])
    a, b = link_between(net, 0, 2), link_between(net, 1, 2)
    plan = SignalPlan.none(net.n_links)
    plan.cycle_s[[a, b]], plan.start_s[[a, b]], plan.green_s[[a, b]] = 60.0, [0.0, 30.0], 27.0
    plan.saturation_vph[[a, b]] = 1800.0
    trips = concat(steady_trips(0, [3], 1000, 1800), steady_trips(1, [3], 1200, 1800))
    settings = LoadingSettings(time_step_s=1.0, platoon=1, route_choice="fixed", record_interval_s=900.0,
                               horizon_s=3600.0, route_update_s=3600.0)
    load = DynamicLoading(net, trips, settings, signals=plan)
    load.advance(3600.0)
    arrivals = load.peak_arrivals_vph()
    assert arrivals[[a, b]] == pytest.approx([1000.0, 1200.0], rel=0.01)
    timed = retime(plan, net, arrivals, 3.0)
    assert timed.green_s[[a, b]] == pytest.approx([24.5, 29.5], abs=0.3)
    # every vehicle that entered has left (the records balance), and the outflow rule stays put
    np.testing.assert_array_equal(load.rec_entries.sum(axis=0), load.rec_exits.sum(axis=0))
    outflows = load.rec_exits.max(axis=0) * 4.0
    assert outflows[[a, b]] == pytest.approx([810.0, 810.0], rel=0.02)
    assert retime(plan, net, outflows, 3.0).green_s[[a, b]] == pytest.approx([27.0, 27.0], abs=0.5)
