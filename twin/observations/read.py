"""Reading observation files: checked against the city and period, returned as tidy DataFrames.

:func:`read_observations` reads every ``KIND.csv``/``KIND.parquet`` of a folder
(:data:`~twin.observations.formats.FORMATS`) and checks each row against a :class:`Reference`:
the city's links, nodes and zones (the ids ``twin city export`` writes), the waste streams and
bins, the scenario's incident types and its simulated years and period. The first bad row is one
:class:`~twin.errors.TwinInputError` naming the file, the line (CSV; the header is line 1) or row
(Parquet, 1-based), the column and what is allowed.
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from twin.csv_rows import csv_rows
from twin.emergency.config import UNIT_KINDS
from twin.errors import TwinInputError
from twin.numbers import MAX_MAGNITUDE, check_column, parse_float
from twin.observations.formats import FORMATS, SOURCES, SUFFIXES, Format
from twin.reading import DAMAGED, damaged
from twin.waste.streams import STREAMS


@dataclass(frozen=True)
class Reference:
    """What observations are checked against: the city's ids, streams, bins, types and period.

    ``bin_stream`` holds the stream name of each bin of a run (None from a scenario, whose bins
    are laid out only when it runs: bin ids are then checked to be whole numbers only);
    ``types`` are the scenario's incident types. Times run from 0 to ``period_days`` days
    within each of the years ``start_year`` .. ``start_year + horizon_years - 1``: the recorded
    period, which starts after the scenario's ``warmup_days`` (never observed; a run's tables
    count from the start of the warm-up, :meth:`recorded` moves them into this frame).
    """

    source: str
    link_from: np.ndarray
    link_to: np.ndarray
    node_x: np.ndarray
    node_y: np.ndarray
    zones: tuple[str, ...]
    types: tuple[str, ...]
    start_year: int
    horizon_years: int
    period_days: float
    link_capacity_vph: np.ndarray
    bin_stream: tuple[str, ...] | None = None
    zone_node: np.ndarray | None = None
    """Each zone's node (where synthetic probes to the zone end)."""
    warmup_days: int = 0
    """Whole days simulated before each year's recorded period (``scenario.warmup_days``)."""

    @property
    def n_links(self) -> int:
        return len(self.link_from)

    @property
    def years(self) -> tuple[int, int]:
        """First and last simulated year."""
        return self.start_year, self.start_year + self.horizon_years - 1

    @property
    def period_s(self) -> float:
        """Length of each year's simulated period, seconds."""
        return self.period_days * 86400.0

    @property
    def warmup_s(self) -> float:
        """Length of the warm-up before each year's recorded period, seconds."""
        return self.warmup_days * 86400.0

    def recorded(self, name: str, table: pd.DataFrame) -> pd.DataFrame:
        """The run table ``name`` (a key of :data:`RUN_TIMES`: ``link_timeseries``, ``incidents``
        ...) in the observations' time frame: rows of the warm-up days and after the recorded
        period dropped, its time column (seconds, or days) counted from the start of the recorded
        period. A table without times (``bins``, ``zone_population``) is returned as it is."""
        column = RUN_TIMES.get(name)
        if column is None or column not in table:
            return table
        if column == "day":
            day = table["day"].to_numpy() - self.warmup_days
            kept = table[(day >= 0) & (day < math.ceil(self.period_days))]
            return kept.assign(day=kept["day"] - self.warmup_days)
        time = table[column].to_numpy() - self.warmup_s
        kept = table[(time >= 0.0) & (time <= self.period_s)]
        return kept.assign(**{column: kept[column] - self.warmup_s})


RUN_TIMES: dict[str, str] = {"link_timeseries": "time_s", "trip_times": "depart_s", "incidents": "time_s",
                             "dispatches": "time_s", "busy_units": "time_s", "waste_daily": "day",
                             "traffic_daily": "day"}
"""The time column of each run table observations are drawn from or compared with (seconds, or
whole days, from the start of the year's period, warm-up included)."""


def _reference(city, run: dict, emergency: dict | None, source: str, bin_stream=None) -> Reference:
    net = city.network
    types = tuple(emergency["types"]) if emergency and emergency.get("types") else ()
    if not types:
        from twin.emergency.config import INCIDENT_TYPES

        types = INCIDENT_TYPES
    return Reference(source, np.asarray(net.link_from), np.asarray(net.link_to), np.asarray(net.node_x),
                     np.asarray(net.node_y), tuple(city.zones.name), types, int(run["start_year"]),
                     int(run["horizon_years"]), float(run["period_days"]), np.asarray(net.link_capacity_vph),
                     bin_stream, np.asarray(city.zones.node), int(run.get("warmup_days", 0)))


def reference_of(path: str | Path) -> Reference:
    """The reference of a run folder (its manifest's scenario, its bins) or of a scenario file."""
    from twin.city import load_city

    path = Path(path)
    if path.is_dir():
        from twin.reading import read_json, read_table
        from twin.scenario.store import rerun_remedy

        if not (path / "manifest.json").is_file():
            raise TwinInputError(f"{path}: not a run folder (no manifest.json) nor a scenario file")
        remedy = rerun_remedy(path)
        manifest = read_json(path / "manifest.json", what="run manifest", remedy=remedy, keys=("scenario",))
        scenario = manifest["scenario"]
        city = load_city(scenario["scenario"]["city"], manifest.get("scenario_file", ""))
        bins = None
        if (path / "state" / "bins.parquet").is_file():
            table = read_table(path / "state" / "bins.parquet", what="run table", remedy=remedy,
                               columns=("bin", "stream"), read=("bin", "stream"))
            bins = tuple(table.sort_values("bin").stream.astype(str))
        return _reference(city, scenario["scenario"], scenario.get("emergency"), str(path), bins)
    from twin.scenario import load_scenario

    scenario = load_scenario(path)
    city = load_city(scenario.scenario.city, scenario.file_of("scenario.city"))
    data = scenario.to_dict()
    return _reference(city, data["scenario"], data.get("emergency"), str(path))


@dataclass
class _Raw:
    """A file's columns (numpy arrays: text as objects from CSV, values as stored from Parquet)
    and how to name row ``i``."""

    path: Path
    columns: dict[str, np.ndarray]
    where: Callable[[int], str]
    rows: int
    csv: bool = True


def _load(path: Path, fmt: Format) -> _Raw:
    if path.suffix == ".parquet":
        try:
            frame = pd.read_parquet(path)
        except DAMAGED as exc:
            raise damaged(path, "observation file", str(exc), "write it again (Parquet or CSV)") from None
        columns = {str(c): frame[c].to_numpy() for c in frame.columns}
        return _Raw(path, columns, lambda i: f"{path}, row {i + 1}", len(frame), csv=False)
    fast = _plain_csv(path, fmt)
    if fast is not None:
        return _Raw(path, fast, lambda i: f"{path}, line {i + 2}", len(next(iter(fast.values()))))
    header, rows, lines = csv_rows(path, fmt.names)
    columns = {}
    for k, name in enumerate(header):
        text = [row[k].strip() if k < len(row) else "" for row in rows]
        columns.setdefault(name, np.array(text, dtype=object))
    return _Raw(path, columns, lambda i: f"{path}, line {lines[i]}", len(rows))


def _plain_csv(path: Path, fmt: Format) -> dict[str, np.ndarray] | None:
    """The columns of a plain CSV file (no quotes, no blank or short rows, the header on line 1,
    so that row ``i`` is line ``i + 2``) read by pandas' C parser (numbers parsed there, text
    columns kept as text); None for any other file, which the careful reader then reads (and
    names its faults)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    body = data.removeprefix(b"\xef\xbb\xbf")
    if not body or b'"' in data or body[:1] in b"\r\n ,":
        return None
    try:
        text = {c.name: str for c in fmt.columns if c.type == "text"}
        frame = pd.read_csv(io.BytesIO(body), dtype=text, keep_default_na=False, skip_blank_lines=False,
                            skipinitialspace=True, encoding="utf-8")
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError):  # a UnicodeDecodeError too
        return None
    if len(frame) == 0 or frame.isna().to_numpy().any() or (frame == "").all(axis=1).any():
        return None
    return {str(c).strip(): frame[c].to_numpy(dtype=None if frame[c].dtype.kind in "iuf" else object)
            for c in frame.columns}


def _alternative(raw: _Raw, fmt: Format) -> set[str]:
    """The columns of ``fmt`` that ``raw`` must hold, one alternative of each one-of group chosen."""
    wanted = {c.name for c in fmt.columns if c.required}
    for group in fmt.one_of:
        given = [alt for alt in group if all(c in raw.columns for c in alt)]
        if not given:
            choices = " or ".join("+".join(alt) for alt in group)
            raise TwinInputError(f"{raw.path}: missing column(s): give {choices} "
                                 f"(columns: {', '.join(fmt.names)})")
        wanted.update(given[0])
    missing = [c for c in fmt.names if c in wanted and c not in raw.columns]
    if missing:
        raise TwinInputError(f"{raw.path}: missing column(s) {', '.join(missing)} "
                             f"(columns: {', '.join(fmt.names)})")
    return wanted | {c.name for c in fmt.columns if c.name in raw.columns}


def _numeric(raw: _Raw, fmt: Format, name: str) -> np.ndarray:
    col = fmt.column(name)
    values = raw.columns[name]
    if values.dtype.kind in "iufb":  # a numeric Parquet column
        given = ~np.isnan(values) if col.blank and values.dtype.kind == "f" else np.ones(len(values), bool)
        numbers, text = values.astype(np.float64), None
    else:
        text = values if raw.csv else np.array(["" if _missing(v) else str(v).strip() for v in values],
                                               dtype=object)
        given = text != "" if col.blank else np.ones(len(text), dtype=bool)
        try:
            numbers = np.where(given, text, "0").astype(np.float64)  # C speed when every entry is a number
        except (ValueError, TypeError):
            numbers = np.array([parse_float(t) for t in text], dtype=np.float64)
    numbers = np.where(given, numbers, 0.0)  # a blank is checked as a fine value, then unknown
    checked = check_column(numbers, f"column {name}", raw.where, integer=col.integer, low=col.low,
                           high=col.high if col.high is not None else MAX_MAGNITUDE, text=text)
    return checked if given.all() else np.where(given, checked, np.nan)


def _missing(value: object) -> bool:
    """Whether a stored value is missing (None, NaN, pandas' NA)."""
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _text(raw: _Raw, name: str, allowed: tuple[str, ...] | None, blank: bool = False) -> np.ndarray:
    """The text column ``name``: each value one of ``allowed`` (any non-empty text when None), or
    empty where ``blank`` (unknown)."""
    values = np.array(["" if _missing(v) else str(v).strip() for v in raw.columns[name]], dtype=object)
    bad = values == "" if allowed is None else ~np.isin(values, allowed)
    if blank:
        bad &= values != ""
    bad = np.flatnonzero(bad)
    if bad.size:
        i = int(bad[0])
        shown = _allowed(allowed) if allowed is not None else "a non-empty value"
        shown += " or empty (unknown)" if blank else ""
        raise TwinInputError(f"{raw.where(i)}: column {name} is {values[i][:40]!r}; allowed: {shown}")
    return values


def _allowed(values: tuple[str, ...]) -> str:
    return ", ".join(values[:8]) + (f" ... ({len(values)} in all)" if len(values) > 8 else "")


def _refuse(raw: _Raw, bad: np.ndarray, message: Callable[[int], str]) -> None:
    rows = np.flatnonzero(bad)
    if rows.size:
        i = int(rows[0])
        raise TwinInputError(f"{raw.where(i)}: {message(i)}")


OVER_CAPACITY = 1.5
"""A count above this many times its link's capacity (over the interval) is warned about."""

MIN_SUSPECT = 10.0
"""Counts below this many vehicles are never suspect (short intervals, platoons)."""


def _over_capacity(raw: _Raw, ref: Reference, out: dict[str, np.ndarray]) -> None:
    """Warn (one line) when counts exceed what their link can carry: a detector keyed to the
    wrong link, or counts of both directions on one link."""
    hours = (out["end_s"] - out["start_s"]) / 3600.0
    limit = OVER_CAPACITY * ref.link_capacity_vph[out["link"]] * hours
    over = np.flatnonzero((out["vehicles"] > limit) & (out["vehicles"] >= MIN_SUSPECT))
    if over.size:
        i = int(over[0])
        link = out["link"][i]
        warnings.warn(f"{raw.where(i)}: {out['vehicles'][i]:g} vehicles in {hours[i] * 3600:g} s is over "
                      f"{OVER_CAPACITY:g} times the capacity of link {link} ({ref.link_capacity_vph[link]:g} "
                      f"veh/h; {over.size} such rows): is the detector keyed to the right link?",
                      stacklevel=3)


def _link_of(raw: _Raw, ref: Reference, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The link from node ``a`` to node ``b`` of each row (the first such link of the city)."""
    n = len(ref.node_x)
    codes = ref.link_from.astype(np.int64) * n + ref.link_to
    order = np.argsort(codes, kind="stable")
    want = a * n + b
    at = np.minimum(np.searchsorted(codes[order], want), len(codes) - 1)
    found = codes[order][at] == want
    _refuse(raw, ~found, lambda i: f"no link from node {a[i]} to node {b[i]} in the city {ref.source}")
    return order[at]


def _nearest_node(ref: Reference, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The city node nearest to each point (in blocks of rows, to bound memory)."""
    out = np.empty(len(x), dtype=np.int64)
    for s in range(0, len(x), 2048):
        dx = x[s:s + 2048, None] - ref.node_x[None, :]
        dy = y[s:s + 2048, None] - ref.node_y[None, :]
        out[s:s + 2048] = np.argmin(dx * dx + dy * dy, axis=1)
    return out


def read_kind(path: str | Path, kind: str, ref: Reference) -> pd.DataFrame:
    """The checked table of one observation file of ``kind`` (a tidy frame keyed by the city's ids)."""
    path = Path(path)
    fmt = FORMATS[kind]
    if not path.is_file():
        raise TwinInputError(f"{path}: no such file")
    raw = _load(path, fmt)
    present = _alternative(raw, fmt)
    if raw.rows == 0:
        raise TwinInputError(f"{path}: no rows (columns: {', '.join(fmt.names)})")
    out: dict[str, np.ndarray] = {}
    for col in fmt.columns:
        if col.name in present and col.type != "text":
            out[col.name] = _numeric(raw, fmt, col.name)
    first, last = ref.years
    _refuse(raw, (out["year"] < first) | (out["year"] > last),
            lambda i: f"year {out['year'][i]} is outside the simulated years {first}..{last} of {ref.source}")
    period = f"0..{ref.period_s:g} s (period_days {ref.period_days:g} of {ref.source})"
    for name in ("start_s", "end_s", "time_s"):
        if name in out:
            _refuse(raw, out[name] > ref.period_s, lambda i, n=name: f"{n} {out[n][i]:g} is outside {period}")
    if "end_s" in out:
        _refuse(raw, out["end_s"] <= out["start_s"], lambda i: "end_s must be > start_s")
    if "depart_h" in out:
        hours = ref.period_s / 3600.0
        _refuse(raw, out["depart_h"] > hours, lambda i: f"depart_h {out['depart_h'][i]:g} is outside "
                f"0..{hours:g} h (period_days {ref.period_days:g} of {ref.source})")
    if "day" in out:
        days = math.ceil(ref.period_days)
        _refuse(raw, out["day"] >= days, lambda i: f"day {out['day'][i]} is outside 0..{days - 1} "
                f"(period_days {ref.period_days:g} of {ref.source})")
    n_nodes = len(ref.node_x)
    for name in ("from", "to", "origin", "destination"):
        if name in out:
            _refuse(raw, out[name] >= n_nodes, lambda i, n=name: f"{n} node {out[n][i]} is not in the city "
                    f"{ref.source} (nodes 0..{n_nodes - 1})")
    if "link" in out:
        _refuse(raw, out["link"] >= ref.n_links, lambda i: f"link {out['link'][i]} is not in the city "
                f"{ref.source} (links 0..{ref.n_links - 1})")
    elif kind == "counts":
        out["link"] = _link_of(raw, ref, out.pop("from"), out.pop("to"))
    if kind == "counts":
        _over_capacity(raw, ref, out)
    frame = pd.DataFrame(out)
    for col in fmt.columns:
        if col.type == "text" and col.name in present:
            allowed = {"zone": ref.zones, "stream": STREAMS, "type": ref.types,
                       "source": SOURCES.get(kind), "unit_kind": UNIT_KINDS}.get(col.name)
            frame[col.name] = pd.Series(_text(raw, col.name, allowed, col.blank), dtype="string")
    _finish(raw, kind, frame, ref)
    if fmt.key:
        dup = frame.duplicated(list(fmt.key), keep="first").to_numpy()
        _refuse(raw, dup, lambda i: ", ".join(f"{k} {frame[k].iloc[i]}" for k in fmt.key)
                + " appears twice (each key once)")
    order = [c for c in fmt.names if c in frame]
    return frame[order + [c for c in frame.columns if c not in order]]


def _finish(raw: _Raw, kind: str, frame: pd.DataFrame, ref: Reference) -> None:
    """Kind-specific checks and the derived columns a calibrator joins on (in place)."""
    if kind == "waste_fill" and ref.bin_stream is not None:
        n = len(ref.bin_stream)
        bins = frame["bin"].to_numpy()
        _refuse(raw, bins >= n, lambda i: f"bin {bins[i]} is not in the run {ref.source} (bins 0..{n - 1})")
        stream = np.asarray(ref.bin_stream, dtype=object)[bins]
        wrong = stream != frame["stream"].to_numpy(dtype=object)
        _refuse(raw, wrong, lambda i: f"bin {bins[i]} holds {stream[i]}, not {frame['stream'].iloc[i]}")
    if kind == "travel_times":
        for end in ("origin", "destination"):
            if end in frame:
                frame[f"{end}_x"] = ref.node_x[frame[end].to_numpy()]
                frame[f"{end}_y"] = ref.node_y[frame[end].to_numpy()]
            else:
                frame[end] = _nearest_node(ref, frame[f"{end}_x"].to_numpy(), frame[f"{end}_y"].to_numpy())
    if "zone" in frame:
        frame["zone_index"] = pd.Index(ref.zones).get_indexer(frame["zone"].astype(object)).astype(np.int64)
    elif kind == "incidents":
        frame["zone"] = pd.Series([""] * len(frame), dtype="string")
        frame["zone_index"] = np.full(len(frame), -1, dtype=np.int64)
    if kind == "incidents":
        for name in ("x", "y", "response_min", "on_scene_min", "call_handling_min", "turnout_min"):
            if name not in frame:
                frame[name] = np.nan
        if "unit_kind" not in frame:
            frame["unit_kind"] = pd.Series([""] * len(frame), dtype="string")
        _check_phases(raw, frame)


PHASE_TOLERANCE_MIN = 0.05
"""Rounding allowed when the phases of a call are checked against its response, minutes (3 s:
three times logged to the second, or written to six significant digits, stay inside it)."""


def _check_phases(raw: _Raw, frame: pd.DataFrame) -> None:
    """A call's handling and turnout are parts of its response (call to first arrival): their sum
    may not exceed ``response_min`` where all are known (an unknown phase counts as 0)."""
    handling = frame["call_handling_min"].to_numpy(np.float64)
    turnout = frame["turnout_min"].to_numpy(np.float64)
    response = frame["response_min"].to_numpy(np.float64)
    parts = np.nan_to_num(handling) + np.nan_to_num(turnout)
    over = np.isfinite(response) & (parts > response + PHASE_TOLERANCE_MIN)

    def message(i: int) -> str:
        phases = (("call_handling_min", handling[i]), ("turnout_min", turnout[i]))
        given = " + ".join(n for n, v in phases if np.isfinite(v))
        return (f"{given} = {parts[i]:g} is larger than response_min {response[i]:g} (the response, call to "
                "first arrival, includes call handling and turnout)")

    _refuse(raw, over, message)


def observation_files(folder: str | Path) -> dict[str, Path]:
    """The observation file of each kind present in ``folder`` (both a CSV and a Parquet file of
    one kind, or none at all, is an error)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise TwinInputError(f"{folder}: no such folder of observations")
    found: dict[str, Path] = {}
    for kind in FORMATS:
        given = [folder / f"{kind}{s}" for s in SUFFIXES if (folder / f"{kind}{s}").is_file()]
        if len(given) > 1:
            raise TwinInputError(f"{folder}: both {given[0].name} and {given[1].name}; keep one")
        if given:
            found[kind] = given[0]
    if not found:
        names = ", ".join(f"{k}.csv" for k in FORMATS)
        raise TwinInputError(f"{folder}: no observation files (expected any of {names}, or .parquet)")
    return found


def read_observations(folder: str | Path, ref: Reference) -> dict[str, pd.DataFrame]:
    """Every observation file of ``folder``, checked, by kind (see :func:`read_kind`)."""
    return {kind: read_kind(path, kind, ref) for kind, path in observation_files(folder).items()}
