"""Traffic: demand, static user-equilibrium assignment, mesoscopic dynamic loading, route choice.

The base layer of the twin: it publishes link travel times that emergency units and waste trucks
route on, and zone-to-zone travel times that migration reads as accessibility.
"""

__all__: list[str] = []
