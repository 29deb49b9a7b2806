"""Make the gallery of docs/viz.md: run the gallery's scenarios, then draw every picture with
``twin view``.

    .venv/bin/python scripts/make_gallery.py                  # Hezhou, one day per run (minutes)
    .venv/bin/python scripts/make_gallery.py --city testville --out /tmp/gallery   # seconds

The runs are the repository's scenarios shortened to one year of one operating day (written as
small ``extends`` files next to the runs): for Hezhou the baseline and the Central Bridge
closure (closed bridge, North Bridge capacity x1.5); for Testville the quick scenario and a
policy on it (the bridge's capacity halved, an ambulance station added, a surge with a hazard
circle). They go to ``--runs`` (default ``runs/gallery-CITY``, not committed) and are reused
when present (``--rerun`` makes them again). Every picture is the command printed beside it,
then stored as a 256-colour palette PNG (:func:`viz.export.palette_png`) so each stays under
300 kB; the GIF is ``twin view --mp4 FILE.gif`` at a small size.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SHORT = "horizon_years = 1\nperiod_days = {days}\nwarmup_days = {warmup}\n"
"""What the gallery changes in the repository's scenarios: one year of one operating day."""

CITIES = {
    "hezhou": {
        "base": ("scenarios/hezhou_baseline.toml", "", ""),
        "policy": ("scenarios/hezhou_central_bridge_closure.toml", "", ""),
        "days": 1.0, "warmup": 1, "bridge": "Central Bridge", "size": (1400, 860),
    },
    "testville": {
        "base": ("scenarios/testville_quick.toml", "", ""),
        "policy": ("scenarios/testville_quick.toml", "testville_policy",
                   '[traffic]\ncapacity_factor = { "Test Bridge" = 0.5 }\n'
                   '[emergency]\nstations = [{ name = "North EMS", unit_kind = "ambulance", '
                   'x = 300.0, y = 500.0 }]\n'
                   '[[emergency.surge]]\nstart_h = 1.0\nend_h = 4.0\ncircle = [0.0, 0.0, 400.0]\n'),
        "days": 0.25, "warmup": 0, "bridge": "Test Bridge", "size": (1000, 620),
    },
}
"""Per city: the base and policy runs (scenario file, new name or "", TOML tables it adds), the
operating day and warm-up days, the bridge to frame, the picture size."""


def make_runs(city: str, folder: Path, rerun: bool) -> tuple[Path, Path]:
    """The base and policy run folders of ``city`` under ``folder`` (made when absent)."""
    from twin import load_scenario
    from twin.scenario import run

    spec = CITIES[city]
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for side in ("base", "policy"):
        scenario, name, tables = spec[side]
        path = folder / f"{side}.toml"
        path.write_text(f'extends = "{(ROOT / scenario).as_posix()}"\n[scenario]\n'
                        + (f'name = "{name}"\n' if name else "")
                        + SHORT.format(days=spec["days"], warmup=spec["warmup"]) + tables)
        target = folder / side
        if rerun or not (target / "manifest.json").is_file():
            run(load_scenario(path), target, force=True, progress=False, picture=False)
        out.append(target)
    return out[0], out[1]


def pictures(city: str, base: Path, policy: Path) -> list[tuple[str, list[str], str]]:
    """(file, ``twin view`` arguments, caption) of every gallery picture."""
    from viz.layers import RunTables, busiest_time, clock

    spec = CITIES[city]
    w, h = spec["size"]
    one, two = f"{w}x{h}", f"{w}x{round(h * 0.62)}"
    peak = clock(busiest_time(RunTables(base)) % 86400.0)  # a time of day: the recorded day's
    b, p = str(base), str(policy)
    return [
        ("city.png", [b, "--size", one],
         "The city: buildings by use, roads by class, facilities; the camera frames the built-up area."),
        ("traffic_peak.png", [b, "--layer", "traffic", "--time", peak, "--size", one],
         f"Traffic at the base run's peak ({peak}): red at the run's own slowest quarter of "
         "loaded link intervals, so a normal peak shows."),
        ("traffic_side_by_side.png", [p, b, "--layer", "traffic", "--time", peak, "--size", two],
         "The policy (A) and the base (B) side by side at the same hour, one colour scale; "
         "what the policy changed in A's title and on its map."),
        ("traffic_difference.png", [p, b, "--layer", "traffic", "--time", peak, "--diff",
                                    "--size", one],
         "A minus B at the peak: blue where the policy is better, red where worse; the "
         "policy's roads, stations and hazard areas drawn."),
        ("bridge_focus.png", [p, b, "--layer", "traffic", "--time", peak, "--diff",
                              "--focus", spec["bridge"], "--size", f"{w * 3 // 4}x{h * 3 // 4}"],
         f"The same difference framed on {spec['bridge']} (--focus): buildings read as buildings."),
        ("emergency.png", [b, "--layer", "emergency", "--size", one],
         "Emergency over the day: mean response time by zone on the ground and as columns."),
        ("waste.png", [b, "--layer", "waste", "--time", "12:00", "--size", one],
         "Waste bins by fill level, trucks at noon."),
        ("traffic_day.gif", [b, "--layer", "traffic", "--mp4", "GIF", "--size", "480x300",
                             "--fps", "3", "--every", "60"],
         "The base run's day, hour by hour, as a GIF in the legend's colours (one palette for "
         "every frame)."),
    ]


def draw(items: list[tuple[str, list[str], str]], out: Path) -> list[tuple[str, str, int]]:
    """Run each ``twin view`` and store its picture in ``out`` (palette PNGs); returns
    (file, command, bytes)."""
    import imageio.v2 as imageio

    from twin.cli import main
    from viz.export import palette_png

    out.mkdir(parents=True, exist_ok=True)
    made = []
    with tempfile.TemporaryDirectory(prefix="twin-gallery-") as tmp:
        for name, args, _ in items:
            target = out / name
            if name.endswith(".gif"):
                shown = [name if a == "GIF" else a for a in args]
                argv = ["view", *[str(target) if a == "GIF" else a for a in args]]
            else:
                shown = [*args, "--png", name]
                argv = ["view", *args, "--png", str(Path(tmp) / name)]
            if main(argv) != 0:
                raise SystemExit(f"make_gallery: twin {' '.join(argv)} failed")
            if not name.endswith(".gif"):
                target.write_bytes(palette_png(imageio.imread(Path(tmp) / name)))
            command = shlex.join(["twin", "view", *shown])
            made.append((name, command, target.stat().st_size))
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--city", choices=sorted(CITIES), default="hezhou")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "gallery",
                        help="where the pictures go (default docs/gallery)")
    parser.add_argument("--runs", type=Path, help="run folders (default runs/gallery-CITY)")
    parser.add_argument("--rerun", action="store_true", help="make the runs again")
    args = parser.parse_args(argv)
    os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")
    runs = args.runs or ROOT / "runs" / f"gallery-{args.city}"
    base, policy = make_runs(args.city, runs, args.rerun)
    items = pictures(args.city, base, policy)
    made = draw(items, args.out)
    total = sum(size for _, _, size in made)
    for (name, command, size), (_, _, caption) in zip(made, items, strict=True):
        print(f"{name:28s} {size / 1e3:6.0f} kB  {command}\n{'':37s}{caption}")
    print(f"gallery: {len(made)} pictures, {total / 1e6:.2f} MB in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
