"""The city model: immutable arrays for the road network, districts, zones, buildings, facilities.

Units throughout: metres, seconds, metres/second, vehicles/hour. Arrays are read-only numpy
columns; kernels take them directly.
"""

from twin.city.buildings import BUILDING_USES, Buildings
from twin.city.city import City, River
from twin.city.facilities import FACILITY_KINDS, PUBLIC_PLACE_KINDS, Facilities
from twin.city.network import LINK_CLASSES, CityWarning, RoadNetwork
from twin.city.seedfile import available_seeds, load_seed
from twin.city.zones import DISTRICT_KINDS, Districts, Zones

__all__ = [
    "BUILDING_USES", "DISTRICT_KINDS", "FACILITY_KINDS", "LINK_CLASSES", "PUBLIC_PLACE_KINDS",
    "Buildings", "City", "CityWarning", "Districts", "Facilities", "River", "RoadNetwork", "Zones",
    "available_seeds", "load_seed",
]
