"""Zone polygons and extra facilities from GeoJSON files (WGS84 lon/lat, as RFC 7946 requires).

Each feature is one zone: a Polygon or MultiPolygon with optional properties

- ``name`` (else ``zone``, ``id``, else "zone N"),
- ``population`` and ``jobs`` (numbers >= 0; when absent from every feature they are
  estimated from building floor area, see :mod:`twin.city.io.zoning`),
- ``dwellings`` (else from population), ``district`` (a name; zones without one share a
  district named after the city).

A property given on some features must be given on all. Anything else is an error that names
the file and the feature.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
from pathlib import Path

import numpy as np

from twin.errors import TwinInputError
from twin.extras import require_extra
from twin.numbers import problem

shapely = require_extra("shapely", "osm", "twin city import")
shape = require_extra("shapely.geometry", "osm", "twin city import").shape

ZONE_GEOMETRIES = ("Polygon", "MultiPolygon")
NUMERIC_PROPERTIES = ("population", "jobs", "dwellings")


@dataclasses.dataclass(frozen=True, eq=False)
class ZoneFeatures:
    """Zone polygons as read (lon/lat); numeric columns are NaN when the file has no such property."""

    source: str
    name: tuple[str, ...]
    district: tuple[str, ...]
    polygons: np.ndarray
    population: np.ndarray
    jobs: np.ndarray
    dwellings: np.ndarray

    def __len__(self) -> int:
        return len(self.name)

    @property
    def lonlat_bounds(self) -> tuple[float, float, float, float]:
        return tuple(float(v) for v in shapely.total_bounds(self.polygons))

    def projected(self, transformer) -> np.ndarray:
        """The polygons in the city's metres (``transformer`` maps lon/lat to x/y)."""
        return shapely.transform(self.polygons, lambda xy: np.column_stack(
            transformer.transform(xy[:, 0], xy[:, 1])))


def read_features(path: Path, what: str) -> list[dict]:
    """The features of a GeoJSON FeatureCollection file; ``what`` names them in errors."""
    if not path.is_file():
        raise TwinInputError(f"{path}: no such {what} file")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError, or an integer of 4,300+ digits
        raise TwinInputError(f"{path}: not a JSON file ({' '.join(str(exc).split())[:100]})") from None
    except RecursionError:
        raise TwinInputError(f"{path}: not a GeoJSON file (nested too deeply)") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise TwinInputError(f"{path}: expected a GeoJSON FeatureCollection of {what}")
    features = doc.get("features") or []
    if not isinstance(features, list):
        raise TwinInputError(f"{path}: 'features' must be a list of GeoJSON Features")
    if not features:
        raise TwinInputError(f"{path}: the FeatureCollection has no features")
    for i, feature in enumerate(features):
        if not isinstance(feature, dict) or not isinstance(feature.get("properties") or {}, dict):
            raise TwinInputError(f"{path}: feature {i + 1} is not a GeoJSON Feature "
                                 "(an object with 'geometry' and a 'properties' object)")
    return features


def _number(value, where: str, key: str) -> float:
    """A numeric property: a finite JSON number >= 0 (``Infinity`` and ``NaN`` are refused)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        why = problem(float(value) if abs(value) < 1e308 else math.inf, low=0)
    else:
        why = "must be a number >= 0"
    if why:
        raise TwinInputError(f"{where}: property {key} {why}, got {value!r:.40}")
    return float(value)


def _lonlat_geometry(feature, where: str, allowed: tuple[str, ...]):
    geometry = feature.get("geometry") or {}
    kind = geometry.get("type", "no geometry") if isinstance(geometry, dict) else type(geometry).__name__
    if kind not in allowed:
        raise TwinInputError(f"{where} is a {str(kind)[:40]}; expected {' or '.join(allowed)}")
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError, shapely.errors.GEOSException) as exc:
        reason = " ".join(str(exc).split())[:80]
        raise TwinInputError(f"{where}: broken {kind} coordinates ({reason})") from None
    if not np.isfinite(shapely.get_coordinates(geom)).all():
        raise TwinInputError(f"{where}: {kind} coordinates must be finite numbers (NaN or infinity found)")
    lon0, lat0, lon1, lat1 = geom.bounds
    if geom.is_empty or not (-180 <= lon0 <= lon1 <= 180 and -90 <= lat0 <= lat1 <= 90):
        raise TwinInputError(f"{where}: coordinates are not longitude/latitude in degrees (GeoJSON is WGS84)")
    return geom


def read_zones_geojson(path: str | Path) -> ZoneFeatures:
    """Read and check a zones GeoJSON FeatureCollection (see the module docstring)."""
    path = Path(path)
    features = read_features(path, "zone polygons")
    names, districts, polygons = [], [], []
    numbers = {key: [] for key in NUMERIC_PROPERTIES}
    for i, feature in enumerate(features):
        where = f"{path}: feature {i + 1}"
        polygon = _lonlat_geometry(feature, where, ZONE_GEOMETRIES)
        if not polygon.is_valid:
            polygon = shapely.make_valid(polygon)
        props = feature.get("properties") or {}
        names.append(str(props.get("name", props.get("zone", props.get("id", f"zone {i + 1}")))))
        districts.append(str(props.get("district", "")))
        for key in NUMERIC_PROPERTIES:
            value = props.get(key)
            numbers[key].append(math.nan if value is None else _number(value, where, key))
        polygons.append(polygon)
    for key, values in numbers.items():
        missing = np.isnan(values)
        if missing.any() and not missing.all():
            first = int(np.flatnonzero(missing)[0]) + 1
            raise TwinInputError(
                f"{path}: feature {first} has no {key} property but others do; give it on all or none")
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise TwinInputError(f"{path}: zone name {dup!r} appears more than once")
    return ZoneFeatures(
        source=str(path), name=tuple(names), district=tuple(districts),
        polygons=np.asarray(polygons, dtype=object),
        **{key: np.asarray(values, dtype=np.float64) for key, values in numbers.items()},
    )


@dataclasses.dataclass(frozen=True, eq=False)
class FacilityFeatures:
    """Facilities from a GeoJSON file: names, kind codes, lon/lat and capacities."""

    name: tuple[str, ...]
    kind: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    capacity: np.ndarray


def read_facilities_geojson(path: str | Path) -> FacilityFeatures:
    """Facilities a user adds to those found in OSM (depots and plants are rarely tagged there).

    Each feature is a Point (a Polygon stands for its centroid) with properties ``kind`` (one of
    ``twin.city.FACILITY_KINDS``), optional ``name`` and ``capacity`` (default by kind, see
    :data:`twin.city.io.osm.DEFAULT_CAPACITY`).
    """
    from twin.city.facilities import FACILITY_KINDS
    from twin.city.io.osm import DEFAULT_CAPACITY

    path = Path(path)
    rows = []
    for i, feature in enumerate(read_features(path, "facility points")):
        where = f"{path}: feature {i + 1}"
        geom = _lonlat_geometry(feature, where, ("Point", *ZONE_GEOMETRIES))
        props = feature.get("properties") or {}
        kind = props.get("kind")
        if kind not in FACILITY_KINDS:
            close = difflib.get_close_matches(str(kind), FACILITY_KINDS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise TwinInputError(f"{where}: property kind {kind!r} is not a facility kind{hint}; "
                                 f"kinds: {', '.join(FACILITY_KINDS)}")
        capacity = _number(props.get("capacity", DEFAULT_CAPACITY.get(kind, 0.0)), where, "capacity")
        point = geom.centroid
        rows.append((str(props.get("name", f"{kind.replace('_', ' ')} {i + 1}")),
                     FACILITY_KINDS.index(kind), point.x, point.y, float(capacity)))
    names, kinds, lon, lat, cap = zip(*rows, strict=True)
    return FacilityFeatures(name=tuple(names), kind=np.asarray(kinds, np.int8), lon=np.asarray(lon),
                            lat=np.asarray(lat), capacity=np.asarray(cap, np.float64))
