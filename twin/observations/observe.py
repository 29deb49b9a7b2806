"""Synthetic observations of a run, for observing-system experiments (``twin observe``).

Hide a "truth" run, observe it as a city would (detectors on some links, a share of probe
vehicles, reported incidents, bin sensors, the plant's weighbridge, a census), calibrate from a
wrong starting point, and measure what comes back. Each kind has a sample share and a noise
(:data:`SAMPLE`, :data:`NOISE`); each draws from its own numpy Generator seeded by
``[seed, kind number]``, so the same run and seed give identical files and changing one kind's
settings leaves the others' draws alone.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from twin.errors import TwinInputError
from twin.observations.formats import FORMATS
from twin.observations.read import Reference, read_kind, read_observations, reference_of
from twin.reading import read_json, read_table
from twin.scenario.store import rerun_remedy, sha256_file, write_table
from twin.writing import atomic_folder, output_errors

SAMPLE: dict[str, float] = {"counts": 0.1, "travel_times": 0.05, "incidents": 1.0, "waste_fill": 0.2,
                            "weighbridge": 1.0, "population": 1.0}
"""Default share observed, 0..1: of the city's links (a detector each), of the run's trips (probe
vehicles), of incidents (reported), of bins (read), of plant days (weighed), of zones (counted)."""

NOISE: dict[str, float | str] = {"counts": "poisson", "travel_times": 0.1, "incidents": 50.0,
                                 "waste_fill": 0.05, "weighbridge": 0.02, "population": 0.01}
"""Default reporting noise: counts "poisson" or a relative standard deviation; travel times a
relative (log-normal) standard deviation; incidents the position error, metres (standard
deviation of each coordinate); bin fill an absolute standard deviation of the fraction;
weighbridge and population relative standard deviations. 0 observes the truth exactly."""


def parse_settings(texts: list[str] | None, option: str, defaults: dict) -> dict:
    """``KIND=VALUE[,KIND=VALUE...]`` options (repeatable) over ``defaults``; one line on a bad one."""
    settings = dict(defaults)
    for text in texts or []:
        for item in filter(None, (part.strip() for part in text.split(","))):
            kind, sep, value = item.partition("=")
            kind = kind.strip()
            if not sep or kind not in FORMATS:
                raise TwinInputError(f"{option} {item!r}: expected KIND=VALUE with KIND one of "
                                     f"{', '.join(FORMATS)}")
            settings[kind] = _value(kind, value.strip(), option)
    return settings


def _value(kind: str, text: str, option: str) -> float | str:
    if option == "--noise" and kind == "counts" and text == "poisson":
        return text
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    high = 1.0 if option == "--sample" or kind == "waste_fill" else 1e6
    if not 0.0 <= value <= high:
        extra = " or poisson" if option == "--noise" and kind == "counts" else ""
        raise TwinInputError(f"{option} {kind}={text}: expected a number 0..{high:g}{extra}")
    return value


def _chosen(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    """Sorted positions of ``round(share * n)`` of ``n`` items (at least one when share > 0)."""
    k = min(n, max(1, round(share * n))) if share > 0 else 0
    return np.sort(rng.choice(n, size=k, replace=False)) if k else np.empty(0, dtype=np.int64)


def _relative(rng: np.random.Generator, values: np.ndarray, sd: float) -> np.ndarray:
    """``values`` times (1 + sd * standard normal), not below zero (sd 0: ``values`` unchanged)."""
    return np.maximum(values * (1.0 + sd * rng.standard_normal(len(values))), 0.0) if sd else values


class _Run:
    """The tables of a run folder that observations are drawn from, in the observations' time
    frame (:meth:`Reference.recorded`: the warm-up days left out)."""

    def __init__(self, path: Path, ref: Reference, detectors: np.ndarray | None = None) -> None:
        self.path = path
        self.ref = ref
        self.detectors = detectors  # links with a detector (sorted), or None to draw them
        self.remedy = rerun_remedy(path)
        self.manifest = read_json(path / "manifest.json", what="run manifest", remedy=self.remedy,
                                  keys=("scenario",))

    def table(self, kind: str, name: str, columns: tuple[str, ...]) -> pd.DataFrame | None:
        path = self.path / kind / f"{name}.parquet"
        if not path.is_file():
            return None
        table = read_table(path, what="run table", remedy=self.remedy, columns=columns)
        return self.ref.recorded(name, table)


def _counts(run: _Run, ref: Reference, rng, share: float, noise) -> pd.DataFrame | str:
    series = run.table("timeseries", "link_timeseries", ("year", "time_s", "link", "flow_vph"))
    if series is None:
        return "the run has no timeseries/link_timeseries.parquet (no traffic module, or timeseries off)"
    interval = float(run.manifest["scenario"]["traffic"]["record_interval_min"]) * 60.0
    n_int = math.ceil(ref.period_s / interval - 1e-9)
    links = _chosen(rng, ref.n_links, share) if run.detectors is None else run.detectors
    years = np.arange(ref.years[0], ref.years[1] + 1)
    grid = np.zeros((len(years), n_int, ref.n_links))
    k = np.rint(series.time_s.to_numpy() / interval).astype(np.int64)
    keep = (series.link.to_numpy() < ref.n_links) & (k < n_int)
    y = series.year.to_numpy() - ref.start_year
    vehicles = series.flow_vph.to_numpy() * interval / 3600.0
    np.add.at(grid, (y[keep], k[keep], series.link.to_numpy()[keep]), vehicles[keep])
    counts = grid[:, :, links]  # year, interval, chosen link
    true = counts.reshape(-1)
    seen = rng.poisson(true).astype(np.float64) if noise == "poisson" else _relative(rng, true, float(noise))
    yy, kk, ll = np.meshgrid(years, np.arange(n_int), links, indexing="ij")
    start = kk.reshape(-1) * interval
    return pd.DataFrame({"link": ll.reshape(-1), "year": yy.reshape(-1), "start_s": start,
                         "end_s": np.minimum(start + interval, ref.period_s), "vehicles": seen})


def _travel_times(run: _Run, ref: Reference, rng, share: float, noise: float) -> pd.DataFrame | str:
    trips = run.table("timeseries", "trip_times", ("year", "depart_s", "travel_time_s"))
    if trips is None:
        return "the run has no timeseries/trip_times.parquet"
    if "destination" not in trips and "destination_zone" in trips and ref.zone_node is not None:
        # a run written before trip_times held the node each trip arrived at: the probe ends at
        # its zone's node
        zone = trips.destination_zone.to_numpy(np.int64)
        trips = trips[(zone >= 0) & (zone < len(ref.zone_node))]
        trips = trips.assign(destination=ref.zone_node[trips.destination_zone.to_numpy(np.int64)])
    if not {"origin", "destination"} <= set(trips.columns):
        return ("the run's trip_times has no origin and destination columns "
                "(this traffic module does not record them)")
    n_nodes = len(ref.node_x)
    trips = trips[(trips.origin < n_nodes) & (trips.destination < n_nodes)]
    probes = trips[rng.random(len(trips)) < share]
    sd = float(noise)
    factor = np.exp(sd * rng.standard_normal(len(probes)) - sd * sd / 2) if sd else 1.0
    return pd.DataFrame({"origin": probes.origin.to_numpy(np.int64),
                         "destination": probes.destination.to_numpy(np.int64),
                         "year": probes.year.to_numpy(np.int64),
                         "depart_h": probes.depart_s.to_numpy() / 3600.0,
                         "minutes": probes.travel_time_s.to_numpy() / 60.0 * factor, "source": "probe"})


def _incidents(run: _Run, ref: Reference, rng, share: float, noise: float) -> pd.DataFrame | str:
    table = run.table("state", "incidents", ("year", "time_s", "type", "x", "y", "zone", "response_s"))
    if table is None:
        return "the run has no state/incidents.parquet (no emergency module)"
    table = table[rng.random(len(table)) < share]
    n = len(table)
    frame = pd.DataFrame({"year": table.year.to_numpy(np.int64), "time_s": table.time_s.to_numpy(),
                          "x": table.x.to_numpy() + float(noise) * rng.standard_normal(n),
                          "y": table.y.to_numpy() + float(noise) * rng.standard_normal(n),
                          "zone": np.asarray(ref.zones, dtype=object)[table.zone.to_numpy()],
                          "type": table.type.astype(str).to_numpy(),
                          "response_min": table.response_s.to_numpy() / 60.0})
    if "on_scene_s" in table:
        frame["on_scene_min"] = table.on_scene_s.to_numpy() / 60.0
    # the phases the run records call by call (docs/emergency.md, "Phase model and sources")
    if "call_handling_s" in table:
        frame["call_handling_min"] = table.call_handling_s.to_numpy() / 60.0
    if "turnout_s" in table:
        frame["turnout_min"] = table.turnout_s.to_numpy() / 60.0
    if "arrival_kind" in table:
        frame["unit_kind"] = table.arrival_kind.astype(str).to_numpy()
    return frame


def _waste_fill(run: _Run, ref: Reference, rng, share: float, noise: float) -> pd.DataFrame | str:
    bins = run.table("state", "bins", ("bin", "stream", "capacity_l", "fill_l"))
    if bins is None:
        return "the run has no state/bins.parquet (no waste module)"
    bins = bins.sort_values("bin").iloc[_chosen(rng, len(bins), share)]
    fill = (bins.fill_l / bins.capacity_l).to_numpy()
    if noise:
        fill = fill + float(noise) * rng.standard_normal(len(fill))
    return pd.DataFrame({"bin": bins.bin.to_numpy(np.int64), "stream": bins.stream.astype(str).to_numpy(),
                         "year": ref.years[1], "time_s": ref.period_s, "fill": np.clip(fill, 0.0, 1.0)})


def _weighbridge(run: _Run, ref: Reference, rng, share: float, noise: float) -> pd.DataFrame | str:
    daily = run.table("timeseries", "waste_daily", ("year", "day", "stream", "collected_g"))
    if daily is None:
        return "the run has no timeseries/waste_daily.parquet (no waste module)"
    daily = daily.iloc[_chosen(rng, len(daily), share)]
    return pd.DataFrame({"year": daily.year.to_numpy(np.int64), "day": daily.day.to_numpy(np.int64),
                         "stream": daily.stream.astype(str).to_numpy(),
                         "tonnes": _relative(rng, daily.collected_g.to_numpy() / 1e6, float(noise))})


def _population(run: _Run, ref: Reference, rng, share: float, noise: float) -> pd.DataFrame | str:
    table = run.table("timeseries", "zone_population", ("year", "zone", "population", "households"))
    if table is None:
        return "the run has no timeseries/zone_population.parquet (no migration module)"
    zones = _chosen(rng, len(ref.zones), share)
    table = table[table.zone.isin(zones)].sort_values(["year", "zone"])
    sd = float(noise)
    frame = pd.DataFrame({"year": table.year.to_numpy(np.int64),
                          "zone": np.asarray(ref.zones, dtype=object)[table.zone.to_numpy()],
                          "residents": np.rint(_relative(rng, table.population.to_numpy(float), sd)),
                          "households": np.rint(_relative(rng, table.households.to_numpy(float), sd)),
                          "source": "census"}).astype({"residents": np.int64, "households": np.int64})
    if "movers_in" in table:  # households that moved in during the year (the registry's movers)
        frame["movers"] = np.rint(_relative(rng, table.movers_in.to_numpy(float), sd)).astype(np.int64)
    return frame


DRAW = {"counts": _counts, "travel_times": _travel_times, "incidents": _incidents,
        "waste_fill": _waste_fill, "weighbridge": _weighbridge, "population": _population}
"""The sampler of each kind: (run, reference, Generator, share, noise) -> table, or why none."""


def observe(run: str | Path, out: str | Path, *, sample: dict | None = None, noise: dict | None = None,
            seed: int = 0, force: bool = False,
            detectors: str | Path | None = None, file_format: str = "csv") -> dict[str, pd.DataFrame]:
    """Write synthetic observations of the run folder ``run`` into the folder ``out`` (atomically).

    ``detectors`` is a counts file (a real city's, say): counts are then observed on its links
    instead of on a drawn share of the links. ``file_format`` is "csv" or "parquet" (the faster
    for millions of rows).

    Returns the tables written by kind. A kind the run cannot give (its module did not run) is
    skipped with a warning and listed in ``out/observe.json``, beside the settings.
    """
    run_path, out = Path(run), Path(out)
    sample = {**SAMPLE, **(sample or {})}
    noise = {**NOISE, **(noise or {})}
    if not (run_path / "manifest.json").is_file():
        raise TwinInputError(f"{run_path}: not a run folder (no manifest.json); make one with `twin run`")
    ref = reference_of(run_path)
    links = None
    if detectors is not None:
        links = np.unique(read_kind(detectors, "counts", ref)["link"].to_numpy())
    source = _Run(run_path, ref, links)
    tables: dict[str, pd.DataFrame] = {}
    skipped: dict[str, str] = {}
    for number, kind in enumerate(FORMATS):
        rng = np.random.default_rng([seed, number])
        if sample[kind] == 0:
            skipped[kind] = "sample 0"
            continue
        got = DRAW[kind](source, ref, rng, sample[kind], noise[kind])
        if isinstance(got, str) or got.empty:
            skipped[kind] = got if isinstance(got, str) else "nothing to observe"
            warnings.warn(f"{run_path}: no {kind} observations: {skipped[kind]}", stacklevel=2)
            continue
        tables[kind] = got
    if not tables:
        raise TwinInputError(f"{run_path}: nothing to observe (" + "; ".join(f"{k}: {v}" for k, v in
                                                                              skipped.items()) + ")")
    settings = {"run": str(run_path), "run_manifest_sha256": sha256_file(run_path / "manifest.json"),
                "seed": seed, "sample": sample, "noise": noise, "skipped": skipped,
                "detectors": None if detectors is None else str(detectors),
                "rows": {k: len(v) for k, v in tables.items()}}
    with atomic_folder(out, force=force, what="twin observe", protect=(run_path,)) as tmp:
        with output_errors(out):
            for kind, table in tables.items():
                if file_format == "parquet":
                    write_table(table, tmp / f"{kind}.parquet")
                else:
                    table.to_csv(tmp / f"{kind}.csv", index=False)
            (tmp / "observe.json").write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
        read_observations(tmp, ref)  # what we write reads back
    return tables
