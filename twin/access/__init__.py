"""Access to services: how many residents reach each kind of public place within a threshold.

The first module of the engine and the simplest one: it proves the plumbing (config section,
yearly beat, a SimPy process on the shared clock, coupling through published link travel times,
indicators and time series) and reports a real governance KPI, the convenience of the seed
paper's stations and public places.
"""

from twin._lazy import export_lazily

export_lazily(__name__, {
    "twin.access.config": ("AccessConfig",),
    "twin.access.module": ("AccessModule", "nearest_facility_time"),
})

__all__ = ["AccessConfig", "AccessModule", "nearest_facility_time"]
