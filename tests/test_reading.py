"""twin.reading: a damaged project file is one line naming it, the reason and the remedy."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from twin.errors import TwinInputError
from twin.reading import REASON_CHARS, read_json, read_project_file, read_table


def message(call) -> str:
    with pytest.raises(TwinInputError) as err:
        call()
    text = str(err.value)
    assert "\n" not in text
    return text


def test_a_good_file_is_read(tmp_path):
    (tmp_path / "m.json").write_text(json.dumps({"a": 1, "b": [2]}))
    data = read_json(tmp_path / "m.json", what="manifest", remedy="redo", keys=("a", "b"))
    assert data == {"a": 1, "b": [2]}
    pd.DataFrame({"x": [1, 2], "y": [3.0, 4.0]}).to_parquet(tmp_path / "t.parquet")
    table = read_table(tmp_path / "t.parquet", what="table", remedy="redo", columns=("x",), read=("x",))
    assert list(table.columns) == ["x"] and table.x.tolist() == [1, 2]


@pytest.mark.parametrize(("content", "kind", "keys", "reason"), [
    (b'{"a": 1', dict, (), "Expecting"),
    (b"", dict, (), "Expecting value"),
    (b"\xff\xfe junk", dict, (), "utf-8"),
    (b"[1, 2]", dict, (), "expected a JSON object, got list"),
    (b"{}", list, (), "expected a JSON list, got dict"),
    (b'{"a": 1}', dict, ("a", "b", "c"), "no key b, c"),
])
def test_damaged_json_names_the_file_the_reason_and_the_remedy(tmp_path, content, kind, keys, reason):
    path = tmp_path / "m.json"
    path.write_bytes(content)
    text = message(lambda: read_json(path, what="run manifest", remedy="rerun it", kind=kind, keys=keys))
    assert text.startswith(f"{path}: damaged run manifest (")
    assert reason in text and text.endswith("); rerun it")


def test_damaged_tables_and_a_missing_file(tmp_path):
    frame = pd.DataFrame({"x": range(1000)})
    frame.to_parquet(tmp_path / "t.parquet")
    data = (tmp_path / "t.parquet").read_bytes()
    (tmp_path / "t.parquet").write_bytes(data[: len(data) // 2])
    text = message(lambda: read_table(tmp_path / "t.parquet", what="table", remedy="redo"))
    # pyarrow's "Could not open Parquet input source PATH" is dropped: the path comes first already
    assert text.startswith(f"{tmp_path / 't.parquet'}: damaged table (Parquet magic bytes")
    frame.to_parquet(tmp_path / "t.parquet")
    assert "no column y" in message(lambda: read_table(tmp_path / "t.parquet", what="table", remedy="redo",
                                                       columns=("x", "y")))
    assert "the file is missing" in message(
        lambda: read_project_file(tmp_path / "none", lambda p: p.read_text(), what="file", remedy="redo"))


def test_a_long_reason_is_cut_to_one_short_line(tmp_path):
    def parse(_):
        raise ValueError("bad\n" + "x" * 1000)

    text = message(lambda: read_project_file(tmp_path / "f", parse, what="file", remedy="redo"))
    reason = text[text.index("(") + 1: text.rindex(")")]
    assert len(reason) == REASON_CHARS and reason.endswith("...") and reason.startswith("bad x")


def test_a_bug_in_a_parser_is_not_called_damage(tmp_path):
    """Only what parsers raise on bad bytes becomes 'damaged'; a programming error stays one."""
    def parse(_):
        raise KeyError("a bug")

    with pytest.raises(KeyError):
        read_project_file(tmp_path / "f", parse, what="file", remedy="redo")
