"""Read an OpenStreetMap extract with pyrosm and project it to metres with pyproj.

pyrosm reads ``.osm.pbf`` files. OSM XML (``.osm``, ``.osm.bz2``, ``.osm.gz``) is first copied
object by object into a temporary PBF with pyosmium (libosmium), so both formats go through the
same reader. The projection is an azimuthal equidistant one centred on the extract (metres,
distortion below 0.1 % within 50 km of the centre), so coordinates are small numbers around
(0, 0) like those of the seed cities; ``crs=`` takes any other pyproj CRS (e.g. a UTM zone).

What comes out is plain arrays (:class:`OsmExtract`): way segments as directed links with their
physics (see :mod:`twin.city.io.road_tags`), building footprints with heights and uses, and
points of interest as facility kinds. Cleaning and zoning happen later.
"""

from __future__ import annotations

import dataclasses
import re
import tempfile
import warnings
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from twin.city.buildings import BUILDING_USES
from twin.city.facilities import FACILITY_KINDS
from twin.city.io.road_tags import directed_links, parse_each, tag_column
from twin.errors import TwinInputError
from twin.extras import require_extra

shapely = require_extra("shapely", "osm", "twin city import")

PBF_SUFFIXES = (".pbf",)
XML_SUFFIXES = (".osm", ".xml", ".osm.bz2", ".osm.gz")

MIN_FOOTPRINT_M2 = 1.0
"""Buildings with a smaller footprint (degenerate rings in OSM) are left out and counted."""

STOREY_HEIGHT_M = 3.0
"""Height of one storey, metres (``building:levels`` x this when ``height`` is not tagged)."""

DEFAULT_HEIGHT_M = {"residential": 9.0, "commercial": 12.0, "industrial": 8.0, "public": 12.0}
"""Height by use when neither ``height`` nor ``building:levels`` is tagged, metres."""

SMALL_BUILDING_HEIGHT_M = {
    "house": 6.0, "detached": 6.0, "semidetached_house": 6.0, "bungalow": 4.0, "cabin": 4.0,
    "terrace": 6.0, "garage": 3.0, "garages": 3.0, "shed": 3.0, "hut": 3.0, "kiosk": 3.0,
    "carport": 3.0, "roof": 4.0,
}
"""Untagged heights of small building types, metres (these override the height by use)."""

BUILDING_USE_BY_TAG = {
    **dict.fromkeys(("residential", "apartments", "house", "detached", "semidetached_house",
                     "terrace", "bungalow", "dormitory", "cabin", "farm", "houseboat"), "residential"),
    **dict.fromkeys(("commercial", "retail", "office", "supermarket", "kiosk", "hotel", "shop",
                     "mall"), "commercial"),
    **dict.fromkeys(("industrial", "warehouse", "manufacture", "factory", "garage", "garages",
                     "shed", "hangar", "storage_tank", "service", "roof", "carport", "hut"),
                    "industrial"),
    **dict.fromkeys(("public", "civic", "government", "school", "university", "college",
                     "kindergarten", "hospital", "church", "cathedral", "chapel", "mosque",
                     "temple", "train_station", "transportation", "fire_station", "stadium",
                     "sports_hall", "museum"), "public"),
}
"""``building=*`` values by use. Others (``yes``) are commercial when the building carries a
``shop`` or ``office`` tag, public with an ``amenity`` tag, else residential."""

FACILITY_BY_TAG = {
    ("amenity", "hospital"): "hospital",
    ("amenity", "fire_station"): "fire_station",
    ("amenity", "police"): "police_station",
    ("amenity", "ambulance_station"): "ems_base",
    ("emergency", "ambulance_station"): "ems_base",
    ("amenity", "school"): "school",
    ("amenity", "bus_station"): "bus_station",
    ("highway", "bus_stop"): "bus_stop",
    ("railway", "station"): "train_station",
    ("railway", "halt"): "train_station",
    ("tourism", "museum"): "museum",
    ("amenity", "arts_centre"): "culture_centre",
    ("amenity", "community_centre"): "culture_centre",
    ("amenity", "theatre"): "culture_centre",
    ("amenity", "library"): "culture_centre",
    ("tourism", "attraction"): "scenic_spot",
    ("tourism", "viewpoint"): "scenic_spot",
    ("amenity", "waste_transfer_station"): "waste_depot",
    ("amenity", "recycling_centre"): "recycling_centre",
}
"""OSM (key, value) -> facility kind; the first matching key in this order wins."""

DEFAULT_CAPACITY = {"hospital": 200.0, "ems_base": 2.0, "fire_station": 2.0, "police_station": 3.0,
                    "waste_depot": 10.0}
"""Capacity when untagged: beds for hospitals (``beds`` tag when present), units for stations,
trucks for depots; other kinds have capacity 0."""


@dataclasses.dataclass(frozen=True, eq=False)
class OsmExtract:
    """An extract as projected arrays (metres); links are directed way segments before cleaning."""

    crs_wkt: str
    node_osm_id: np.ndarray
    node_x: np.ndarray
    node_y: np.ndarray
    link_from: np.ndarray
    link_to: np.ndarray
    link_length_m: np.ndarray
    link_speed_mps: np.ndarray
    link_lanes: np.ndarray
    link_capacity_vph: np.ndarray
    link_class: np.ndarray
    link_bridge: np.ndarray
    link_road: np.ndarray
    road_names: tuple[str, ...]
    building_x: np.ndarray
    building_y: np.ndarray
    building_height_m: np.ndarray
    building_use: np.ndarray
    building_height_source: np.ndarray
    building_footprint_m2: np.ndarray
    footprint_start: np.ndarray
    footprint_xy: np.ndarray
    buildings_dropped: int
    facility_name: tuple[str, ...]
    facility_kind: np.ndarray
    facility_x: np.ndarray
    facility_y: np.ndarray
    facility_capacity: np.ndarray
    lonlat_bounds: tuple[float, float, float, float]
    n_segments: int

    @property
    def n_buildings(self) -> int:
        return len(self.building_x)


HEIGHT_SOURCES = ("height", "levels", "default")
"""Where a building's height came from, indexed by ``OsmExtract.building_height_source``."""


def read_osm(path: str | Path, bbox: tuple[float, float, float, float] | None = None,
             crs: str | None = None) -> OsmExtract:
    """Read the drivable network, buildings and facilities of an OSM extract, in metres.

    ``bbox`` is (west, south, east, north) in degrees; ``crs`` any pyproj CRS string (default:
    azimuthal equidistant centred on the extract). Raises TwinInputError for a missing or
    unreadable file and for an extract without drivable roads.
    """
    path = Path(path)
    if not path.is_file():
        raise TwinInputError(f"{path}: no such OSM file")
    name = path.name.lower()
    if name.endswith(PBF_SUFFIXES):
        return _read_pbf(path, path, bbox, crs)
    if name.endswith(XML_SUFFIXES):
        with tempfile.TemporaryDirectory(prefix="twin-osm-") as tmp:
            pbf = Path(tmp) / "extract.osm.pbf"
            _xml_to_pbf(path, pbf)
            return _read_pbf(pbf, path, bbox, crs)
    raise TwinInputError(
        f"{path}: unknown OSM file type; expected one of .osm.pbf, {', '.join(XML_SUFFIXES)}")


def _xml_to_pbf(source: Path, target: Path) -> None:
    osmium = require_extra("osmium", "osm", "twin city import")

    try:
        with osmium.SimpleWriter(str(target)) as writer:
            for obj in osmium.FileProcessor(str(source)):
                if isinstance(obj, osmium.osm.Node) and not obj.location.valid():
                    raise TwinInputError(f"{source}: node {obj.id} has no valid location "
                                         "(lat -90..90 and lon -180..180 degrees)")
                writer.add(obj)
    except (RuntimeError, osmium.InvalidLocationError) as exc:  # NaN or text as a coordinate
        raise TwinInputError(f"{source}: not a readable OSM XML file ({_first_line(exc)})") from None


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _read_pbf(pbf: Path, source: Path, bbox, crs: str | None) -> OsmExtract:
    pyrosm = require_extra("pyrosm", "osm", "twin city import")
    pbf_error = require_extra("pyrosm.exceptions", "osm", "twin city import").PBFException
    from google.protobuf.message import Error as ProtobufError  # protobuf comes with pyrosm

    try:
        osm = pyrosm.OSM(str(pbf), bounding_box=list(bbox) if bbox else None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nodes, edges = osm.get_network(network_type="driving", nodes=True)
            buildings = osm.get_buildings()
            pois = osm.get_pois(custom_filter=_merge_filter(FACILITY_BY_TAG))
    except (pbf_error, ProtobufError, zlib.error, OSError, EOFError) as exc:
        raise TwinInputError(f"{source}: not a readable OSM PBF file ({_first_line(exc)})") from None
    if edges is None or len(edges) == 0:
        where = " inside --bbox" if bbox else ""
        raise TwinInputError(
            f"{source}: the extract has no drivable roads{where} "
            f"(highway=motorway, trunk, primary, ..., residential)")
    return _project(nodes, edges, buildings, pois, crs)


def _merge_filter(table) -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    for key, value in table:
        keys.setdefault(key, []).append(value)
    return keys


def local_crs(lon: float, lat: float):
    """An azimuthal equidistant projection centred on (lon, lat), metres."""
    pyproj = require_extra("pyproj", "osm", "twin city import")

    return pyproj.CRS.from_proj4(
        f"+proj=aeqd +lat_0={lat:.6f} +lon_0={lon:.6f} +datum=WGS84 +units=m +no_defs")


def _project(nodes, edges, buildings, pois, crs: str | None) -> OsmExtract:
    pyproj = require_extra("pyproj", "osm", "twin city import")

    lon, lat = nodes["lon"].to_numpy(np.float64), nodes["lat"].to_numpy(np.float64)
    bounds = (float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max()))
    try:
        target = pyproj.CRS.from_user_input(crs) if crs else local_crs(
            (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2)
    except pyproj.exceptions.CRSError:
        raise TwinInputError(f"--crs {crs!r}: not a coordinate reference system pyproj knows") from None
    to_xy = pyproj.Transformer.from_crs("EPSG:4326", target, always_xy=True)
    x, y = to_xy.transform(lon, lat)
    osm_id = nodes["id"].to_numpy(np.int64)
    order = np.argsort(osm_id)
    osm_id, x, y = osm_id[order], np.asarray(x)[order], np.asarray(y)[order]

    u = np.searchsorted(osm_id, edges["u"].to_numpy(np.int64))
    v = np.searchsorted(osm_id, edges["v"].to_numpy(np.int64))
    links = directed_links(edges)
    seg, rev = links["seg"], links["reverse"]
    frm = np.where(rev, v[seg], u[seg])
    to = np.where(rev, u[seg], v[seg])
    length = np.hypot(x[frm] - x[to], y[frm] - y[to])
    names = tag_column(edges, "name").fillna("").astype(str).to_numpy()
    road_names, road_code = np.unique(names, return_inverse=True)
    road_code = road_code - 1 if road_names[0] == "" else road_code
    road_names = tuple(str(n) for n in road_names if n)
    bridge = tag_column(edges, "bridge").fillna("no").astype(str).to_numpy()
    is_bridge = ~np.isin(bridge, ["no", "false", "0"])

    b = _buildings(buildings, target)
    f = _facilities(pois, target)
    return OsmExtract(
        crs_wkt=target.to_wkt(),
        node_osm_id=osm_id, node_x=x, node_y=y,
        link_from=frm, link_to=to, link_length_m=length,
        link_speed_mps=links["speed_kmh"] / 3.6, link_lanes=links["lanes"],
        link_capacity_vph=links["capacity_vph"], link_class=links["link_class"],
        link_bridge=is_bridge[seg], link_road=road_code[seg].astype(np.int32), road_names=road_names,
        **b, **f, lonlat_bounds=bounds, n_segments=len(edges),
    )


def parse_height_m(value) -> float:
    """A ``height`` tag in metres (``"12"``, ``"12.5 m"``, ``"40 ft"``, ``"40'"``), or NaN."""
    if not isinstance(value, str):
        return np.nan
    match = re.match(r"^\s*(\d+(?:\.\d+)?)\s*(m|ft|')?\s*$", value.split(";")[0])
    if match is None:
        return np.nan
    h = float(match.group(1))
    return h * 0.3048 if match.group(2) in ("ft", "'") else h


def _parse_levels(value) -> float:
    if not isinstance(value, str):
        return np.nan
    try:
        return float(value.split(";")[0])
    except ValueError:
        return np.nan


def _building_use(frame) -> np.ndarray:
    tag = tag_column(frame, "building").fillna("yes").astype(str)
    use = tag.map(BUILDING_USE_BY_TAG).to_numpy(dtype=object)
    unknown = pd.isna(use)
    commercial = tag_column(frame, "shop").notna() | tag_column(frame, "office").notna()
    public = tag_column(frame, "amenity").notna()
    use[unknown & commercial.to_numpy()] = "commercial"
    use[unknown & ~commercial.to_numpy() & public.to_numpy()] = "public"
    use[pd.isna(use)] = "residential"
    return np.array([BUILDING_USES.index(u) for u in use], dtype=np.int8)


def _buildings(frame, target) -> dict[str, np.ndarray]:
    if frame is None or len(frame) == 0:
        return {
            "building_x": np.zeros(0), "building_y": np.zeros(0), "building_height_m": np.zeros(0),
            "building_use": np.zeros(0, np.int8), "building_height_source": np.zeros(0, np.int8),
            "building_footprint_m2": np.zeros(0),
            "footprint_start": np.zeros(1, np.int64), "footprint_xy": np.zeros((0, 2)),
            "buildings_dropped": 0,
        }
    frame = frame[frame.geometry.notna() & frame.geom_type.isin(["Polygon", "MultiPolygon"])]
    frame = frame.reset_index(drop=True).to_crs(target)
    parts = frame.geometry.explode(index_parts=False)
    parts = parts[~parts.is_empty]
    order = np.lexsort((-parts.area.to_numpy(), parts.index.to_numpy()))
    parts = parts.iloc[order]
    parts = parts[~parts.index.duplicated(keep="first")]
    n_read = len(frame)
    parts = parts[parts.area.to_numpy() >= MIN_FOOTPRINT_M2]  # OSM has degenerate rings (repeated nodes)
    frame = frame.loc[parts.index]
    rings = shapely.get_exterior_ring(parts.to_numpy())
    xy, owner = shapely.get_coordinates(rings, return_index=True)
    n = len(rings)
    counts = np.bincount(owner, minlength=n)
    keep = np.ones(len(xy), dtype=bool)
    keep[np.cumsum(counts) - 1] = False  # drop each ring's closing point: footprints are open
    xy = xy[keep]
    start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts - 1, out=start[1:])
    centre = shapely.centroid(parts.to_numpy())

    use = _building_use(frame)
    tagged = parse_each(tag_column(frame, "height"), parse_height_m)
    levels = parse_each(tag_column(frame, "building:levels"), _parse_levels)
    by_levels = levels * STOREY_HEIGHT_M
    kind = tag_column(frame, "building").fillna("yes").astype(str)
    default = np.array([DEFAULT_HEIGHT_M[BUILDING_USES[k]] for k in use])
    small = kind.map(SMALL_BUILDING_HEIGHT_M).to_numpy(dtype=np.float64, na_value=np.nan)
    default = np.where(np.isnan(small), default, small)
    source = np.where(tagged > 0, 0, np.where(by_levels > 0, 1, 2)).astype(np.int8)
    height = np.choose(source, [np.nan_to_num(tagged), np.nan_to_num(by_levels), default])
    return {
        "building_x": shapely.get_x(centre), "building_y": shapely.get_y(centre),
        "building_height_m": height.astype(np.float64), "building_use": use,
        "building_height_source": source, "building_footprint_m2": shapely.area(parts.to_numpy()),
        "footprint_start": start, "footprint_xy": xy, "buildings_dropped": n_read - n,
    }


def _facilities(frame, target) -> dict:
    empty = {"facility_name": (), "facility_kind": np.zeros(0, np.int8), "facility_x": np.zeros(0),
             "facility_y": np.zeros(0), "facility_capacity": np.zeros(0)}
    if frame is None or len(frame) == 0:
        return empty
    frame = frame[frame.geometry.notna()].reset_index(drop=True)
    kind = pd.Series([None] * len(frame), dtype=object)
    for (key, value), facility in FACILITY_BY_TAG.items():
        if key not in frame.columns and "tags" not in frame.columns:
            continue
        hit = (tag_column(frame, key).astype(str) == value).to_numpy() & kind.isna().to_numpy()
        kind[hit] = facility
    if "station" in frame.columns:  # railway=station with station=subway is not a train station
        kind[(frame["station"].astype(str) == "subway").to_numpy() & (kind == "train_station")] = None
    frame, kind = frame[kind.notna().to_numpy()], kind[kind.notna()].to_numpy()
    if len(frame) == 0:
        return empty
    points = frame.to_crs(target).geometry.centroid
    beds = parse_each(tag_column(frame, "beds"), _parse_levels)
    capacity = np.array([DEFAULT_CAPACITY.get(k, 0.0) for k in kind])
    capacity = np.where((kind == "hospital") & (beds > 0), np.nan_to_num(beds), capacity)
    osm_name = tag_column(frame, "name").to_numpy(dtype=object)
    ids = frame["id"].to_numpy()
    names = tuple(str(n) if isinstance(n, str) and n else f"{k.replace('_', ' ')} {i}"
                  for n, k, i in zip(osm_name, kind, ids, strict=True))
    return {
        "facility_name": names,
        "facility_kind": np.array([FACILITY_KINDS.index(k) for k in kind], dtype=np.int8),
        "facility_x": points.x.to_numpy(np.float64), "facility_y": points.y.to_numpy(np.float64),
        "facility_capacity": capacity.astype(np.float64),
    }
