"""Emergency response: multi-agency dispatch of units over the congested network, with surge mode.

The design of the folder, one idea per file:

- ``config.py``: the ``[emergency]`` scenario section (incident types, fleets, policy, surges);
- ``incidents.py``: calls as a non-homogeneous Poisson process per zone, hour and type (numpy);
- ``units.py``: stations and units as mesa Agents, a unit's life on a call as a SimPy process;
- ``centre.py``: the dispatch centre agent, a priority queue of calls;
- ``dispatch.py``: dispatch policies, small pluggable classes;
- ``travel.py``: cached station and hospital shortest-path trees on current link times;
- ``surge.py``: surge windows and the wartime rules;
- ``kpis.py``: the year's indicators; ``module.py``: the engine module tying it together;
- ``queueing.py``: Erlang C and hypercube formulas, only to validate against;
- ``validation.py``: the real module on tiny cities, compared with ``queueing.py``;
- ``siting.py``: where to add stations (maximal covering location, exact MILP);
- ``cli.py``: ``twin emergency erlang``, ``hypercube`` and ``site``.
"""

from twin._lazy import export_lazily

export_lazily(__name__, {
    "twin.emergency.centre": ("Call", "DispatchCentre"),
    "twin.emergency.config": (
        "INCIDENT_TYPES", "UNIT_KINDS", "EmergencyConfig", "IncidentType", "SurgeEvent",
        "register_policy", "register_unit_class",
    ),
    "twin.emergency.dispatch": ("ClosestStation", "DispatchPolicy", "NearestAvailable", "Tiered"),
    "twin.emergency.module": ("EmergencyModule",),
    "twin.emergency.siting": ("SitingResult", "propose_stations", "solve_mclp"),
    "twin.emergency.units": ("UNIT_STATES", "Station", "Unit"),
})

__all__ = [
    "INCIDENT_TYPES",
    "UNIT_KINDS",
    "UNIT_STATES",
    "Call",
    "ClosestStation",
    "DispatchCentre",
    "DispatchPolicy",
    "EmergencyConfig",
    "EmergencyModule",
    "IncidentType",
    "NearestAvailable",
    "SitingResult",
    "Station",
    "SurgeEvent",
    "Tiered",
    "Unit",
    "propose_stations",
    "register_policy",
    "register_unit_class",
    "solve_mclp",
]
