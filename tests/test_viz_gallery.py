"""The gallery of docs/viz.md: scripts/make_gallery.py makes every picture from runs it makes
itself (here on Testville, in seconds), each small; docs/viz.md shows only pictures that exist."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent


def load_script():
    spec = importlib.util.spec_from_file_location("make_gallery", ROOT / "scripts" / "make_gallery.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gallery_script_makes_every_picture_small(tmp_path, capsys):
    gallery = load_script()
    out = tmp_path / "gallery"
    assert gallery.main(["--city", "testville", "--out", str(out), "--runs", str(tmp_path / "runs")]) == 0
    names = [name for name, _, _ in gallery.pictures("testville", tmp_path / "runs" / "base",
                                                     tmp_path / "runs" / "policy")]
    assert sorted(p.name for p in out.iterdir()) == sorted(names)
    sizes = {p.name: p.stat().st_size for p in out.iterdir()}
    assert max(sizes.values()) < 300_000 and sum(sizes.values()) < 3_000_000
    for name in names:
        with Image.open(out / name) as picture:
            assert picture.size[0] >= 480
    assert "gallery: 8 pictures" in capsys.readouterr().out


def test_docs_show_only_pictures_that_exist():
    text = (ROOT / "docs" / "viz.md").read_text()
    pictures = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", text)
    assert pictures, "docs/viz.md shows no picture"
    missing = [p for p in pictures if not (ROOT / "docs" / p).is_file()]
    assert not missing, missing
    gallery = sorted(p.name for p in (ROOT / "docs" / "gallery").iterdir())
    assert sorted(Path(p).name for p in pictures if p.startswith("gallery/")) == gallery
    sizes = [(ROOT / "docs" / "gallery" / name).stat().st_size for name in gallery]
    assert max(sizes) < 300_000 and sum(sizes) < 3_000_000
