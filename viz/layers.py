"""Layers: what a run's tables say about the city at one moment, as arrays ready to draw.

A layer turns the tables of a run folder (the run-folder table contract in docs/viz.md) into a
:class:`LayerView`: one *field* (a value per link, per building or per point, with a label, a
unit and a colour map; the thing side-by-side views share a colour scale for and difference
views subtract) and a few *overlays* (points such as incidents or trucks, segments such as
dispatch lines). Nothing here draws; :mod:`viz.scene` does.

Layers read tables through :class:`RunTables`, which reads a run folder lazily (or wraps the
in-memory ``state`` dict that ``twin run`` passes to :func:`viz.render_run_picture`) and raises
a one-line :class:`~twin.errors.TwinInputError` naming the run and the layer when a table the
layer needs is missing.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from twin.city import City
from twin.errors import TwinInputError
from twin.reading import read_json, read_table
from twin.registry import resolve
from twin.scenario.store import rerun_remedy
from viz.registry import FRAME_TIMES, LAYERS

TRAFFIC_QUANTITIES = ("speed_ratio", "flow", "queue")
"""Link quantities the traffic layer can colour roads by."""

WASTE_STREAMS = ("kitchen", "recyclable", "hazardous", "residual")

SLOW_PERCENT = 25.0
"""The traffic colour scale turns fully red at the run's own slowest SLOW_PERCENT % (of loaded
link intervals of the day, or loaded links at the end of the run), so a normal peak shows."""


@dataclasses.dataclass(frozen=True)
class Field:
    """One value per link, building or point, with how to colour it.

    Attributes:
        on: "link" (one value per network link), "building" (one per building) or "point"
            (one per row of ``xy``; ``ids`` name the rows so two runs can be matched).
        values: the values (NaN: no data, drawn in the neutral colour).
        label: what the value is, for the colour bar ("speed / free-flow speed").
        unit: unit shown in the colour bar title ("ratio", "min", "people").
        cmap: matplotlib colour map name.
        clim: colour range; None means the finite range of ``values``.
        width: links only: relative width 0-1 per link (e.g. flow), or None for widths by class.
        xy: points only: (n, 2) positions in metres.
        ids: points only: identifiers used to align two runs in a difference view.
        diverging: the colour scale is centred on zero (differences, changes).
        zone_values: buildings only, when the values come from zones: one value per zone, drawn
            as well as a bar at each zone centre (height by size), legible at city scale.
        better: "higher" or "lower" when that direction of the value is better for the city
            (speed ratio higher, response time lower), None when neither is; a difference view
            colours the better side blue and says so.
    """

    on: str
    values: np.ndarray
    label: str
    unit: str
    cmap: str
    clim: tuple[float, float] | None = None
    width: np.ndarray | None = None
    xy: np.ndarray | None = None
    ids: np.ndarray | None = None
    diverging: bool = False
    zone_values: np.ndarray | None = None
    better: str | None = None

    @property
    def title(self) -> str:
        """Colour bar title: label and unit."""
        return f"{self.label} ({self.unit})" if self.unit else self.label

    def color_range(self) -> tuple[float, float]:
        """The colour range to draw with: ``clim``, or symmetric/finite range of the values."""
        if self.clim is not None:
            return self.clim
        finite = self.values[np.isfinite(self.values)]
        if finite.size == 0:
            return (-1.0, 1.0) if self.diverging else (0.0, 1.0)
        if self.diverging:
            top = float(np.abs(finite).max()) or 1.0
            return (-top, top)
        low, high = float(finite.min()), float(finite.max())
        return (low, high) if high > low else (low, low + 1.0)


@dataclasses.dataclass(frozen=True)
class Overlay:
    """Points or segments drawn over the city, coloured by a value or one colour.

    ``kind`` is "points" (``xy`` is (n, 2)) or "segments" (``xy`` is (n, 4): x0, y0, x1, y1).
    ``values`` (optional) are coloured with ``cmap``/``clim``; otherwise ``color`` is used.
    ``bar`` False leaves out the colour bar (when the view's field already shows the same scale).
    """

    name: str
    kind: str
    xy: np.ndarray
    label: str
    color: str = "black"
    values: np.ndarray | None = None
    unit: str = ""
    cmap: str = "viridis"
    clim: tuple[float, float] | None = None
    size: float = 10.0
    bar: bool = True


@dataclasses.dataclass(frozen=True)
class LayerView:
    """What one layer shows at one moment: a field, overlays, and a caption for the title."""

    layer: str
    caption: str
    field: Field | None = None
    overlays: tuple[Overlay, ...] = ()


YEAR_TABLES = (("timeseries", "link_timeseries"), ("state", "incidents"),
               ("timeseries", "truck_positions"), ("timeseries", "zone_population"))
"""Layer tables with a ``year`` column: where a run without years in its manifest finds them."""


class RunTables:
    """The tables of one run, read on first use; the source of every layer.

    Args:
        path: a run folder written by ``twin run`` (manifest.json, state/, timeseries/).
        state, timeseries: in-memory tables instead of a folder (as ``twin run`` holds them
            before the folder is moved into place).
        name: label of the run in titles and error messages (default: the scenario name).
        city: the city (default: loaded from the run's manifest).
    """

    def __init__(self, path: str | Path | None = None, *, state: dict | None = None,
                 timeseries: dict | None = None, name: str | None = None,
                 city: City | None = None) -> None:
        self.path = None if path is None else Path(path)
        self._tables = {("state", k): v for k, v in (state or {}).items()}
        self._tables.update({("timeseries", k): v for k, v in (timeseries or {}).items()})
        self._city = city
        self.memo: dict = {}
        """Values derived from the tables once per run (such as the traffic colour floor)."""
        if self.path is not None:
            manifest = self.path / "manifest.json"
            if not manifest.is_file():
                raise TwinInputError(f"{self.path}: not a run folder (no manifest.json)")
            self.manifest = read_json(manifest, what="run manifest", remedy=rerun_remedy(self.path))
        else:
            self.manifest = {}
        scenario = self.manifest.get("scenario", {}).get("scenario", {})
        self.name = name or scenario.get("name") or (self.path.name if self.path else "run")

    @property
    def plugins(self) -> list:
        """The plug-ins the run's scenario named (``[scenario] plugins``; empty in memory)."""
        return self.manifest.get("scenario", {}).get("scenario", {}).get("plugins", [])

    @property
    def warmup_s(self) -> float:
        """Seconds of unrecorded warm-up days at the start of each year's period (``[scenario]
        warmup_days``; 0 in memory): module tables that keep those days' rows are cut there."""
        days = self.manifest.get("scenario", {}).get("scenario", {}).get("warmup_days", 0)
        return float(days or 0) * 86400.0

    def years(self) -> tuple[int, ...]:
        """The simulated years of the run: from its manifest, or (a run without them, such as a
        synthetic run) the years in its layer tables; empty when neither has any."""
        run = self.manifest.get("scenario", {}).get("scenario", {})
        start, horizon = run.get("start_year"), run.get("horizon_years")
        if isinstance(start, int) and isinstance(horizon, int):
            return tuple(range(start, start + horizon))
        found: set[int] = set()
        for kind, name in YEAR_TABLES:
            if self.has(kind, name):
                found.update(int(y) for y in self.table("viewer", kind, name, ("year",)).year.unique())
        return tuple(sorted(found))

    def check_year(self, year: int | None) -> None:
        """A one-line error when ``year`` (--year) is not a year of this run; None passes."""
        years = self.years()
        if year is not None and years and year not in years:
            held = str(years[0]) if len(years) == 1 else f"{years[0]}..{years[-1]}"
            raise TwinInputError(f"{self.where}: --year {year}: the run holds year(s) {held}")

    @property
    def where(self) -> str:
        """How error messages name this run."""
        return str(self.path) if self.path is not None else f"run {self.name!r}"

    @property
    def city(self) -> City:
        """The run's city (from the manifest's scenario.city, resolved like ``twin run`` does)."""
        if self._city is None:
            from twin.city import load_city

            spec = self.manifest.get("scenario", {}).get("scenario", {}).get("city")
            if not spec:
                raise TwinInputError(f"{self.where}: the manifest names no city (scenario.city)")
            self._city = load_city(spec, self.manifest.get("scenario_file", ""))
        return self._city

    def has(self, kind: str, name: str) -> bool:
        """Whether the run has table ``kind``/``name`` (kind: "state" or "timeseries")."""
        if (kind, name) in self._tables:
            return True
        return self.path is not None and (self.path / kind / f"{name}.parquet").is_file()

    def table(self, layer: str, kind: str, name: str, columns: tuple[str, ...]) -> pd.DataFrame:
        """Table ``kind/name``; a one-line error naming the run and layer if absent or short."""
        if not self.has(kind, name):
            present = self._present()
            raise TwinInputError(
                f"{self.where}: the {layer} layer needs {kind}/{name}.parquet, which this run "
                f"does not have (tables present: {', '.join(present) or 'none'})")
        if (kind, name) not in self._tables:
            self._tables[(kind, name)] = read_table(self.path / kind / f"{name}.parquet",
                                                    what="run table", remedy=rerun_remedy(self.path))
        frame = self._tables[(kind, name)]
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise TwinInputError(
                f"{self.where}: {kind}/{name} lacks column(s) {', '.join(missing)} that the "
                f"{layer} layer needs (columns: {', '.join(map(str, frame.columns))})")
        return frame

    def _present(self) -> list[str]:
        names = {f"{k}/{n}" for k, n in self._tables}
        if self.path is not None:
            for kind in ("state", "timeseries"):
                names.update(f"{kind}/{p.stem}" for p in (self.path / kind).glob("*.parquet"))
        return sorted(names)


def layer_view(run: RunTables, layer: str, *, time_s: float | None = None, year: int | None = None,
               quantity: str = "speed_ratio") -> LayerView:
    """The view of ``layer`` for ``run`` at ``time_s`` seconds into the period of ``year``.

    ``time_s`` None means the end-of-run state; ``year`` None means the last year in the tables.
    ``quantity`` picks the traffic link quantity (one of :data:`TRAFFIC_QUANTITIES`).
    """
    if layer not in LAYERS:
        raise TwinInputError(f"unknown layer {layer!r}; layers: {', '.join(LAYERS)}")
    if layer == "traffic":
        return traffic_view(run, time_s=time_s, year=year, quantity=quantity)
    if layer == "emergency":
        return emergency_view(run, time_s=time_s, year=year)
    if layer == "waste":
        return waste_view(run, time_s=time_s, year=year)
    if layer == "population":
        return population_view(run, year=year)
    return resolve(LAYERS[layer])(run, time_s=time_s, year=year)  # a plug-in's layer


def frame_times(run: RunTables, layer: str, *, year: int | None = None,
                step_s: float = 900.0) -> np.ndarray:
    """Times (s into the period) an animation of ``layer`` shows: the layer's own sample times.

    Traffic uses the link time-series intervals; waste the truck-position samples of the
    recorded days (thinned to ``step_s``); emergency steps of ``step_s`` over the incident times;
    population has no time of day (it changes by year), so it returns an empty array; a plug-in's
    layer, the times its registered ``times`` function gives (none without one).
    """
    if layer not in LAYERS:
        raise TwinInputError(f"unknown layer {layer!r}; layers: {', '.join(LAYERS)}")
    if layer == "traffic":
        frame = _year_rows(run.table("traffic", "timeseries", "link_timeseries", ("year", "time_s")),
                           year)
        return np.unique(frame.time_s.to_numpy(float))
    if layer == "waste":
        frame = _year_rows(run.table("waste", "timeseries", "truck_positions", ("year", "time_s")),
                           year)
        times = np.unique(frame.time_s.to_numpy(float))
        return thin(times[times >= run.warmup_s], step_s)  # the recorded days, as the KPIs
    if layer == "emergency":
        frame = _year_rows(run.table("emergency", "state", "incidents", ("year", "time_s")), year)
        if frame.empty:
            return np.zeros(1)
        end = float(frame.time_s.max())
        return np.arange(run.warmup_s, max(end, run.warmup_s) + step_s, step_s)
    if layer in FRAME_TIMES:
        return np.asarray(resolve(FRAME_TIMES[layer])(run, year=year), dtype=float)
    return np.zeros(0)


def busiest_time(run: RunTables, year: int | None = None) -> float:
    """Start (s into the period) of the traffic interval with the most flow over all links in
    ``year`` (the last when None): the peak a story or a viewer opens on."""
    series = _year_rows(run.table("traffic", "timeseries", "link_timeseries",
                                  ("year", "time_s", "flow_vph")), year)
    total = series.groupby("time_s").flow_vph.sum()
    if total.empty:
        raise TwinInputError(f"{run.where}: the traffic layer found no rows in link_timeseries"
                             f"{' for year ' + str(year) if year is not None else ''}")
    return float(total.idxmax())


def population_years(run: RunTables) -> np.ndarray:
    """The years in the migration zone_population time series (the frames of its animation)."""
    frame = run.table("population", "timeseries", "zone_population", ("year", "zone", "population"))
    return np.unique(frame.year.to_numpy(int))


def thin(times: np.ndarray, step_s: float) -> np.ndarray:
    """``times`` (sorted) keeping the first and each next one at least ``step_s`` after the last
    kept."""
    if times.size == 0:
        return times
    keep = [times[0]]
    for t in times[1:]:
        if t - keep[-1] >= step_s:
            keep.append(t)
    return np.asarray(keep)


def _check_last_year(run: RunTables, layer: str, table: str, year: int | None, remedy: str) -> None:
    """A one-line error when ``year`` asks an end-of-run state table (which holds the run's last
    year only) for an earlier year."""
    years = run.years()
    if year is not None and years and int(year) != years[-1]:
        raise TwinInputError(f"{run.where}: --year {year}: the {layer} layer's {table} is the "
                             f"end-of-run state, of {years[-1]} only; {remedy}")


def _year_rows(frame: pd.DataFrame, year: int | None) -> pd.DataFrame:
    """Rows of ``year`` (the last year present when None); tables without a year pass through."""
    if "year" not in frame.columns or frame.empty:
        return frame
    chosen = int(frame.year.max()) if year is None else int(year)
    return frame[frame.year.to_numpy() == chosen]


def _year_of(frame: pd.DataFrame, year: int | None) -> str:
    if year is not None:
        return f" {year}"
    if "year" in frame.columns and not frame.empty:
        return f" {int(frame.year.max())}"
    return ""


def clock(time_s: float, warmup_s: float = 0.0) -> str:
    """``time_s`` seconds from the period start as a time of the recorded days, counted from the
    end of the warm-up (``warmup_s`` s, :attr:`RunTables.warmup_s`) as ``--time`` and the KPIs
    count: "HH:MM" on the first recorded day, "d2 HH:MM" on the second and so on; a time inside
    the warm-up reads "warm-up HH:MM"."""
    day, rest = divmod(int(round(time_s - warmup_s)), 86400)
    text = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}"
    if day < 0:
        return f"warm-up {text}"
    return text if day == 0 else f"d{day + 1} {text}"


def parse_clock(text: str) -> float:
    """"HH:MM" (or "HH:MM:SS") to seconds; a one-line error otherwise."""
    parts = text.split(":")
    try:
        if len(parts) not in (2, 3):
            raise ValueError
        numbers = [int(p) for p in parts]
        hours, minutes = numbers[0], numbers[1]
        seconds = numbers[2] if len(parts) == 3 else 0
        if hours < 0 or not 0 <= minutes < 60 or not 0 <= seconds < 60:
            raise ValueError
    except ValueError:
        raise TwinInputError(f"--time {text!r}: expected HH:MM, for example 08:30") from None
    return float(hours * 3600 + minutes * 60 + seconds)


def _per_link(n_links: int, links: np.ndarray, values: np.ndarray, fill: float) -> np.ndarray:
    out = np.full(n_links, fill, dtype=float)
    ok = (links >= 0) & (links < n_links)
    out[links[ok]] = values[ok]
    return out


def _zone_index(city: City, zones: pd.Series) -> np.ndarray:
    """Zone column (names or indices) as zone indices; unknown zones become -1."""
    if pd.api.types.is_numeric_dtype(zones):
        index = zones.to_numpy(int)
        return np.where((index >= 0) & (index < len(city.zones)), index, -1)
    lookup = {name: k for k, name in enumerate(city.zones.name)}
    return np.array([lookup.get(z, -1) for z in zones], dtype=int)


def _zone_mean(city: City, zones: pd.Series, values: np.ndarray) -> np.ndarray:
    """Mean of ``values`` by zone (NaN where a zone has none), ignoring NaN values."""
    index = _zone_index(city, zones)
    ok = (index >= 0) & np.isfinite(values)
    total = np.bincount(index[ok], weights=values[ok], minlength=len(city.zones))
    count = np.bincount(index[ok], minlength=len(city.zones))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def traffic_view(run: RunTables, *, time_s: float | None = None, year: int | None = None,
                 quantity: str = "speed_ratio") -> LayerView:
    """Roads coloured by ``quantity`` and widened by flow; vehicles as points if sampled.

    Without ``time_s``: the end-of-run ``state/link_state``. With it: the 15-minute interval of
    ``timeseries/link_timeseries`` that contains the time (links absent there carry no traffic:
    free flow, zero flow).
    """
    if quantity not in TRAFFIC_QUANTITIES:
        raise TwinInputError(f"unknown traffic quantity {quantity!r}; quantities: "
                             f"{', '.join(TRAFFIC_QUANTITIES)}")
    net = run.city.network
    n = net.n_links
    overlays = []
    if time_s is None:
        _check_last_year(run, "traffic", "state/link_state", year,
                         "give --time HH:MM to see it from timeseries/link_timeseries")
        state = run.table("traffic", "state", "link_state",
                          ("link", "flow_veh", "speed_ratio", "max_queue_veh"))
        links = state.link.to_numpy(int)
        flow = _per_link(n, links, state.flow_veh.to_numpy(float), 0.0)
        ratio = _per_link(n, links, state.speed_ratio.to_numpy(float), np.nan)
        queue = _per_link(n, links, state.max_queue_veh.to_numpy(float), 0.0)
        caption = "traffic, end of run"
        flow_label, flow_unit = "flow", "veh"
    else:
        series = run.table("traffic", "timeseries", "link_timeseries",
                           ("year", "time_s", "link", "flow_vph", "speed_mps"))
        rows = _year_rows(series, year)
        times = np.unique(rows.time_s.to_numpy(float))
        if times.size == 0:
            raise TwinInputError(f"{run.where}: the traffic layer found no rows in link_timeseries"
                                 f"{' for year ' + str(year) if year is not None else ''}")
        if time_s < times[0]:  # a time of day on the first recorded day (after warm-up days)
            time_s += 86400.0 * np.floor(times[0] / 86400.0)
        at = times[max(int(np.searchsorted(times, time_s, side="right")) - 1, 0)]
        now = rows[rows.time_s.to_numpy(float) == at]
        links = now.link.to_numpy(int)
        flow = _per_link(n, links, now.flow_vph.to_numpy(float), 0.0)
        speed = _per_link(n, links, now.speed_mps.to_numpy(float), np.nan)
        ratio = np.where(np.isnan(speed), 1.0, speed / net.link_free_speed_mps)
        ratio = np.clip(ratio, 0.0, 1.0)
        queue = None
        caption = f"traffic at {clock(at, run.warmup_s)},{_year_of(rows, year)}"
        flow_label, flow_unit = "flow", "veh/h"
        if run.has("timeseries", "vehicle_positions"):
            vehicles = _year_rows(run.table("traffic", "timeseries", "vehicle_positions",
                                            ("year", "time_s", "x", "y")), year)
            vt = vehicles.time_s.to_numpy(float)
            if vt.size:
                near = vt[np.argmin(np.abs(vt - time_s))]
                sel = vehicles[vt == near]
                overlays.append(Overlay("vehicles", "points", sel[["x", "y"]].to_numpy(float),
                                        "vehicles", color="#222222", size=4.0))
    top = float(flow.max()) if flow.size and flow.max() > 0 else 1.0
    width = flow / top
    if quantity == "speed_ratio":
        if time_s is None:
            floor = slow_floor(ratio, flow)
        else:
            if ("slow_floor", year) not in run.memo:
                run.memo[("slow_floor", year)] = _day_floor(run, rows)
            floor = run.memo[("slow_floor", year)]
        field = Field("link", ratio, "speed / free-flow speed",
                      f"ratio; red: run's slowest {SLOW_PERCENT:g} %", "RdYlGn", (floor, 1.0),
                      width=width, better="higher")
    elif quantity == "flow":
        field = Field("link", flow, flow_label, flow_unit, "plasma", None, width=width)
    else:
        if queue is None:
            raise TwinInputError(f"{run.where}: the traffic layer has queues only in the end-of-run "
                                 "state (state/link_state); drop --time or pick another quantity")
        field = Field("link", queue, "longest queue", "veh", "magma_r", None, width=width,
                      better="lower")
    return LayerView("traffic", caption, field, tuple(overlays))


def slow_floor(ratio: np.ndarray, flow: np.ndarray) -> float:
    """Bottom of the traffic colour scale: the :data:`SLOW_PERCENT` percentile of the speed ratio
    of loaded links (flow > 0), rounded down to 0.2 so the bar's five ticks are round, at most
    0.8 (0 with no loaded link)."""
    loaded = ratio[(flow > 0) & np.isfinite(ratio)]
    if loaded.size == 0:
        return 0.0
    return float(min(np.floor(np.percentile(loaded, SLOW_PERCENT) * 5.0 + 1e-9) / 5.0, 0.8))


def _day_floor(run: RunTables, rows: pd.DataFrame) -> float:
    """:func:`slow_floor` over every loaded link interval of ``rows`` (one year's time series)."""
    net = run.city.network
    links = rows.link.to_numpy(int)
    ok = (links >= 0) & (links < net.n_links)
    ratio = rows.speed_mps.to_numpy(float)[ok] / np.asarray(net.link_free_speed_mps, float)[links[ok]]
    return slow_floor(np.clip(ratio, 0.0, 1.0), rows.flow_vph.to_numpy(float)[ok])


def emergency_view(run: RunTables, *, time_s: float | None = None,
                   year: int | None = None) -> LayerView:
    """Mean response time by zone (buildings, ground tiles and a column per zone); with
    ``time_s`` also the incidents of the last hour before it (coloured by response time) and the
    dispatches of the last 30 minutes as lines from unit to incident. Without ``time_s`` (the
    whole period) the zones alone: a day's incidents would cover the city.
    """
    incidents = run.table("emergency", "state", "incidents",
                          ("year", "time_s", "x", "y", "zone", "response_s"))
    incidents = incidents[incidents.time_s.to_numpy(float) >= run.warmup_s]  # recorded days, as the KPIs
    rows = _year_rows(incidents, year)
    caption = f"emergency: mean response time by zone, whole period,{_year_of(incidents, year)}"
    if time_s is not None:
        if time_s < run.warmup_s:  # a time of day on the first recorded day (as the traffic layer)
            time_s += run.warmup_s
        t = rows.time_s.to_numpy(float)
        rows = rows[(t <= time_s) & (t > time_s - 3600.0)]
        caption = f"emergency at {clock(time_s, run.warmup_s)} (last hour),{_year_of(incidents, year)}"
    response_min = rows.response_s.to_numpy(float) / 60.0
    city = run.city
    whole = _year_rows(incidents, year)  # the scale: the whole period's zone means, every frame
    means = _zone_mean(city, whole.zone, whole.response_s.to_numpy(float) / 60.0)
    top = float(np.nanpercentile(means, 95)) if np.isfinite(means).any() else 0.0
    clim = (0.0, max(5.0, float(np.ceil(top / 5.0)) * 5.0))
    overlays = []
    if time_s is not None:
        overlays.append(Overlay("incidents", "points", rows[["x", "y"]].to_numpy(float),
                                "incident (black: not reached by the end)",
                                values=response_min, unit="min", cmap="YlOrRd", clim=clim,
                                size=14.0, bar=False))
    if time_s is not None and run.has("state", "dispatches"):
        dispatches = _year_rows(run.table("emergency", "state", "dispatches",
                                          ("year", "time_s", "from_x", "from_y", "to_x", "to_y")),
                                year)
        t = dispatches.time_s.to_numpy(float)
        dispatches = dispatches[(t <= time_s) & (t > time_s - 1800.0)]
        overlays.append(Overlay("dispatches", "segments",
                                dispatches[["from_x", "from_y", "to_x", "to_y"]].to_numpy(float),
                                "unit to incident", color="#1f3fbf", size=3.0))
    zone_mean = _zone_mean(city, rows.zone, response_min)
    field = Field("building", zone_mean[city.buildings.zone], "mean response in zone", "min",
                  "YlOrRd", clim, zone_values=zone_mean, better="lower")
    return LayerView("emergency", caption, field, tuple(overlays))


def waste_view(run: RunTables, *, time_s: float | None = None,
               year: int | None = None) -> LayerView:
    """Bins coloured by fill level (fill / capacity) and trucks at their latest position.

    The bins are the end-of-run ``state/bins``; trucks come from ``timeseries/truck_positions``
    (their last sample at or before ``time_s``, or their last sample of the year). A ``time_s``
    before the end of the warm-up days is a time of day on the first recorded day.
    """
    _check_last_year(run, "waste", "state/bins", year, "the bins' fill is kept for the last year only")
    bins = run.table("waste", "state", "bins", ("bin", "x", "y", "capacity_l", "fill_l"))
    with np.errstate(invalid="ignore", divide="ignore"):
        fill = bins.fill_l.to_numpy(float) / bins.capacity_l.to_numpy(float)
    field = Field("point", np.clip(fill, 0.0, None), "bin fill level", "fill / capacity", "YlOrRd",
                  (0.0, 1.0), xy=bins[["x", "y"]].to_numpy(float),
                  ids=_bin_ids(bins), better="lower")
    overlays = []
    caption = "waste bins, end of run"
    if run.has("timeseries", "truck_positions"):
        trucks = _year_rows(run.table("waste", "timeseries", "truck_positions",
                                      ("year", "time_s", "truck", "x", "y")), year)
        if time_s is not None:
            if time_s < run.warmup_s:  # a time of day on the first recorded day (as the traffic layer)
                time_s += run.warmup_s
            trucks = trucks[trucks.time_s.to_numpy(float) <= time_s]
            caption = f"waste at {clock(time_s, run.warmup_s)},{_year_of(trucks, year)}"
        last = trucks.sort_values(["truck", "time_s"], kind="stable").groupby("truck").tail(1)
        overlays.append(Overlay("trucks", "points", last[["x", "y"]].to_numpy(float), "trucks",
                                color="#111111", size=16.0))
    return LayerView("waste", caption, field, tuple(overlays))


def _bin_ids(bins: pd.DataFrame) -> np.ndarray:
    if "stream" in bins.columns:
        return (bins.bin.astype(str) + "/" + bins.stream.astype(str)).to_numpy()
    return bins.bin.astype(str).to_numpy()


def population_view(run: RunTables, *, year: int | None = None) -> LayerView:
    """Buildings coloured by the change in their zone's population from the first year shown.

    Reads ``timeseries/zone_population`` (migration); the change is population in ``year``
    (default: the last) minus population in the first year of the table.
    """
    series = run.table("population", "timeseries", "zone_population",
                       ("year", "zone", "population"))
    if series.empty:
        raise TwinInputError(f"{run.where}: the population layer found zone_population empty")
    first = int(series.year.min())
    last = int(series.year.max()) if year is None else int(year)
    city = run.city
    start = _zone_mean(city, series.zone[series.year == first],
                       series.population[series.year == first].to_numpy(float))
    rows = series[series.year == last]
    if rows.empty:
        raise TwinInputError(f"{run.where}: the population layer has no year {last} "
                             f"(years {first}-{int(series.year.max())})")
    end = _zone_mean(city, rows.zone, rows.population.to_numpy(float))
    change = end - start
    field = Field("building", change[city.buildings.zone], "zone population change", "people",
                  "PuOr", None, diverging=True, zone_values=change)
    return LayerView("population", f"population change {first} to {last}", field)



COLOUR_BY = ("population_change", "response_time", "waste_fill")
"""What ``twin view --colour-by`` colours the buildings by (each from its zone)."""


def building_colour(run: RunTables, what: str, *, year: int | None = None) -> Field:
    """A per-building field for ``--colour-by``: the zone's population change (migration), the
    zone's mean response time over the period (emergency), or the mean fill of the bins nearest
    the zone's centre (waste, end of run)."""
    if what == "population_change":
        return population_view(run, year=year).field
    if what == "response_time":
        return emergency_view(run, year=year).field
    if what == "waste_fill":
        from scipy.spatial import cKDTree

        field = waste_view(run, year=year).field
        city = run.city
        _, zone = cKDTree(np.column_stack([city.zones.x, city.zones.y])).query(field.xy)
        ok = np.isfinite(field.values)
        total = np.bincount(zone[ok], weights=field.values[ok], minlength=len(city.zones))
        count = np.bincount(zone[ok], minlength=len(city.zones))
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
        return Field("building", mean[city.buildings.zone], "mean bin fill in zone",
                     "fill / capacity", "YlOrRd", (0.0, 1.0), better="lower")
    raise TwinInputError(f"--colour-by {what!r}: expected one of {', '.join(COLOUR_BY)}")


def run_labels(runs: list[RunTables]) -> list[str]:
    """Names for runs shown together: scenario names, or folder names where those coincide."""
    names = [r.name for r in runs]
    if len(set(names)) < len(names):
        names = [r.path.name if r.path is not None else r.name for r in runs]
    return names
