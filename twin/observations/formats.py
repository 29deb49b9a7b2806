"""The observation formats: one table per kind, its columns, units, bounds and key (docs/observations.md).

Each kind is one file in an observations folder, ``KIND.csv`` or ``KIND.parquet``. Observations
name the city by the ids ``twin city export`` writes: links by their ``link`` number (or by the
``from``/``to`` node numbers of the link), nodes by ``node``, zones by their ``zone`` name;
waste bins by the ``bin`` number of a run's ``state/bins.parquet``. Times are those of a run
folder: ``year`` and seconds (or hours, or days) from the start of that year's recorded period
(after the scenario's warm-up days, which are never observed).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    """One column: its name, type ("int", "float" or "text"), bounds and meaning (with unit)."""

    name: str
    type: str
    doc: str
    low: float | None = None
    high: float | None = None
    required: bool = True
    blank: bool = False
    """Whether a row may leave it empty (unknown: NaN in the table read)."""

    @property
    def integer(self) -> bool:
        return self.type == "int"


@dataclass(frozen=True)
class Format:
    """The table of one kind: file stem, columns, the key that must not repeat, and one-of groups
    (each a tuple of alternatives, each alternative a tuple of columns; exactly one must be given)."""

    kind: str
    doc: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    one_of: tuple[tuple[tuple[str, ...], ...], ...] = field(default=())

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


_YEAR = Column("year", "int", "simulated year")

FORMATS: dict[str, Format] = {f.kind: f for f in (
    Format("counts", "vehicles a detector counted leaving a link in an interval", (
        Column("link", "int", "link id (network.geojson `link`)", low=0, required=False),
        Column("from", "int", "node the link leaves (with `to`, instead of `link`)", low=0, required=False),
        Column("to", "int", "node the link enters", low=0, required=False),
        _YEAR,
        Column("start_s", "float", "interval start, seconds from the start of the year's recorded period",
               low=0),
        Column("end_s", "float", "interval end, seconds (> start_s)", low=0),
        Column("vehicles", "float", "vehicles counted in the interval", low=0),
    ), key=("link", "year", "start_s"), one_of=((("link",), ("from", "to")),)),
    Format("travel_times", "door-to-door car travel times of probe vehicles or survey answers", (
        Column("origin", "int", "origin node id (nodes of network.geojson)", low=0, required=False),
        Column("destination", "int", "destination node id", low=0, required=False),
        Column("origin_x", "float", "origin x, metres in the city frame (instead of `origin`)",
               required=False),
        Column("origin_y", "float", "origin y, metres", required=False),
        Column("destination_x", "float", "destination x, metres", required=False),
        Column("destination_y", "float", "destination y, metres", required=False),
        _YEAR,
        Column("depart_h", "float", "departure, hours from the start of the year's recorded period", low=0),
        Column("minutes", "float", "observed travel time, minutes", low=0),
        Column("source", "text", "`probe` or `survey`"),
    ), one_of=((("origin", "destination"), ("origin_x", "origin_y", "destination_x", "destination_y")),)),
    Format("incidents", "emergency calls: when, where, what, and when known the response", (
        _YEAR,
        Column("time_s", "float", "call time, seconds from the start of the year's recorded period", low=0),
        Column("x", "float", "x, metres in the city frame (with `y`, or give `zone`)", required=False),
        Column("y", "float", "y, metres", required=False),
        Column("zone", "text", "zone name (zones.geojson `zone`)", required=False),
        Column("type", "text", "incident type of the scenario's [emergency.types]"),
        Column("response_min", "float", "call to first unit on scene, minutes (empty: unknown)", low=0,
               required=False, blank=True),
        Column("on_scene_min", "float", "minutes the first unit spent on scene (empty: unknown)", low=0,
               required=False, blank=True),
        Column("call_handling_min", "float", "call to the dispatch decision, minutes (at most response_min; "
               "empty: unknown)", low=0, required=False, blank=True),
        Column("turnout_min", "float", "dispatch to leaving the station of the first unit on scene, minutes "
               "(0: it was sent from the road; call_handling_min + turnout_min at most response_min; empty: "
               "unknown)", low=0, required=False, blank=True),
        Column("unit_kind", "text", "kind of the first unit on scene (ambulance, fire_engine, police_car, "
               "utility_crew; empty: unknown)", required=False, blank=True),
    ), one_of=((("x", "y"), ("zone",)),)),
    Format("waste_fill", "bin fill-level readings (sensors or crews)", (
        Column("bin", "int", "bin id (state/bins.parquet `bin` of a run)", low=0),
        Column("stream", "text", "waste stream of the bin"),
        _YEAR,
        Column("time_s", "float", "reading time, seconds from the start of the year's recorded period",
               low=0),
        Column("fill", "float", "fill fraction of the bin's volume, 0..1", low=0, high=1),
    ), key=("bin", "year", "time_s")),
    Format("weighbridge", "tonnes delivered to the plants per stream and day", (
        _YEAR,
        Column("day", "int", "day of the year's recorded period, 0 first", low=0),
        Column("stream", "text", "waste stream"),
        Column("tonnes", "float", "tonnes weighed", low=0),
    ), key=("year", "day", "stream")),
    Format("population", "residents per zone and year (census or registry)", (
        _YEAR,
        Column("zone", "text", "zone name (zones.geojson `zone`)"),
        Column("residents", "int", "residents", low=0),
        Column("households", "int", "households", low=0, required=False),
        Column("movers", "int", "households that moved in during the year", low=0, required=False),
        Column("source", "text", "`census` or `registry`", required=False),
    ), key=("year", "zone")),
)}
"""Every observation kind by name (its file is ``KIND.csv`` or ``KIND.parquet``)."""

SOURCES: dict[str, tuple[str, ...]] = {"travel_times": ("probe", "survey"),
                                       "population": ("census", "registry")}
"""Allowed values of the ``source`` column of each kind that has one."""

SUFFIXES = (".csv", ".parquet")
"""File types an observation file may have."""
