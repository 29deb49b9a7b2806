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
from twin.traffic.tntp import TntpNetwork, read_tntp_flows, read_tntp_network, read_tntp_trips

__all__: list[str] = [
    "AssignmentNetwork", "AssignmentResult", "TntpNetwork", "assign", "assign_road_network",
    "read_tntp_flows", "read_tntp_network", "read_tntp_trips", "relative_gap",
]
