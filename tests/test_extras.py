"""A missing optional extra is one line naming the command and the extra (exit 2), never a traceback.

The extras are installed here, so each test hides one package for its duration: ``sys.modules[name]
= None`` makes Python's import fail exactly as if the package were not installed.
"""

from __future__ import annotations

import sys

import pytest

from twin.cli import main
from twin.errors import TwinInputError
from twin.extras import require_extra

HINT = "(or run ./scripts/setup.sh)"


def test_an_installed_module_is_returned():
    import json

    assert require_extra("json", "test", "this test") is json


def test_a_missing_module_names_the_command_the_extra_and_the_cure(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyrosm", None)
    with pytest.raises(TwinInputError) as err:
        require_extra("pyrosm", "osm", "twin city import")
    message = str(err.value)
    assert message == ("twin city import needs the 'osm' extra (module 'pyrosm' is not installed): "
                       "pip install -e '.[osm]' (or run ./scripts/setup.sh)")


def test_a_module_that_does_not_load_says_why_on_one_line(monkeypatch, tmp_path):
    (tmp_path / "twin_fake_extra.py").write_text(
        'raise ImportError("libatomic.so.1: cannot open shared object file:\\nNo such file")\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(TwinInputError) as err:
        require_extra("twin_fake_extra", "peers", "twin something")
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("twin something needs the 'peers' extra (module 'twin_fake_extra' does not "
                              "load: libatomic.so.1: cannot open shared object file: No such file)")


def test_city_import_without_pyrosm_is_one_line_and_exit_2(monkeypatch, tmp_path, capsys):
    pytest.importorskip("shapely")  # the module-level part of the osm extra, hidden in the next test
    pbf = tmp_path / "city.osm.pbf"
    pbf.write_bytes(b"not read: the missing reader is reported first")
    monkeypatch.setitem(sys.modules, "pyrosm", None)
    assert main(["city", "import", str(pbf), "--out", str(tmp_path / "city")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("twin: error: twin city import needs the 'osm' extra (module 'pyrosm'")
    assert HINT in err
    assert not (tmp_path / "city").exists()


def test_city_import_without_shapely_is_one_line_and_exit_2(monkeypatch, tmp_path, capsys):
    """shapely is imported when the importer's modules load, before any file is read."""
    for name in ("importer", "zoning", "zones_geojson", "osm"):
        monkeypatch.delitem(sys.modules, f"twin.city.io.{name}", raising=False)  # restored afterwards
    monkeypatch.setitem(sys.modules, "shapely", None)
    pbf = tmp_path / "city.osm.pbf"
    pbf.write_bytes(b"")
    assert main(["city", "import", str(pbf), "--out", str(tmp_path / "city")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("twin: error: twin city import needs the 'osm' extra (module 'shapely'")


def test_present_without_trame_names_the_html_extra(monkeypatch, tmp_path):
    from viz.present import serve

    monkeypatch.setitem(sys.modules, "trame_pyvista", None)
    with pytest.raises(TwinInputError, match=r"^twin present needs the 'html' extra .*\.\[html\]"):
        serve([tmp_path])
