"""The seed city file (seeds/*.toml): a city described as data, validated into frozen objects."""

from __future__ import annotations

import dataclasses
import hashlib
import tomllib
from pathlib import Path
from typing import Any

from twin.city.facilities import FACILITY_KINDS
from twin.city.zones import DISTRICT_KINDS
from twin.config import option, parse
from twin.errors import ScenarioError

Point = tuple[float, ...]


@dataclasses.dataclass(frozen=True, kw_only=True)
class RoadClass:
    speed_kmh: float = option(unit="km/h", gt=0, doc="free-flow speed")
    lanes: int = option(unit="lanes", ge=1, doc="lanes per direction")
    capacity_per_lane_vph: float = option(unit="veh/h/lane", gt=0, doc="flow capacity per lane")


def _default_road_classes() -> dict[str, RoadClass]:
    return {
        "local": RoadClass(speed_kmh=30.0, lanes=1, capacity_per_lane_vph=600.0),
        "collector": RoadClass(speed_kmh=40.0, lanes=1, capacity_per_lane_vph=900.0),
        "arterial": RoadClass(speed_kmh=50.0, lanes=2, capacity_per_lane_vph=1500.0),
        "highway": RoadClass(speed_kmh=80.0, lanes=2, capacity_per_lane_vph=1900.0),
    }


@dataclasses.dataclass(frozen=True, kw_only=True)
class RoadClasses:
    local: RoadClass = option(default_factory=lambda: _default_road_classes()["local"])
    collector: RoadClass = option(default_factory=lambda: _default_road_classes()["collector"])
    arterial: RoadClass = option(default_factory=lambda: _default_road_classes()["arterial"])
    highway: RoadClass = option(default_factory=lambda: _default_road_classes()["highway"])


@dataclasses.dataclass(frozen=True, kw_only=True)
class CitySection:
    name: str = option(doc="short name used on the command line")
    label: str = option("", doc="display name")
    seed: int = option(1, ge=0, doc="generator seed: the same seed gives the same city")
    zone_size_m: float = option(1000.0, unit="m", gt=0, doc="side of the square zones")
    jam_density_vpm: float = option(0.15, unit="veh/m/lane", gt=0, doc="jam density")
    household_size: float = option(2.8, unit="persons", gt=0, doc="mean persons per household")


@dataclasses.dataclass(frozen=True, kw_only=True)
class DistrictSpec:
    name: str = option(doc="short name")
    label: str = option("", doc="display name")
    kind: str = option("urban", choices=DISTRICT_KINDS, doc="urban core or growth area")
    outline: tuple[Point, ...] = option(unit="m", doc="polygon vertices [[x, y], ...]")
    centre: Point = option(unit="m", doc="density centre [x, y]")
    population: int = option(ge=0, unit="persons", doc="residents today")
    jobs: int = option(ge=0, unit="jobs", doc="jobs today")
    dwellings: int = option(0, ge=0, unit="dwellings", doc="housing capacity; 0 = from population")
    street_spacing_m: float = option(150.0, unit="m", ge=40, doc="local street grid spacing")
    arterial_every: int = option(6, ge=2, doc="every n-th grid line is an arterial")
    grid_angle_deg: float = option(0.0, unit="degrees", doc="rotation of the street grid")
    density_scale_m: float = option(2000.0, unit="m", gt=0, doc="e-folding distance of density")
    building_height_m: tuple[float, ...] = option((6.0, 30.0), unit="m", doc="[min, max] height")
    building_share: float = option(0.6, gt=0, le=1, doc="share of building slots that are built")
    layout: str = option("grid", choices=("grid", "organic"),
                         doc="street layout: a jittered grid, or organic superblocks (twin/city/streets.py)")
    arterial_spacing_m: float = option(1000.0, unit="m", ge=200, doc="organic: superblock side")
    local_splits: int = option(2, ge=0, le=6, doc="organic: most local streets per quarter and direction")
    warp_m: float = option(0.0, unit="m", ge=0, doc="organic: amplitude of the arterials' bends")
    cul_de_sac_share: float = option(0.0, ge=0, lt=1, doc="organic: share of local segments removed")

    def check(self) -> str | None:
        if len(self.outline) < 3 or any(len(p) != 2 for p in self.outline):
            return f"district {self.name!r}: outline needs at least 3 points [x, y]"
        if len(self.centre) != 2:
            return f"district {self.name!r}: centre must be [x, y]"
        h = self.building_height_m
        if len(h) != 2 or not 0 < h[0] <= h[1]:
            return f"district {self.name!r}: building_height_m must be [min, max] with 0 < min <= max"
        return None


@dataclasses.dataclass(frozen=True, kw_only=True)
class RiverSpec:
    name: str = option("river", doc="display name")
    polyline: tuple[Point, ...] = option(unit="m", doc="centre line [[x, y], ...]")
    width_m: float = option(150.0, unit="m", gt=0, doc="width")


@dataclasses.dataclass(frozen=True, kw_only=True)
class BridgeSpec:
    name: str = option(doc="bridge name (becomes a road name levers can refer to)")
    at: Point = option(unit="m", doc="[x, y] near the river crossing")
    snap_to_arterial_m: float = option(
        500.0, ge=0, unit="m",
        doc="the bridge continues the arterial street that crosses the river nearest `at` within this "
            "distance, at 45 degrees or more (a bridge is built on an arterial, near square to the "
            "flow, not landed on local streets); none that near: "
            "the nearest crossing street of any class")
    lanes: int = option(0, ge=0, le=6, unit="lanes",
                        doc="lanes each direction; 0 = the arterial class's (a bridge is an arterial)")


@dataclasses.dataclass(frozen=True, kw_only=True)
class HighwaySpec:
    name: str = option(doc="road name")
    points: tuple[Point, ...] = option(unit="m", doc="polyline [[x, y], ...] from end to end")
    node_spacing_m: float = option(500.0, unit="m", gt=50, doc="distance between nodes")
    road_class: str = option("highway", choices=("arterial", "highway"), doc="road class of its links")
    interchanges: tuple[Point, ...] = option(
        (), unit="m",
        doc="access only here [[x, y], ...], by a ramp to the nearest street; none: joins every street")


@dataclasses.dataclass(frozen=True, kw_only=True)
class NamedArterialSpec:
    """A name for generated arterial links (twin/city/named_arterials.py): it adds, moves and
    removes no link, it names the unnamed arterials that run along ``path``."""

    name: str = option(doc="road name (levers, bus lanes and bus lines refer to it)")
    path: tuple[Point, ...] = option(unit="m", doc="polyline [[x, y], ...] the arterial runs along")
    snap_m: float = option(250.0, gt=0, le=1000, unit="m",
                           doc="an arterial link is on the road when both its ends lie this near the path")

    def check(self) -> str | None:
        pts = self.path
        if len(pts) < 2 or any(len(p) != 2 for p in pts):
            return f"named arterial {self.name!r}: path needs at least 2 points [x, y]"
        if any(tuple(p) == tuple(q) for p, q in zip(pts[:-1], pts[1:], strict=True)):
            return f"named arterial {self.name!r}: path repeats a point; consecutive points must differ"
        return None


@dataclasses.dataclass(frozen=True, kw_only=True)
class HillSpec:
    name: str = option(doc="display name")
    outline: tuple[Point, ...] = option(unit="m", doc="polygon [[x, y], ...] that streets avoid")


@dataclasses.dataclass(frozen=True, kw_only=True)
class FacilitySpec:
    kind: str = option(choices=FACILITY_KINDS, doc="facility kind")
    district: str = option(doc="district it is placed in")
    count: int = option(1, ge=1, doc="how many")
    capacity: float = option(1.0, ge=0, doc="units, beds or tonnes/day")
    names: tuple[str, ...] = option((), doc="names, one per facility (optional)")
    at: tuple[Point, ...] = option((), unit="m", doc="positions [[x, y], ...] (optional)")

    def facility_names(self, district_label: str) -> tuple[str, ...]:
        """The facilities' names: ``names``, or '<district label> <kind> <n>'."""
        label = self.kind.replace("_", " ")
        return self.names or tuple(f"{district_label} {label} {q + 1}" for q in range(self.count))


@dataclasses.dataclass(frozen=True, kw_only=True)
class BusLineSpec:
    """A bus line named by where it runs (resolved onto the streets by :mod:`twin.traffic.transit`)."""

    name: str = option(doc="line name (the key of traffic.modes.bus_headway_min)")
    via: tuple[Any, ...] = option(
        doc="where the line runs, in order: named roads (driven from end to end), named facilities "
        "(stations, bus stations ...) or points [x, y] in metres (the nearest arterial or collector "
        "node); between them the quickest way that keeps to arterials",
    )
    headway_min: float = option(10.0, ge=1, le=120, unit="min", doc="time between buses, each way")

    def __post_init__(self) -> None:  # lists as tuples: the spec stays hashable (cities are cached by it)
        object.__setattr__(self, "via", tuple(tuple(v) if isinstance(v, list) else v for v in self.via))

    def check(self) -> str | None:
        for item in self.via:
            point = isinstance(item, tuple) and len(item) == 2 and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in item)
            if not point and not isinstance(item, str):
                return f"bus line {self.name!r}: via: {item!r} is neither a name nor a point [x, y]"
        if len(self.via) < 2 and not (len(self.via) == 1 and isinstance(self.via[0], str)):
            return f"bus line {self.name!r}: via needs two places, or one named road"
        return None

    def places(self) -> tuple[str | tuple[float, float], ...]:
        """The ``via`` items, points as ``(x, y)`` floats."""
        return tuple(v if isinstance(v, str) else (float(v[0]), float(v[1])) for v in self.via)


def check_bus_lines(lines: tuple[BusLineSpec, ...], places: list[str] | None, key: str) -> str | None:
    """Why ``lines`` cannot be laid in a city naming ``places`` (roads and facilities; None: names
    not checked here), or None."""
    names = [line.name for line in lines]
    if len(set(names)) != len(names):
        return f"{key}: line names must be unique"
    for line in lines:
        for item in line.via:
            if places is not None and isinstance(item, str) and item not in places:
                return (f"{key}: bus line {line.name!r}: no road or facility named {item!r}; allowed: "
                        f"{', '.join(places) or '(the city names none)'}, or a point [x, y]")
    return None


@dataclasses.dataclass(frozen=True, kw_only=True)
class SeedCity:
    city: CitySection = option(doc="the city's name and generator settings")
    road_classes: RoadClasses = option(default_factory=RoadClasses, doc="road physics by class")
    districts: tuple[DistrictSpec, ...] = option(doc="districts")
    river: RiverSpec | None = option(None, doc="the river (optional)")
    bridges: tuple[BridgeSpec, ...] = option((), doc="bridges over the river")
    highways: tuple[HighwaySpec, ...] = option((), doc="roads between districts")
    named_arterials: tuple[NamedArterialSpec, ...] = option(
        (), doc="names for generated arterials along a path (adds no link)")
    hills: tuple[HillSpec, ...] = option((), doc="hills: no streets, zones or buildings inside")
    facilities: tuple[FacilitySpec, ...] = option((), doc="facilities by district")
    bus_lines: tuple[BusLineSpec, ...] = option(
        (), doc="bus lines by named roads, facilities or points (traffic.modes adds generated ones)")

    def check(self) -> str | None:
        names = [d.name for d in self.districts]
        if not names:
            return "districts: at least one district is needed"
        if len(set(names)) != len(names):
            return "districts: names must be unique"
        for f in self.facilities:
            if f.district not in names:
                return f"facilities: district {f.district!r} does not exist; districts: {', '.join(names)}"
            if f.names and len(f.names) != f.count:
                return f"facilities: {f.kind} in {f.district}: {len(f.names)} names for count {f.count}"
            if f.at and len(f.at) != f.count:
                return f"facilities: {f.kind} in {f.district}: {len(f.at)} positions for count {f.count}"
        for hill in self.hills:
            if len(hill.outline) < 3 or any(len(p) != 2 for p in hill.outline):
                return f"hills: {hill.name!r}: outline needs at least 3 points [x, y]"
        for h in self.highways:
            if any(len(p) != 2 for p in h.interchanges):
                return f"highways: {h.name!r}: interchanges must be points [x, y]"
        if self.bridges and self.river is None:
            return "bridges need a [river]"
        roads = ([h.name for h in self.highways] + [b.name for b in self.bridges]
                 + [s.name for s in self.named_arterials])
        twice = sorted({n for n in roads if roads.count(n) > 1})
        if twice:
            return (f"road names must be unique across highways, bridges and named_arterials: "
                    f"{twice[0]!r} is used twice; rename one")
        label = {d.name: d.label or d.name for d in self.districts}
        places = roads + [n for f in self.facilities for n in f.facility_names(label[f.district])]
        return check_bus_lines(self.bus_lines, places, "bus_lines")


def seeds_folder() -> Path:
    """Where the shipped seed cities live (the repository's seeds/ or the installed copy)."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here.parent / "seeds", here / "_seeds"):
        if candidate.is_dir():
            return candidate
    raise ScenarioError("the seeds/ folder is missing from this installation")


def available_seeds() -> list[str]:
    return sorted(p.stem for p in seeds_folder().glob("*.toml"))


def resolve_seed_path(name_or_path: str | Path) -> Path:
    """A seed name ('hezhou') or a path to a seed TOML file; errors list the known seeds."""
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.parent != Path("."):
        if not p.is_file():
            raise ScenarioError(f"{p}: seed city file not found")
        return p
    candidate = seeds_folder() / f"{name_or_path}.toml"
    if not candidate.is_file():
        raise ScenarioError(
            f"no seed city named {str(name_or_path)!r}; available: {', '.join(available_seeds())}"
        )
    return candidate


def load_seed(name_or_path: str | Path) -> tuple[SeedCity, str]:
    """Read and validate a seed city file; returns the spec and the sha256 of the file's bytes."""
    path = resolve_seed_path(name_or_path)
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: invalid TOML: {exc}") from None
    return parse(SeedCity, data, source=str(path)), hashlib.sha256(raw).hexdigest()
