"""Traffic: demand, static user-equilibrium assignment, mesoscopic dynamic loading, route choice.

The base layer of the twin: it publishes link travel times that emergency units and waste trucks
route on, and zone-to-zone travel times that migration reads as accessibility.
"""

from twin.traffic.assignment import (
    AssignmentNetwork,
    AssignmentResult,
    assign,
    assign_road_network,
    relative_gap,
)
from twin.traffic.csv_inputs import read_network_csv, read_trips_csv
from twin.traffic.demand import generate_trips, gravity_probabilities
from twin.traffic.equilibrium import DayToDayResult, day_to_day
from twin.traffic.loading import DynamicLoading, LoadingSettings, simulate
from twin.traffic.module import TrafficConfig, TrafficModule
from twin.traffic.routing import extract_paths, times_to_destinations
from twin.traffic.tntp import TntpNetwork, read_tntp_flows, read_tntp_network, read_tntp_trips
from twin.traffic.trips import Trips

__all__: list[str] = [
    "AssignmentNetwork", "AssignmentResult", "TntpNetwork", "assign", "assign_road_network",
    "read_tntp_flows", "read_tntp_network", "read_tntp_trips", "relative_gap",
    "DynamicLoading", "LoadingSettings", "TrafficConfig", "TrafficModule", "Trips", "extract_paths",
    "generate_trips", "gravity_probabilities", "read_network_csv", "read_trips_csv", "simulate",
    "times_to_destinations", "DayToDayResult", "day_to_day",
]
