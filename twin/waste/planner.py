"""Route planning with PyVRP: one capacitated, prize-collecting problem per depot, stream and day.

A :class:`RoutingProblem` is plain data: integer distance and duration matrices over locations,
the depots (a home depot and the plants where trucks unload), the clients (bins, or the
customers of a CVRPLIB instance) with their pickup, service time, prize and whether they must be
visited, and the vehicle types. :func:`solve` hands it to PyVRP's iterated local search and
returns the routes as lists of stops. The waste module and ``twin waste route`` call the same
function, so the CVRPLIB benchmark validates the planner the simulation uses.

Stopping: ``iterations`` gives the same routes on every machine (PyVRP is deterministic for a
given seed and iteration count); ``seconds`` is a wall-clock limit (results then depend on the
machine's speed). With both, whichever comes first stops the search.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pyvrp
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria

from twin.errors import TwinInputError


@dataclasses.dataclass(frozen=True)
class VehicleSpec:
    """A group of identical trucks: count, payload, home depot, end depot and unloading depots.

    ``start_depot``, ``end_depot`` and ``reload_depots`` index :attr:`RoutingProblem.depots`.
    ``shift_s`` bounds the route duration (travel + service), seconds.
    """

    count: int
    capacity: int
    start_depot: int = 0
    end_depot: int = 0
    reload_depots: tuple[int, ...] = ()
    shift_s: int | None = None


@dataclasses.dataclass(frozen=True, eq=False)
class RoutingProblem:
    """A pickup routing problem in PyVRP's integer units.

    Attributes:
        distance: (n_locations x n_locations) distances (metres, or the instance's unit).
        duration: (n_locations x n_locations) travel times, seconds.
        depots: location of each depot (index 0 is usually the home depot).
        depot_service_s: time spent at each depot visit (unloading), seconds.
        client_location: location of each client.
        pickup: load collected at each client (kg, or the instance's unit).
        service_s: time spent at each client, seconds.
        prize: reward for visiting an optional client (same unit as the objective).
        required: whether each client must be visited.
        vehicles: the vehicle groups.
        objective: "distance" or "duration": which matrix the search minimises.
    """

    distance: np.ndarray
    duration: np.ndarray
    depots: np.ndarray
    depot_service_s: np.ndarray
    client_location: np.ndarray
    pickup: np.ndarray
    service_s: np.ndarray
    prize: np.ndarray
    required: np.ndarray
    vehicles: tuple[VehicleSpec, ...]
    objective: str = "distance"

    @property
    def n_clients(self) -> int:
        return len(self.client_location)

    def to_pyvrp(self) -> pyvrp.ProblemData:
        """The same problem as a :class:`pyvrp.ProblemData`."""
        n = self.distance.shape[0]
        locations = [pyvrp.Location(0.0, 0.0) for _ in range(n)]
        depots = [
            pyvrp.Depot(int(loc), service_duration=int(s))
            for loc, s in zip(self.depots, self.depot_service_s, strict=True)
        ]
        clients = [
            pyvrp.Client(int(loc), pickup=[int(q)], service_duration=int(s), prize=int(p), required=bool(r))
            for loc, q, s, p, r in zip(
                self.client_location, self.pickup, self.service_s, self.prize, self.required, strict=True
            )
        ]
        by_distance = self.objective == "distance"
        vehicle_types = [
            pyvrp.VehicleType(
                v.count,
                capacity=[v.capacity],
                start_depot=v.start_depot,
                end_depot=v.end_depot,
                reload_depots=list(v.reload_depots),
                shift_duration=v.shift_s if v.shift_s is not None else np.iinfo(np.int64).max,
                unit_distance_cost=1 if by_distance else 0,
                unit_duration_cost=0 if by_distance else 1,
            )
            for v in self.vehicles
        ]
        return pyvrp.ProblemData(
            locations,
            clients,
            depots,
            vehicle_types,
            [np.ascontiguousarray(self.distance, dtype=np.int64)],
            [np.ascontiguousarray(self.duration, dtype=np.int64)],
        )


@dataclasses.dataclass(frozen=True)
class PlannedRoute:
    """One truck's plan: its vehicle group and its stops in order.

    ``stops`` holds ``("depot", d)`` and ``("client", c)`` pairs, start and end depots included;
    a depot in the middle is an unloading trip to a plant.
    """

    vehicle: int
    stops: tuple[tuple[str, int], ...]
    distance: int
    duration: int

    @property
    def clients(self) -> list[int]:
        return [i for kind, i in self.stops if kind == "client"]


@dataclasses.dataclass(frozen=True)
class Plan:
    """What :func:`solve` returns: the objective value, the routes and the search time.

    ``cost`` is the objective of the returned routes whether or not they are feasible (travel
    cost, fixed truck costs and the prizes of optional clients left out); ``feasible`` says
    whether they respect every constraint (shift, capacity, every required client visited).
    ``unplanned`` lists the clients on no route.
    """

    cost: int
    routes: tuple[PlannedRoute, ...]
    unplanned: tuple[int, ...]
    feasible: bool
    seconds: float

    def distance(self) -> int:
        return sum(r.distance for r in self.routes)


def solve(
    problem: RoutingProblem, *, seconds: float | None = None, iterations: int | None = None, seed: int = 0
) -> Plan:
    """Solve ``problem`` with PyVRP; at least one of ``seconds`` and ``iterations`` must be set.

    The cost is the objective PyVRP reports (distance or duration, less collected prizes of
    optional clients), in the matrix units.
    """
    start = time.perf_counter()
    if problem.n_clients == 0:
        return Plan(0, (), (), True, 0.0)
    criteria = []
    if iterations is not None:
        criteria.append(MaxIterations(int(iterations)))
    if seconds is not None:
        criteria.append(MaxRuntime(float(seconds)))
    if not criteria:
        raise TwinInputError("route planner: give a time limit (seconds) or an iteration limit")
    stop = criteria[0] if len(criteria) == 1 else MultipleCriteria(criteria)
    result = pyvrp.solve(problem.to_pyvrp(), stop=stop, seed=int(seed), collect_stats=False, display=False)
    best = result.best
    routes = []
    for route in best.routes():
        stops = tuple(("depot" if act.is_depot() else "client", int(act.idx)) for act in route.schedule())
        routes.append(
            PlannedRoute(int(route.vehicle_type()), stops, int(route.distance()), int(route.duration()))
        )
    unplanned = tuple(sorted(int(a.idx) for a in best.unplanned()))
    objective = (
        best.distance_cost() + best.duration_cost() + best.fixed_vehicle_cost() + best.uncollected_prizes()
    )
    return Plan(
        int(objective),
        tuple(routes),
        unplanned,
        bool(best.is_feasible()),
        time.perf_counter() - start,
    )


def collection_problem(
    network,
    link_time_s: np.ndarray,
    depot_node: int,
    plant_nodes: np.ndarray,
    bin_nodes: np.ndarray,
    pickup_kg: np.ndarray,
    service_s: np.ndarray,
    prize: np.ndarray,
    required: np.ndarray,
    n_trucks: int,
    capacity_kg: int,
    unload_s: float,
    shift_s: float,
    objective: str,
) -> tuple[RoutingProblem, np.ndarray]:
    """One depot's collection problem for one stream on the road network.

    Depot 0 is the home depot; depots 1.. are the plants, where trucks unload (PyVRP reload
    depots) and where each route ends (at the plant nearest home, whose drive home is taken off
    the shift). Travel times come from many-to-many shortest paths on ``link_time_s``; with
    ``objective = "distance"`` a second search on link lengths gives the distances.

    Returns the problem and a mask of the bins in it: bins that closed roads (infinite link
    times) cut off from the depot or the plants are left out. A depot cut off from its plants is
    an error.
    """
    from twin.kernels.shortest_path import travel_time_matrix

    nodes = np.concatenate([[depot_node], plant_nodes, bin_nodes]).astype(np.int64)
    unique, location = np.unique(nodes, return_inverse=True)
    seconds = travel_time_matrix(network, link_time_s, unique, unique)
    hubs = location[: 1 + len(plant_nodes)]
    if not np.isfinite(seconds[np.ix_(hubs, hubs)]).all():
        raise TwinInputError(
            f"waste: depot node {depot_node} and plant nodes {np.asarray(plant_nodes).tolist()} "
            "cannot all reach each other on the current travel times"
        )
    reachable = np.isfinite(seconds[hubs]).all(axis=0) & np.isfinite(seconds[:, hubs]).all(axis=1)
    kept = reachable[location[1 + len(plant_nodes) :]]
    if not kept.all():
        problem, _ = collection_problem(
            network,
            link_time_s,
            depot_node,
            plant_nodes,
            bin_nodes[kept],
            pickup_kg[kept],
            service_s[kept],
            prize[kept],
            required[kept],
            n_trucks,
            capacity_kg,
            unload_s,
            shift_s,
            objective,
        )
        return problem, kept
    duration = np.rint(seconds).astype(np.int64)
    if objective == "distance":
        distance = np.rint(travel_time_matrix(network, network.link_length_m, unique, unique)).astype(
            np.int64
        )
    else:
        distance = duration
    n_plants = len(plant_nodes)
    plant_loc = location[1 : 1 + n_plants]
    home_loc = location[0]
    end = int(np.argmin(duration[plant_loc, home_loc]))
    way_home = int(duration[plant_loc[end], home_loc])
    vehicle = VehicleSpec(
        count=int(n_trucks),
        capacity=int(capacity_kg),
        start_depot=0,
        end_depot=1 + end,
        reload_depots=tuple(range(1, 1 + n_plants)),
        shift_s=max(int(shift_s) - way_home, 0),
    )
    problem = RoutingProblem(
        distance=distance,
        duration=duration,
        depots=location[: 1 + n_plants],
        depot_service_s=np.array([0] + [int(unload_s)] * n_plants),
        client_location=location[1 + n_plants :],
        pickup=np.minimum(np.ceil(np.asarray(pickup_kg)), capacity_kg).astype(np.int64),
        service_s=np.rint(service_s).astype(np.int64),
        prize=np.rint(prize).astype(np.int64),
        required=np.asarray(required, dtype=bool),
        vehicles=(vehicle,),
        objective=objective,
    )
    return problem, kept
