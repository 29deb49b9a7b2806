"""Users' CSV files read row by row, so every problem is one line naming the file and line.

The readers of files a user writes (traffic links and demand, observations) share this first step:
the header and the non-blank rows with their line numbers, a BOM dropped, and malformed, empty or
non-UTF-8 files refused with one :class:`~twin.errors.TwinInputError`.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from twin.errors import TwinInputError


def csv_rows(path: Path, columns: tuple[str, ...]) -> tuple[list[str], list[list[str]], list[int]]:
    """The header (names stripped), the non-blank rows and their line numbers of the CSV ``path``."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TwinInputError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise TwinInputError(f"{path}: not UTF-8 text (byte {exc.start}); expected a CSV file") from None
    reader = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True)
    header: list[str] | None = None
    rows, lines = [], []
    try:
        for row in reader:
            if not any(field.strip() for field in row):
                continue  # a blank line (or only commas)
            if header is None:
                header = [name.strip() for name in row]
                continue
            if len(row) > len(header):
                raise TwinInputError(f"{path}, line {reader.line_num}: malformed CSV ({len(row)} fields, "
                                     f"the header has {len(header)})")
            rows.append(row)
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise TwinInputError(f"{path}, line {reader.line_num}: malformed CSV ({exc})") from None
    if header is None:
        raise TwinInputError(f"{path}: the file is empty (expected columns {', '.join(columns)})")
    return header, rows, lines
