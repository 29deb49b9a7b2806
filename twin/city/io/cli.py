"""``twin city import`` and ``twin city export``: bring a real city in, send a city out."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from twin.cli_types import finite_float
from twin.errors import TwinInputError


def _cmd_import(args: argparse.Namespace) -> int:
    from twin.city.io.folder import save_city_folder
    from twin.city.io.importer import import_osm
    from twin.writing import check_target

    check_target(Path(args.out), args.force)  # refuse before the (long) import, not after
    city, report = import_osm(
        args.osm_file, zones=args.zones, facilities=args.facilities,
        bbox=tuple(args.bbox) if args.bbox else None, name=args.name, time_step_s=args.time_step,
        grid_m=args.grid, crs=args.crs)
    save_city_folder(city, args.out, force=args.force, crs_wkt=report.crs_wkt, report=report.to_dict())
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print("\n".join(report.lines()))
        print(f"city folder: {args.out}  (use it with `city = \"{args.out}\"` in a scenario)")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from twin.city import load_city
    from twin.city.io.export import export_geojson, export_matsim, export_sumo
    from twin.city.io.folder import read_city_header
    from twin.writing import output_errors

    if not (args.geojson or args.sumo or args.matsim):
        raise TwinInputError("twin city export: give at least one of --geojson DIR, --sumo PREFIX, "
                             "--matsim FILE")
    city = load_city(args.city)
    crs_wkt = read_city_header(args.city).get("crs_wkt") if Path(args.city).is_dir() else None
    if args.geojson:
        with output_errors(args.geojson):
            out = export_geojson(city, args.geojson, crs_wkt=crs_wkt, force=args.force)
        where = "WGS84 lon/lat" if crs_wkt else "local metres (the city has no projection)"
        print(f"GeoJSON ({where}): {out}/")
    if args.sumo:
        with output_errors(args.sumo):
            nod, edg = export_sumo(city, args.sumo)
        print(f"SUMO plain XML: {nod} {edg}")
    if args.matsim:
        with output_errors(args.matsim):
            print(f"MATSim network: {export_matsim(city, args.matsim)}")
    return 0


def register_city_commands(city_subparsers) -> None:
    """Add ``import`` and ``export`` to the ``twin city`` command group."""
    p = city_subparsers.add_parser("import", help="build a city folder from an OpenStreetMap extract")
    p.add_argument("osm_file", metavar="OSM_FILE", help=".osm.pbf or OSM XML (.osm, .osm.bz2)")
    p.add_argument("--out", required=True, metavar="CITY_DIR", help="city folder to write")
    p.add_argument("--zones", metavar="ZONES.geojson", help="zone polygons (WGS84) with population, jobs")
    p.add_argument("--facilities", metavar="FACILITIES.geojson",
                   help="points with a 'kind' property, added to the facilities found in OSM")
    p.add_argument("--bbox", nargs=4, type=finite_float(low=-180, high=180),
                   metavar=("WEST", "SOUTH", "EAST", "NORTH"),
                   help="cut the extract to this box (degrees)")
    p.add_argument("--name", help="city name (default: the file name)")
    p.add_argument("--time-step", type=finite_float(above=0, high=60), default=2.0, metavar="S",
                   help="traffic time step; shorter links are contracted (default 2 s)")
    p.add_argument("--grid", type=finite_float(low=50, high=100_000), default=1000.0, metavar="M",
                   help="zone grid cell size without --zones, 50 to 100,000 m (default 1000 m)")
    p.add_argument("--crs", help="projection (pyproj string, e.g. EPSG:32650; default: local equidistant)")
    p.add_argument("--force", action="store_true", help="replace an existing CITY_DIR")
    p.add_argument("--json", action="store_true", help="print the import report as JSON")
    p.set_defaults(func=_cmd_import)

    p = city_subparsers.add_parser("export", help="write a city as GeoJSON, SUMO plain XML, MATSim")
    p.add_argument("city", metavar="CITY", help="seed name, seed file or city folder")
    p.add_argument("--geojson", metavar="DIR", help="folder of GeoJSON layers")
    p.add_argument("--sumo", metavar="PREFIX", help="write PREFIX.nod.xml and PREFIX.edg.xml")
    p.add_argument("--matsim", metavar="FILE", help="MATSim network.xml")
    p.add_argument("--force", action="store_true", help="replace an existing --geojson folder")
    p.set_defaults(func=_cmd_export)
