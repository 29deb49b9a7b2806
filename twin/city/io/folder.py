"""The saved city folder: every array of a City in one NPZ file, names and metadata in JSON.

Layout::

    city.json     format and version, name, label, source hash, projection (WKT or null),
                  the string tuples (road, district and zone names ...), the river, the
                  named bus lines, and the import report when the city came from
                  ``twin city import``
    arrays.npz    one array per field, named ``<part>.<field>`` (``network.link_length_m``,
                  ``buildings.footprint_xy`` ...), stored with its exact dtype

Saving then loading gives a City whose arrays are equal, dtype and bits, to the original's.
The folder is written atomically (a hidden sibling folder renamed into place), so a failed
save leaves nothing behind.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np

from twin.city.buildings import Buildings
from twin.city.city import City, River
from twin.city.facilities import Facilities
from twin.city.network import RoadNetwork
from twin.city.seedfile import BusLineSpec
from twin.city.zones import Districts, Zones
from twin.config import parse, to_dict
from twin.errors import CityError, TwinInputError
from twin.reading import damaged, read_json, read_project_file
from twin.writing import atomic_folder, output_errors

FORMAT = "citytwin-city"
VERSION = 1
HEADER = "city.json"
ARRAYS = "arrays.npz"
PARTS: dict[str, type] = {"network": RoadNetwork, "districts": Districts, "zones": Zones,
                          "buildings": Buildings, "facilities": Facilities}
"""City attribute -> the frozen dataclass stored under that prefix."""


def city_arrays(city: City) -> tuple[dict[str, np.ndarray], dict[str, list[str]]]:
    """Every array field (``part.field`` -> array) and every string tuple field of a City."""
    arrays: dict[str, np.ndarray] = {}
    names: dict[str, list[str]] = {}
    for part in PARTS:
        obj = getattr(city, part)
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            key = f"{part}.{f.name}"
            if isinstance(value, np.ndarray):
                arrays[key] = value
            elif isinstance(value, tuple):
                names[key] = [str(v) for v in value]
            else:
                raise CityError(f"city folder: cannot store {key} of type {type(value).__name__}")
    if city.river is not None:
        arrays["river.polyline"] = city.river.polyline
    return arrays, names


def save_city_folder(city: City, out: str | Path, *, force: bool = False, crs_wkt: str | None = None,
                     report: dict[str, Any] | None = None) -> Path:
    """Write ``city`` to the folder ``out`` (refused if it exists unless ``force``)."""
    out = Path(out)
    arrays, names = city_arrays(city)
    header = {
        "format": FORMAT, "version": VERSION, "name": city.name, "label": city.label,
        "source_hash": city.source_hash, "crs_wkt": crs_wkt, "names": names,
        "river": None if city.river is None else {"name": city.river.name,
                                                  "width_m": city.river.width_m},
        "bus_lines": [to_dict(line) for line in city.bus_lines],
        "arrays": {k: {"dtype": str(v.dtype), "shape": list(v.shape)} for k, v in arrays.items()},
        "import_report": report,
    }
    with atomic_folder(out, force=force, what="twin city writer") as tmp, output_errors(out):
        np.savez(tmp / ARRAYS, **arrays)
        (tmp / HEADER).write_text(json.dumps(header, indent=1, ensure_ascii=False), encoding="utf-8")
    return out


def read_city_header(path: str | Path) -> dict[str, Any]:
    """The JSON header of a city folder, checked for format and version."""
    path = Path(path)
    header_path = path / HEADER
    if not header_path.is_file():
        raise TwinInputError(f"{path}: not a city folder (no {HEADER}; make one with `twin city import`)")
    header = read_json(header_path, what="city header", remedy=_remedy(path))
    if header.get("format") != FORMAT:
        raise TwinInputError(f"{header_path}: not a CityTwin city header (format must be {FORMAT!r})")
    if header.get("version") != VERSION:
        raise TwinInputError(
            f"{header_path}: city folder version {header.get('version')!r}; this CityTwin reads {VERSION}")
    missing = [k for k in ("name", "label", "names") if k not in header]
    if missing or not isinstance(header["names"], dict):
        raise damaged(header_path, "city header", f"no key {', '.join(missing or ['names'])}", _remedy(path))
    return header


def _remedy(path: Path) -> str:
    """What to do about a damaged city folder (for :func:`twin.reading.damaged`)."""
    return f"import the city again with `twin city import OSM_FILE --out {path} --force`"


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


def load_city_folder(path: str | Path) -> City:
    """Read a folder written by :func:`save_city_folder` (or ``twin city import``)."""
    path = Path(path)
    header = read_city_header(path)
    arrays = read_project_file(path / ARRAYS, _read_arrays, what="city arrays", remedy=_remedy(path))
    names = header["names"]
    parts = {}
    for part, cls in PARTS.items():
        values = {}
        for f in dataclasses.fields(cls):
            key = f"{part}.{f.name}"
            if key in arrays:
                arr = arrays[key]
                arr.flags.writeable = False
                values[f.name] = arr
            elif key in names:
                values[f.name] = tuple(names[key])
            else:
                raise damaged(path / ARRAYS, "city arrays", f"no array {key}", _remedy(path))
        parts[part] = cls(**values)
    river, about = None, header.get("river")
    if about is not None:
        if not isinstance(about, dict) or not {"name", "width_m"} <= about.keys() \
                or "river.polyline" not in arrays:
            raise damaged(path, "city folder", "its river is incomplete", _remedy(path))
        river = River(about["name"], arrays["river.polyline"], about["width_m"])
    lines = header.get("bus_lines", [])
    if not isinstance(lines, list):
        raise damaged(path / HEADER, "city header", "bus_lines is not a list", _remedy(path))
    bus_lines = tuple(parse(BusLineSpec, line, source=str(path / HEADER), key=f"bus_lines.{k}")
                      for k, line in enumerate(lines))
    return City(name=header["name"], label=header["label"], river=river,
                source_hash=header.get("source_hash", ""), bus_lines=bus_lines, **parts)
