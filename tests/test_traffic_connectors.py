"""Zone connectors: a zone's trips end at the first of several connectors, one route tree per zone."""

from __future__ import annotations

import numpy as np
import pytest
from traffic_twin import reference_loading

from twin.city import RoadNetwork
from twin.kernels.shortest_path import travel_time_matrix
from twin.traffic import DynamicLoading, LoadingSettings, Trips, generate_trips
from twin.traffic.connectors import NodeSets, connector_sets, origin_sets, zone_skim
from twin.traffic.loading_kernel import ARRIVED
from twin.traffic.routing import times_to_destinations


def _span(net, nodes):
    """Largest distance between two of ``nodes``, metres."""
    x, y = net.node_x[nodes], net.node_y[nodes]
    return float(np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :]).max())


def test_connectors_are_deterministic_distinct_and_spread_over_the_buildings(testville):
    net, b = testville.network, testville.buildings
    six = connector_sets(testville, 6)
    again = connector_sets(testville, 6)
    for name in ("start", "node", "weight"):
        assert np.array_equal(getattr(six, name), getattr(again, name))
    for z in range(len(testville.zones)):
        nodes = six.node[six.start[z] : six.start[z + 1]]
        own = np.unique(b.node[b.zone == z])
        assert len(nodes) == len(np.unique(nodes)) >= 4  # several, distinct
        assert np.isin(nodes, own).all()
        assert six.weight[six.start[z] : six.start[z + 1]].sum() == pytest.approx(1.0)
        assert _span(net, nodes) > 0.5 * _span(net, own)  # spread over the zone, not bunched
    one = connector_sets(testville, 1)
    assert np.diff(one.start).tolist() == [1] * len(testville.zones)


def test_a_zone_table_is_the_time_to_its_nearest_connector(testville):
    net, conn = testville.network, connector_sets(testville, 6)
    zones = np.array([0, 3, 7])
    nodes, start = conn.subset(zones)
    table = times_to_destinations(net, net.free_flow_time_s, nodes, start)
    per_node = times_to_destinations(net, net.free_flow_time_s, nodes)
    for k in range(len(zones)):
        np.testing.assert_array_equal(table[k], per_node[start[k] : start[k + 1]].min(axis=0))
        assert set(np.flatnonzero(table[k] == 0.0)) == set(nodes[start[k] : start[k + 1]])


def test_zone_skim_is_the_resident_weighted_time_to_the_nearest_connector(testville):
    net = testville.network
    origins, conn = origin_sets(testville), connector_sets(testville, 6)
    skim = zone_skim(net, net.free_flow_time_s, origins, conn)
    for i, j in [(0, 5), (4, 4), (9, 2)]:
        o = slice(origins.start[i], origins.start[i + 1])
        c = slice(conn.start[j], conn.start[j + 1])
        times = travel_time_matrix(net, net.free_flow_time_s, origins.node[o], conn.node[c]).min(axis=1)
        assert skim[i, j] == pytest.approx(float(times @ origins.weight[o]), rel=1e-12)
    assert (np.diag(skim) > 0).all()  # a zone's own trips drive from its homes to its connectors


def test_origins_follow_the_resident_weights(testville):
    origins, conn = origin_sets(testville), connector_sets(testville, 6)
    skim = zone_skim(testville.network, testville.network.free_flow_time_s, origins, conn)
    population = testville.zones.population
    trips, dropped = generate_trips(testville, population, testville.zones.jobs, skim, trip_rate=4.0,
                                    platoon=1, rng=np.random.default_rng(8), origins=origins, connectors=conn)
    assert not conn.contains(trips.destination, trips.origin).any()
    assert 0 < dropped < 0.1 * len(trips)
    owner = np.repeat(np.arange(len(origins)), np.diff(origins.start))
    expected = np.bincount(origins.node, weights=origins.weight * population[owner],
                           minlength=testville.network.n_nodes)
    seen = np.bincount(trips.origin, minlength=testville.network.n_nodes)
    distance = 0.5 * np.abs(seen / seen.sum() - expected / expected.sum()).sum()
    assert distance < 0.05  # total variation against the resident weights (a uniform draw: 0.3)


def _zone_load(city, connectors, route_choice, *, rate=1.0, capacity_factor=1.0, horizon_s=86_400.0, seed=3,
               **settings):
    """A (not yet run) loading of the city's zone trips, ending at ``connectors``."""
    origins = origin_sets(city)
    net = city.network
    skim = zone_skim(net, net.free_flow_time_s, origins, connectors)
    trips, _ = generate_trips(city, city.zones.population, city.zones.jobs, skim, trip_rate=rate, platoon=2,
                              rng=np.random.default_rng(seed), origins=origins, connectors=connectors,
                              period_s=horizon_s)
    settings = LoadingSettings(time_step_s=2.0, platoon=2, route_choice=route_choice, horizon_s=horizon_s,
                               **{"route_update_s": 300.0, **settings})
    return DynamicLoading(net, trips, settings, connectors=connectors,
                          capacity_vph=net.link_capacity_vph * capacity_factor)


def test_trips_arrive_at_their_zones_connectors_spread_and_conserved(testville):
    conn = connector_sets(testville, 6)
    load = _zone_load(testville, conn, "fixed")
    total = int(load.veh_size.sum()) - load.unreachable_vehicles
    while load.t < load.settings.horizon_s and load.arrived_vehicles < total:
        load.advance(load.t + 1800.0)
        on_road = load.arrived_vehicles + load.vehicles_on_links + load.vehicles_waiting
        assert load.departed_vehicles == on_road
    assert load.arrived_vehicles > 0.999 * total  # the rest left in the last minutes of the day
    starts, links = load.paths()
    done = np.flatnonzero((load.veh_link == ARRIVED) & (np.diff(starts) > 0))
    at = testville.network.link_to[links[starts[done + 1] - 1]]  # the node each row arrived at
    zone = load.destinations[load.veh_dest_idx[done]]
    assert conn.contains(zone, at).all()
    # each zone unloads at several connectors: at the one nearest along each trip's way in, so the
    # split follows the directions its trips come from (not the connectors' weights)
    for z in range(len(testville.zones)):
        used = np.bincount(at[zone == z], weights=load.veh_size[done][zone == z])
        assert (used > 0).sum() >= 2
    assert len(np.unique(at)) >= 4 * len(testville.zones)  # one node per zone: 10 arrival nodes
    assert (np.bincount(zone) > 0).all()


def _grid(n=8, spacing=200.0, capacity=600.0):
    """An n x n two-way street grid, one lane each way, node ``i * n + j`` at (j, i) x spacing."""
    ii, jj = np.divmod(np.arange(n * n), n)
    a, b = [], []
    for u in range(n * n):
        for v in (u + 1 if jj[u] < n - 1 else -1, u + n if ii[u] < n - 1 else -1):
            if v >= 0:
                a += [u, v]
                b += [v, u]
    return RoadNetwork.from_arrays(node_x=jj * spacing, node_y=ii * spacing, link_from=a, link_to=b,
                                   length_m=spacing, free_speed_mps=10.0, lanes=1, capacity_vph=capacity)


def test_one_node_per_zone_saturates_the_links_around_it_several_connectors_do_not():
    """A failing-model check: 4,000 cars from the grid's edge to one central zone in 30 min.

    With the zone's single node, its four incoming links (2,400 veh/h) are the only way in: the
    links feeding them fill to their storage and the queues back up across the grid. With four
    connectors around the node (16 links in) the same cars unload without filling any link.
    """
    net = _grid()
    edge = np.flatnonzero((net.node_x % 1400.0 == 0) | (net.node_y % 1400.0 == 0))
    rng = np.random.default_rng(4)
    n = 2000
    trips = Trips.from_arrays(rng.choice(edge, n), np.zeros(n), rng.uniform(0, 1800.0, n), 2)
    settings = LoadingSettings(time_step_s=2.0, platoon=2, route_choice="enroute", route_update_s=60.0,
                               horizon_s=4 * 3600.0)
    centre = 3 * 8 + 3
    ring = np.array([2 * 8 + 2, 2 * 8 + 4, 4 * 8 + 2, 4 * 8 + 4])  # one step diagonally from it
    one = DynamicLoading(net, trips, settings, connectors=NodeSets.single(np.array([centre]))).run()
    four = DynamicLoading(net, trips, settings,
                          connectors=NodeSets.from_groups(np.zeros(4), ring, np.ones(4), 1)).run()
    assert one.arrived_vehicles == four.arrived_vehicles == trips.vehicles
    assert (one.veh_end_node == centre).all()  # each row arrived at the connector it reached
    assert set(four.veh_end_node.tolist()) == set(ring.tolist())
    assert (one.max_occ >= 0.9 * one.storage).sum() >= 20  # measured 54 of 224 links
    assert (four.max_occ < 0.9 * four.storage).all()  # measured at most 73 %
    assert four.summary()["mean_travel_time_s"] < 0.3 * one.summary()["mean_travel_time_s"]  # 5.8 / 36.5 min


@pytest.mark.parametrize("link_model", ["kinematic_wave", "spatial_queue"])
def test_kernel_matches_plain_python_twin_with_zone_destinations(testville, link_model):
    conn = connector_sets(testville, 6)
    load = _zone_load(testville, conn, "enroute", rate=0.3, capacity_factor=0.1, horizon_s=2400.0, seed=6,
                      route_update_s=120.0, link_model=link_model)
    load.advance(2400.0)
    assert load.summary()["completed"] < load.veh_size.sum()  # congested enough that queues matter
    arrive, exits, end_node = reference_loading(load, 2400.0)
    np.testing.assert_array_equal(arrive, load.veh_arrive)
    np.testing.assert_array_equal(end_node, load.veh_end_node)
    np.testing.assert_array_equal(exits, load.rec_exits.sum(axis=0))
