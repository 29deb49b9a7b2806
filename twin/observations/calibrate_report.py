"""The report of ``twin calibrate``, Markdown or HTML (by its suffix; the sweep reports' writer):
per domain what was fitted and how well, with plots."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from twin.observations.calibrate import Calibration, summary_lines, toml_value


def _cell(value: object) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def write_report(result: Calibration, scenario_file: str | Path, observed: str | Path,
                 files: Mapping[str, Path], holdout: float, seed: int) -> Path:
    """Write ``result.report``: the summary, then per domain its keys, figures and plots, then the
    hold-out figures of every domain side by side."""
    from twin.sweep.report import _Document

    doc = _Document(result.report)
    doc.bullets(summary_lines(result, scenario_file, observed, files, holdout, seed))
    doc.paragraph(f"The calibrated scenario: `{result.out}` (it `extends` the input and sets only the "
                  f"fitted keys). Runs and plots: `{result.work}`.")
    for fit in result.fits:
        doc.heading(fit.domain)
        if fit.fitted:
            doc.table(pd.DataFrame({
                "key": [f.key for f in fit.fitted],
                "prior": [toml_value(f.prior) for f in fit.fitted],
                "fitted": [toml_value(f.value) for f in fit.fitted],
                "from": [f.source for f in fit.fitted],
                "training fit": [", ".join(f"{k} {_cell(v)}" for k, v in f.fit.items()) for f in fit.fitted],
            }))
        else:
            doc.paragraph("Nothing fitted: every prior kept.")
        for line in fit.kept:
            doc.paragraph(f"Kept: {line}")
        for line in fit.notes:
            doc.paragraph(f"Note: {line}")
        for figure in fit.figures:
            doc.image(Path(figure), f"{fit.domain}: {Path(figure).stem}")
    doc.heading("Hold-out")
    doc.paragraph(f"{holdout:.0%} of each kind's keys (whole detectors, zones, bins or days; seed {seed}) "
                  "were held out and never seen by a fit; their figures:")
    rows = [(fit.domain, k, _cell(v)) for fit in result.fits for k, v in fit.holdout.items()]
    if rows:
        doc.table(pd.DataFrame(rows, columns=["domain", "figure", "hold-out"]))
    else:
        doc.paragraph("No hold-out figures (nothing held out).")
    return doc.write(f"Calibration of {scenario_file}")
