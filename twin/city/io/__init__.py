"""Real cities in and out: OpenStreetMap import, saved city folders, GIS and peer-tool export.

- :func:`import_osm` reads an OSM extract with pyrosm (XML via pyosmium), projects it to metres
  with pyproj, cleans the road network (:mod:`~twin.city.io.cleaning`), makes zones from GeoJSON
  polygons or a grid (:mod:`~twin.city.io.zoning`) and returns a City with an ImportReport.
- :func:`save_city_folder` / :func:`load_city_folder`: the folder a scenario names with
  ``city = "path/to/CITY_DIR"`` (NPZ arrays + a JSON header; exact round trip).
- :mod:`~twin.city.io.export`: GeoJSON layers, SUMO plain XML, MATSim network.

pyrosm, pyosmium and pyproj (the ``osm`` extra) are imported only when importing or exporting
to WGS84; reading a saved city folder needs numpy only.
"""

from twin._lazy import export_lazily

export_lazily(__name__, {
    "twin.city.io.cli": ("register_city_commands",),
    "twin.city.io.export": ("export_geojson", "export_matsim", "export_sumo", "geojson_layers"),
    "twin.city.io.folder": ("load_city_folder", "read_city_header", "save_city_folder"),
    "twin.city.io.importer": ("ImportReport", "import_osm"),  # need the osm extra (pyrosm, shapely)
})

__all__ = [
    "ImportReport", "export_geojson", "export_matsim", "export_sumo", "geojson_layers", "import_osm",
    "load_city_folder", "read_city_header", "register_city_commands", "save_city_folder",
]
