"""Waste trucks as mesa Agents that drive their planned routes on the shared SimPy clock.

A :class:`Truck` belongs to one stream and one depot. Each day the planner hands it a list of
stops (bins to empty and plants to unload at); :meth:`Truck.work_shift` is the SimPy process that
drives them: each leg on a shortest path on the link travel times of the moment it starts,
service time at each bin, an extra trip to the nearest plant whenever the truck is full, no new
bin after the end of the shift, then unloading and the way home. While driving a leg the truck
adds itself to the published ``link_extra_vehicles`` (spread over the leg's links in proportion
to the time spent on each, so that the truck counts as one vehicle in all), which the traffic
module reads as extra load.

:class:`Roads` is the small view of the network the trucks share: current link times (traffic's
published ``link_travel_time_s`` when present, free-flow times otherwise) and the extra-vehicle
board.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence

import mesa
import numpy as np

from twin.city import RoadNetwork
from twin.engine.published import Published
from twin.kernels.shortest_path import point_to_point


def split_fleet(total: int, work_s: np.ndarray) -> np.ndarray:
    """Share ``total`` trucks between depots whose territories need ``work_s`` truck-seconds a day.

    Each depot gets one truck, then each further truck goes to the depot with the most work per
    truck so far (the D'Hondt rule: it keeps the busiest truck's load as low as whole trucks
    allow; ties go to the lower depot index). ``total`` must be at least ``len(work_s)``.
    """
    work = np.asarray(work_s, dtype=np.float64)
    counts = np.ones(work.size, dtype=np.int64)
    for _ in range(int(total) - work.size):
        counts[int(np.argmax(work / counts))] += 1
    return counts


class Roads:
    """Link travel times and the extra-vehicle board, as the trucks see them."""

    def __init__(self, network: RoadNetwork, published: Published) -> None:
        self.network = network
        self.published = published
        self.added = np.zeros(network.n_links)

    def link_time_s(self) -> np.ndarray:
        """Current link travel times, seconds (published by traffic, else free flow)."""
        return self.published.get("link_travel_time_s", self.network.free_flow_time_s)

    def add_vehicles(self, links: np.ndarray, amount: np.ndarray) -> None:
        """Add ``amount`` vehicles to ``links`` on ``link_extra_vehicles`` (created if absent)."""
        board = self.published.get("link_extra_vehicles", None)
        if board is None:
            board = np.zeros(self.network.n_links)
            self.published.publish("link_extra_vehicles", board, "vehicles", "waste")
        np.add.at(board, links, amount)
        np.add.at(self.added, links, amount)

    def withdraw(self) -> None:
        """Take back every vehicle still on the board (trucks caught on the road at the period's end)."""
        board = self.published.get("link_extra_vehicles", None)
        if board is not None:
            board -= self.added
        self.added[:] = 0.0

    def path(self, source: int, target: int) -> np.ndarray:
        """Links of a shortest path from ``source`` to ``target`` on the current link times.

        One search stopped at the target (:func:`~twin.kernels.shortest_path.point_to_point`):
        a leg between neighbouring bins explores only the streets around them.
        """
        net = self.network
        weight = np.ascontiguousarray(self.link_time_s(), dtype=np.float64)
        return point_to_point(net.out_start, net.link_to, net.link_from, weight, int(source), int(target))


class Truck(mesa.Agent):
    """A refuse truck of one stream, based at one depot.

    Attributes:
        stream: stream index (see :data:`~twin.waste.streams.STREAMS`).
        capacity_g: payload, grams.
        depot_node: home depot's road node.
        plant_nodes: nodes of the plants that accept its stream.
        load_g: what it carries now, grams.
        km, hours, visits, trips, delivered_g: counters over the current year; missed: planned
            bins not emptied (the shift ended first, or a closed road cut them off).
    """

    def __init__(
        self,
        model: mesa.Model,
        stream: int,
        capacity_g: int,
        depot: int,
        depot_node: int,
        plant_nodes: np.ndarray,
    ) -> None:
        super().__init__(model)
        self.stream = stream
        self.capacity_g = int(capacity_g)
        self.depot = depot
        self.depot_node = int(depot_node)
        self.plant_nodes = np.asarray(plant_nodes, dtype=np.int64)
        self.node = self.depot_node
        self.reset_year()

    def reset_year(self) -> None:
        """Back at the depot, empty, with zeroed counters."""
        self.node = self.depot_node
        self.load_g = 0
        self.km = 0.0
        self.hours = 0.0
        self.visits = 0
        self.missed = 0
        self.trips = 0
        self.delivered_g = 0

    def work_shift(
        self,
        env,
        roads: Roads,
        stops: Sequence[tuple[str, int]],
        bin_node: np.ndarray,
        empty_bin: Callable[[int, int], int],
        service_s: Callable[[int], float],
        unload_s: float,
        shift_end_s: float,
        on_position: Callable[[float, int], None] | None = None,
    ) -> Generator:
        """The day's SimPy process: drive ``stops`` (``("bin", b)`` / ``("plant", node)``) and go home.

        A ``("plant", node)`` stop unloads there (the planned route ends at one). A truck still
        loaded when it stops early (end of shift) unloads at the nearest plant before going home.

        ``empty_bin(b, room_g)`` takes up to ``room_g`` grams out of bin ``b`` and returns what it
        took; ``service_s(b)`` is the time to empty it.
        """
        start = env.now
        length_m = roads.network.link_length_m

        def drive(target: int):
            path = roads.path(self.node, target)
            if path.size == 0 and target != self.node:
                return False  # unreachable on the current link times (a closed road)
            if path.size:
                times = roads.link_time_s()[path]
                leg_s = float(times.sum())
                share = times / leg_s if leg_s > 0 else np.full(path.size, 1.0 / path.size)
                roads.add_vehicles(path, share)
                yield env.timeout(leg_s)
                roads.add_vehicles(path, -share)
                self.km += float(length_m[path].sum()) / 1000.0
            self.node = target
            if on_position is not None:
                on_position(env.now, target)
            return True

        def unload_at(plant: int):
            yield from drive(plant)
            yield env.timeout(unload_s)
            self.delivered_g += self.load_g
            self.load_g = 0
            self.trips += 1

        def nearest_plant() -> int:
            weight = roads.link_time_s()
            times = []
            for plant in self.plant_nodes:
                path = roads.path(self.node, plant)
                times.append(np.inf if path.size == 0 and plant != self.node else weight[path].sum())
            return int(self.plant_nodes[int(np.argmin(times))])

        if on_position is not None:
            on_position(env.now, self.node)
        for k, (kind, index) in enumerate(stops):
            if kind == "plant":
                if self.load_g > 0:
                    yield from unload_at(index)
                continue
            if env.now >= shift_end_s:
                self.missed += sum(1 for later, _ in stops[k:] if later == "bin")
                break
            node = int(bin_node[index])
            if not (yield from drive(node)):
                self.missed += 1
                continue
            yield env.timeout(service_s(index))
            self.visits += 1
            while True:
                taken = empty_bin(index, self.capacity_g - self.load_g)
                self.load_g += taken
                if self.load_g < self.capacity_g:
                    break
                yield from unload_at(nearest_plant())
                yield from drive(node)
        if self.load_g > 0:
            yield from unload_at(nearest_plant())
        yield from drive(self.depot_node)
        self.hours += (env.now - start) / 3600.0
