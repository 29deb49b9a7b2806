"""Traffic: demand, static user-equilibrium assignment, mesoscopic dynamic loading, route choice.

The base layer of the twin: it publishes link travel times that emergency units and waste trucks
route on, and zone-to-zone travel times that migration reads as accessibility.
"""

from twin._lazy import export_lazily

export_lazily(__name__, {
    "twin.traffic.assignment": (
        "AssignmentNetwork", "AssignmentResult", "assign", "assign_road_network", "relative_gap",
    ),
    "twin.traffic.csv_inputs": ("read_network_csv", "read_trips_csv"),
    "twin.traffic.demand": ("generate_trips", "gravity_probabilities"),
    "twin.traffic.equilibrium": ("DayToDayResult", "day_to_day"),
    "twin.traffic.loading": ("DynamicLoading", "LoadingSettings", "simulate"),
    "twin.traffic.config": ("TrafficConfig",),
    "twin.traffic.module": ("TrafficModule",),
    "twin.traffic.routing": ("extract_paths", "times_to_destinations"),
    "twin.traffic.tntp": ("TntpNetwork", "read_tntp_flows", "read_tntp_network", "read_tntp_trips"),
    "twin.traffic.trips": ("Trips",),
})

__all__: list[str] = [
    "AssignmentNetwork", "AssignmentResult", "TntpNetwork", "assign", "assign_road_network",
    "read_tntp_flows", "read_tntp_network", "read_tntp_trips", "relative_gap",
    "DynamicLoading", "LoadingSettings", "TrafficConfig", "TrafficModule", "Trips", "extract_paths",
    "generate_trips", "gravity_probabilities", "read_network_csv", "read_trips_csv", "simulate",
    "times_to_destinations", "DayToDayResult", "day_to_day",
]
