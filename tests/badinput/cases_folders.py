"""Rows for damaged project folders: run folders, sweep folders and city folders.

A run, a sweep and a city folder are made once per process (in a temporary folder) and copied
into each case's folder, where one file is damaged: truncated, emptied, replaced by text, or a
valid file of the wrong shape. Every reader must answer with one line that names the damaged file
and says what to do, and must change nothing.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from badinput import ROOT, Case

RUN_SCENARIO = """[scenario]
name = "folders"
city = "testville"
seed = 2
horizon_years = 1
period_days = 0.05

[output]
picture = false

[access]
threshold_min = 5.0

[migration]
"""

SWEEP_SPEC = f"""[sweep]
name = "tiny"
base = "{ROOT / 'scenarios' / 'sweep_testville_base.toml'}"
design = "latin_hypercube"
samples = 2
replicates = 1

[[levers]]
key = "access.threshold_min"
low = 1.0
high = 5.0
"""

_BUILT: dict[str, Path] = {}


def _built(kind: str) -> Path:
    """A run, sweep or city folder made on first use in this process (copy it, never change it)."""
    if kind not in _BUILT:
        base = Path(tempfile.mkdtemp(prefix="twin-badinput-"))
        atexit.register(shutil.rmtree, base, True)
        if kind == "run":
            from twin.scenario import run

            (base / "s.toml").write_text(RUN_SCENARIO)
            run(base / "s.toml", base / "run", picture=False)
        elif kind == "sweep":
            from twin.sweep import sweep

            (base / "tiny.toml").write_text(SWEEP_SPEC)
            sweep(base / "tiny.toml", base / "sweep", workers=0)
        else:
            from twin.city import City
            from twin.city.io import save_city_folder

            save_city_folder(City.from_seed("testville"), base / "city")
        _BUILT[kind] = base / kind
    return _BUILT[kind]


def truncate(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _damaged(kind: str, name: str, damage: Callable[[bytes], bytes], *,
             copies: tuple[str, ...] = ()) -> Callable[[Path], None]:
    """Set-up: copy the ``kind`` folder to the case folder as ``kind`` (and ``copies``), then
    damage its file ``name`` (a path inside it) with ``damage``."""

    def setup(folder: Path) -> None:
        for target in (kind, *copies):
            shutil.copytree(_built(kind), folder / target)
        path = folder / kind / name
        path.write_bytes(damage(path.read_bytes()))

    return setup


def _copied(kind: str) -> Callable[[Path], None]:
    """Set-up: copy the ``kind`` folder, intact, to the case folder as ``kind``."""
    return lambda folder: shutil.copytree(_built(kind), folder / kind)


def _text(text: str) -> Callable[[bytes], bytes]:
    return lambda _: text.encode()


def _wrong_table(_: bytes) -> bytes:
    import io

    import pandas as pd

    buffer = io.BytesIO()
    pd.DataFrame({"a": [1, 2]}).to_parquet(buffer, index=False)
    return buffer.getvalue()


def _without(key: str) -> Callable[[bytes], bytes]:
    def drop(data: bytes) -> bytes:
        doc = json.loads(data)
        doc.pop(key)
        return json.dumps(doc).encode()

    return drop


COMPARE = ("compare", "run", "good")
VIEW = ("view", "run", "--png", "x.png")
RERUN = "rerun its scenario with `twin run SCENARIO --out"
RESUME = "--resume"

CASES = [
    # run folders: twin compare reads every table of a run (RunResult.load)
    Case("folders-run-manifest-truncated", COMPARE, "manifest.json: damaged run manifest",
         setup=_damaged("run", "manifest.json", truncate, copies=("good",))),
    Case("folders-run-manifest-not-object", COMPARE, "manifest.json: damaged run manifest (expected a JSON",
         setup=_damaged("run", "manifest.json", _text("[1, 2]"), copies=("good",))),
    Case("folders-run-manifest-binary", COMPARE, "manifest.json: damaged run manifest",
         setup=_damaged("run", "manifest.json", lambda _: b"\xff\xfe\x00garbage", copies=("good",))),
    Case("folders-run-indicators-truncated", COMPARE, "indicators.parquet: damaged run indicator table",
         setup=_damaged("run", "indicators.parquet", truncate, copies=("good",))),
    Case("folders-run-indicators-empty", COMPARE, RERUN,
         setup=_damaged("run", "indicators.parquet", lambda _: b"", copies=("good",))),
    Case("folders-run-indicators-wrong-columns", COMPARE, "damaged run indicator table (no column year",
         setup=_damaged("run", "indicators.parquet", _wrong_table, copies=("good",))),
    Case("folders-run-state-truncated", COMPARE, "state/zone_access.parquet: damaged run table",
         setup=_damaged("run", "state/zone_access.parquet", truncate, copies=("good",))),
    Case("folders-run-timeseries-text", COMPARE, "timeseries/zone_population.parquet: damaged run table",
         setup=_damaged("run", "timeseries/zone_population.parquet", _text("year,zone\n"),
                        copies=("good",))),
    # twin view reads the manifest, then the layer's tables
    Case("folders-view-manifest-truncated", VIEW, "manifest.json: damaged run manifest",
         setup=_damaged("run", "manifest.json", truncate)),
    Case("folders-view-layer-table-truncated", (*VIEW, "--layer", "population"),
         "timeseries/zone_population.parquet: damaged run table",
         setup=_damaged("run", "timeseries/zone_population.parquet", truncate)),
    Case("folders-view-year-outside-the-run", (*VIEW, "--year", "1900"),
         "--year 1900: the run holds year(s) 2025", setup=_copied("run")),
    # sweep folders: twin analyze, twin compare of points, twin sweep --resume
    Case("folders-sweep-json-truncated", ("analyze", "sweep"), "sweep.json: damaged sweep manifest",
         setup=_damaged("sweep", "sweep.json", truncate)),
    Case("folders-sweep-json-lacks-keys", ("analyze", "sweep"),
         "sweep.json: damaged sweep manifest (no key digest",
         setup=_damaged("sweep", "sweep.json", _without("digest"))),
    Case("folders-sweep-results-truncated", ("analyze", "sweep"),
         "results.parquet: damaged sweep results table",
         setup=_damaged("sweep", "results.parquet", truncate)),
    Case("folders-sweep-results-wrong-columns", ("compare", "sweep@0", "sweep@1"),
         "results.parquet: damaged sweep results table (no column",
         setup=_damaged("sweep", "results.parquet", _wrong_table)),
    Case("folders-sweep-design-truncated", ("analyze", "sweep"), "design.parquet: damaged sweep design",
         setup=_damaged("sweep", "design.parquet", truncate)),
    Case("folders-sweep-compare-json", ("compare", "sweep@0", "sweep@1"),
         "sweep.json: damaged sweep manifest", setup=_damaged("sweep", "sweep.json", _text("{"))),
    Case("folders-sweep-resume-run-file-truncated",
         ("sweep", "tiny.toml", "--out", "sweep", "--resume", "--workers", "0", "--quiet"),
         "runs/p000000-r0000.parquet: damaged sweep run file",
         files={"tiny.toml": SWEEP_SPEC},
         setup=_damaged("sweep", "runs/p000000-r0000.parquet", truncate)),
    Case("folders-sweep-resume-json-broken",
         ("sweep", "tiny.toml", "--out", "sweep", "--resume", "--workers", "0", "--quiet"),
         "sweep.json: damaged sweep manifest", files={"tiny.toml": SWEEP_SPEC},
         setup=_damaged("sweep", "sweep.json", _text("not json"))),
    # city folders: twin city info, and twin run on a scenario whose city is the folder
    Case("folders-city-arrays-truncated", ("city", "info", "city"), "arrays.npz: damaged city arrays",
         setup=_damaged("city", "arrays.npz", truncate)),
    Case("folders-city-arrays-empty", ("city", "info", "city"), "twin city import OSM_FILE --out",
         setup=_damaged("city", "arrays.npz", lambda _: b"")),
    Case("folders-city-header-truncated", ("city", "info", "city"), "city.json: damaged city header",
         setup=_damaged("city", "city.json", truncate)),
    Case("folders-city-header-lacks-names", ("city", "info", "city"),
         "city.json: damaged city header (no key names",
         setup=_damaged("city", "city.json", _without("names"))),
    Case("folders-run-on-damaged-city", ("run", "s.toml", "--out", "out", "--quiet", "--no-picture"),
         "arrays.npz: damaged city arrays",
         files={"s.toml": RUN_SCENARIO.replace('city = "testville"', 'city = "city"')},
         setup=_damaged("city", "arrays.npz", truncate)),
]
