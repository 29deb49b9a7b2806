"""Open the city a scenario or a command names: a seed name, a seed TOML file, or a city folder."""

from __future__ import annotations

from pathlib import Path

from twin.city.city import City


def load_city(spec: str, scenario_source: str = "") -> City:
    """The city ``spec`` names: a seed name, a seed TOML path, or a saved city folder.

    A relative path that does not exist from the working folder is looked up beside
    ``scenario_source`` (the scenario file that names it).
    """
    path = Path(spec)
    if not path.is_absolute() and scenario_source and not path.exists():
        candidate = Path(scenario_source).parent / spec
        if candidate.exists():
            path = candidate
    if path.is_dir():
        from twin.city import io as city_io  # saved city folders (written by `twin city import`)

        return city_io.load_city_folder(path)
    return City.from_seed(path if path.suffix == ".toml" else spec)
