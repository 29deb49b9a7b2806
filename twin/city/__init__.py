"""The city model: immutable arrays for the road network, districts, zones, buildings, facilities.

Units throughout: metres, seconds, metres/second, vehicles/hour. Arrays are read-only numpy
columns; kernels take them directly.
"""

from twin._lazy import export_lazily

export_lazily(__name__, {
    "twin.city.buildings": ("BUILDING_USES", "Buildings"),
    "twin.city.city": ("City", "River"),
    "twin.city.load": ("load_city",),
    "twin.city.facilities": ("FACILITY_KINDS", "PUBLIC_PLACE_KINDS", "Facilities"),
    "twin.city.network": ("LINK_CLASSES", "CityWarning", "RoadNetwork"),
    "twin.city.seedfile": ("available_seeds", "load_seed"),
    "twin.city.zones": ("DISTRICT_KINDS", "Districts", "Zones"),
})

__all__ = [
    "BUILDING_USES", "DISTRICT_KINDS", "FACILITY_KINDS", "LINK_CLASSES", "PUBLIC_PLACE_KINDS",
    "Buildings", "City", "CityWarning", "Districts", "Facilities", "River", "RoadNetwork", "Zones",
    "available_seeds", "load_city", "load_seed",
]
