"""Reading project files (run, sweep and city folders): a damaged file is one line, never a traceback.

CityTwin writes its folders atomically, but a file can still be damaged afterwards: a disk that
filled up while copying, a truncated download, an editor that saved half a JSON file. Every
reader of a file that CityTwin itself wrote goes through :func:`read_project_file`, so a parse
error becomes one :class:`~twin.errors.TwinInputError` that names the file, says it is damaged
(with the parser's reason) and says what to do, e.g.::

    runs/a/indicators.parquet: damaged run file (Parquet magic bytes not found in footer);
    rerun the scenario with `twin run SCENARIO --out runs/a --force`
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from twin.errors import TwinInputError

if TYPE_CHECKING:
    import pandas as pd

T = TypeVar("T")

DAMAGED = (OSError, ValueError, EOFError, zipfile.BadZipFile, UnicodeDecodeError)
"""What parsers raise on a truncated or garbled file (JSON, Parquet/Arrow, npz/zip, text);
pyarrow's errors derive from ValueError (ArrowInvalid) or OSError (ArrowIOError)."""

REASON_CHARS = 120
"""The parser's reason is cut to this many characters, so the message stays one short line."""


def damaged(path: str | Path, what: str, reason: str, remedy: str) -> TwinInputError:
    """The one-line error for a damaged project file: ``PATH: damaged WHAT (REASON); REMEDY``."""
    reason = " ".join(str(reason).split())
    reason = reason.removeprefix(f"Could not open Parquet input source '{path}': ")  # pyarrow's
    if len(reason) > REASON_CHARS:
        reason = reason[: REASON_CHARS - 3] + "..."
    return TwinInputError(f"{path}: damaged {what} ({reason}); {remedy}")


def read_project_file(path: str | Path, parse: Callable[[Path], T], *, what: str, remedy: str) -> T:
    """``parse(path)``, with a parse error turned into :func:`damaged` naming ``path``.

    ``what`` names the file in words ("run manifest", "sweep run file"); ``remedy`` says what
    to do ("rerun it with --force", "delete it and resume the sweep"). A missing file is
    damaged too: callers that accept a missing file check for it first.
    """
    path = Path(path)
    try:
        return parse(path)
    except FileNotFoundError:
        raise damaged(path, what, "the file is missing", remedy) from None
    except DAMAGED as exc:
        raise damaged(path, what, str(exc) or type(exc).__name__, remedy) from None


def read_json(path: str | Path, *, what: str, remedy: str, kind: type = dict,
              keys: Iterable[str] = ()) -> Any:
    """A JSON file CityTwin wrote, checked to hold a ``kind`` (object by default) with ``keys``."""
    data = read_project_file(path, lambda p: json.loads(p.read_text(encoding="utf-8")),
                             what=what, remedy=remedy)
    if not isinstance(data, kind):
        expected = {dict: "a JSON object", list: "a JSON list"}.get(kind, kind.__name__)
        raise damaged(path, what, f"expected {expected}, got {type(data).__name__}", remedy)
    missing = [k for k in keys if k not in data]
    if missing:
        raise damaged(path, what, f"no key {', '.join(missing)}", remedy)
    return data


def read_table(path: str | Path, *, what: str, remedy: str, columns: Iterable[str] = (),
               read: Iterable[str] | None = None) -> pd.DataFrame:
    """A Parquet table CityTwin wrote, checked to have ``columns``; ``read`` limits the columns read."""
    import pandas as pd

    wanted = None if read is None else list(read)
    frame = read_project_file(path, lambda p: pd.read_parquet(p, columns=wanted), what=what,
                              remedy=remedy)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise damaged(path, what, f"no column {', '.join(missing)}", remedy)
    return frame
