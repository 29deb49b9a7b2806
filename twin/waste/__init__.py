"""Waste collection: four sorted streams, bins with fill sensors, PyVRP routing, exact mass balance.

One file per idea:

- streams.py: the four streams and their default rates, densities, containers and plants;
- generation.py: numba kernel for daily waste per building and stream, with sorting compliance;
- bins.py: collection points per cluster of buildings and stream (numpy columns, integer grams)
  and the numba kernel that fills them and counts overflow;
- policies.py: fixed schedule, sensor-driven and predicted-fill selection of the day's bins;
- planner.py: the PyVRP route planner (capacitated, prize-collecting, unloading at plants);
- vrp_io.py: CVRPLIB reader, so the planner is checked on published instances;
- fleet.py: trucks as mesa Agents driving their routes on the SimPy clock;
- config.py and module.py: the ``[waste]`` scenario section and the engine module;
- cli.py: ``twin waste route INSTANCE.vrp``.
"""

from twin._lazy import export_lazily

export_lazily(__name__, {
    "twin.waste.bins": ("Bins", "build_bins", "cluster_buildings", "deposit"),
    "twin.waste.config": ("POLICIES", "WasteConfig", "register_truck_class"),
    "twin.waste.fleet": ("Roads", "Truck"),
    "twin.waste.generation": ("building_generation",),
    "twin.waste.module": ("DAILY_COLUMNS", "WasteModule"),
    "twin.waste.planner": (
        "Plan", "PlannedRoute", "RoutingProblem", "VehicleSpec", "collection_problem", "solve",
    ),
    "twin.waste.streams": ("STREAMS",),
    "twin.waste.vrp_io": ("CvrpInstance", "read_cvrplib"),
})

__all__ = [
    "DAILY_COLUMNS",
    "POLICIES",
    "STREAMS",
    "Bins",
    "CvrpInstance",
    "Plan",
    "PlannedRoute",
    "Roads",
    "RoutingProblem",
    "Truck",
    "VehicleSpec",
    "WasteConfig",
    "WasteModule",
    "build_bins",
    "building_generation",
    "cluster_buildings",
    "collection_problem",
    "deposit",
    "read_cvrplib",
    "register_truck_class",
    "solve",
]
