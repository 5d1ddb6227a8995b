"""Files a person can take away: the current result as CSV, its chart as PNG and as HTML.

The PNG is drawn with matplotlib from the same :class:`ChartSpec` the UI's plotly chart uses:
plotly's own PNG export (kaleido) needs a Chrome it would try to download, and users may be offline.
The HTML embeds plotly.js from the installed package (``include_plotlyjs=True``), never a CDN, so it
opens without a network. Files are written into the session's private folder.

Gradio serves a file by copying it into its cache folder under the SHA-256 of a secret seed and the
file's bytes: that path is unguessable, but anyone who has it can fetch the file, and the copy outlives
the session. :func:`forget_served_copies` removes those copies when the session closes, so a result
file is reachable only while its session is open, and only through the link that session was given.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from insightchat.tools.charts import plotly_figure
from insightchat.tools.results import ChartSpec

log = logging.getLogger(__name__)

# Files bigger than this are uploads, never results offered for download: not worth hashing at close.
SERVED_FILE_LIMIT = 256 << 20


@dataclass
class DownloadFiles:
    csv: Path | None = None
    png: Path | None = None
    html: Path | None = None


def write_csv(df: pd.DataFrame, path: Path) -> Path:
    df.to_csv(path, index=False)
    return path


def _bar_frame(df: pd.DataFrame, spec: ChartSpec) -> pd.DataFrame:
    """Bars as a table: one row per x, one column per colour group (or the single measure)."""
    assert spec.y is not None
    if spec.color:
        return df.pivot_table(index=spec.x, columns=spec.color, values=spec.y, aggfunc="sum", sort=False)
    return df.set_index(spec.x)[[spec.y]]


def write_png(df: pd.DataFrame, spec: ChartSpec, path: Path) -> Path:
    """Draw ``spec`` over ``df`` with matplotlib (Agg backend: no display needed)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    frame = df.copy()
    frame.columns = [str(c) for c in frame.columns]
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=110)
    try:
        if spec.kind == "waterfall" and spec.y:
            _draw_waterfall(ax, frame, spec)
        elif spec.kind == "heatmap" and spec.y and spec.color:
            grid = frame.pivot_table(index=spec.y, columns=spec.x, values=spec.color, aggfunc="sum", sort=False)
            ax.imshow(grid.to_numpy(dtype=float), cmap="Blues")
            ax.set_xticks(range(len(grid.columns)), [str(c) for c in grid.columns], rotation=30, ha="right")
            ax.set_yticks(range(len(grid.index)), [str(i) for i in grid.index])
            for (i, j), v in np.ndenumerate(grid.to_numpy(dtype=float)):
                ax.text(j, i, f"{v:g}", ha="center", va="center", fontsize="small")
            ax.set_xlabel(spec.x)
            ax.set_ylabel(spec.y)
        elif spec.kind == "histogram":
            ax.hist(pd.to_numeric(frame[spec.x], errors="coerce").dropna(), bins=30, color="#636efa")
            ax.set_xlabel(spec.x)
            ax.set_ylabel("count")
        elif spec.kind == "line" and spec.y:
            frame = frame.sort_values(spec.x)
            groups = frame.groupby(spec.color, sort=False) if spec.color else [(spec.y, frame)]
            for label, part in groups:
                ax.plot(part[spec.x], part[spec.y], marker="o", label=str(label))
            if spec.color:
                ax.legend(title=spec.color, fontsize="small")
            ax.set_xlabel(spec.x)
            ax.set_ylabel(spec.y)
            fig.autofmt_xdate()
        elif spec.kind == "scatter" and spec.y:
            ax.scatter(frame[spec.x], frame[spec.y], s=12, alpha=0.7, color="#636efa")
            ax.set_xlabel(spec.x)
            ax.set_ylabel(spec.y)
        elif spec.kind == "pie" and spec.y:
            ax.pie(frame[spec.y], labels=frame[spec.x].astype(str), autopct="%1.0f%%")
            ax.axis("equal")
        elif spec.y:
            frame[spec.x] = frame[spec.x].astype(str)
            _bar_frame(frame, spec).plot.bar(ax=ax, legend=bool(spec.color), rot=30 if len(frame) > 6 else 0)
            ax.set_xlabel(spec.x)
            ax.set_ylabel(spec.y)
        if spec.title:
            ax.set_title(spec.title)
        ax.grid(axis="y", alpha=0.3)
        fig.tight_layout()
        fig.savefig(path, format="png")
    finally:
        plt.close(fig)
    return path


def _draw_waterfall(ax: Any, frame: pd.DataFrame, spec: ChartSpec) -> None:
    """Bars that start where the previous one ended; absolute and total steps start at zero."""
    assert spec.y is not None
    steps = frame["step"].tolist() if "step" in frame.columns else ["relative"] * len(frame)
    level = 0.0
    for i, (value, step) in enumerate(zip(frame[spec.y].astype(float), steps, strict=True)):
        if step == "relative":
            bottom, level = level, level + value
            color = "#00a86b" if value >= 0 else "#ef553b"
            ax.bar(i, value, bottom=bottom, color=color)
        else:
            level = value if step == "absolute" else level
            ax.bar(i, level, color="#636efa")
    ax.set_xticks(range(len(frame)), frame[spec.x].astype(str).tolist(), rotation=30, ha="right")
    ax.set_ylabel(spec.y)


def write_html(df: pd.DataFrame, spec: ChartSpec, path: Path) -> Path:
    """A standalone interactive chart: plotly.js inline, so it works offline."""
    fig = plotly_figure(df, spec)
    path.write_text(fig.to_html(include_plotlyjs=True, full_html=True), encoding="utf-8")
    return path


def write_downloads(folder: Path, turn: int, table: pd.DataFrame | None, chart: ChartSpec | None) -> DownloadFiles:
    """Write the current result's files under ``folder/downloads/<turn>/`` (old turns are kept)."""
    out = DownloadFiles()
    if table is None:
        return out
    target = folder / "downloads" / str(turn)
    target.mkdir(parents=True, exist_ok=True)
    out.csv = write_csv(table, target / "result.csv")
    if chart is not None and len(table):
        out.png = write_png(table, chart, target / "chart.png")
        out.html = write_html(table, chart, target / "chart.html")
    return out


def served_copy(path: Path) -> Path | None:
    """Where Gradio keeps the copy of ``path`` it serves (whether or not it made one); None if unknown.

    Why compute it: Gradio does not say which cached copies came from which session, and its
    ``delete_cache`` only removes them hours later.
    """
    try:
        from gradio import processing_utils, utils
        from gradio_client.utils import strip_invalid_filename_characters

        cache = Path(utils.get_upload_folder())
        return cache / processing_utils.hash_file(path) / strip_invalid_filename_characters(path.name)
    except Exception:  # another Gradio version: nothing to remove, the delete_cache schedule still holds
        log.debug("could not locate the served copy of %s", path, exc_info=True)
        return None


def forget_served_copies(folder: Path) -> int:
    """Remove Gradio's served copies of the files under ``folder`` (a closing session's); returns how many.

    A copy is shared with another session only when both hold a file of the same name and bytes;
    that session gets a fresh copy the next time its result is offered.
    """
    removed = 0
    if not folder.is_dir():
        return removed
    for path in folder.rglob("*"):
        try:
            if not path.is_file() or path.is_symlink() or path.stat().st_size > SERVED_FILE_LIMIT:
                continue
        except OSError:
            continue
        copy = served_copy(path)
        if copy is None or not copy.is_file():
            continue
        try:
            copy.unlink()
            removed += 1
            copy.parent.rmdir()  # Gradio makes one folder per hash; gone once empty
        except OSError:
            pass
    return removed
