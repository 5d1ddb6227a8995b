"""Reading Excel sheets as people lay them out: a title block above the table, merged header cells.

``pandas.read_excel`` takes the first row as the header, so a sheet that starts with "Quarterly
report" and a date gets a header of "Quarterly report" and "Unnamed: 1", and a header cell merged over
two columns ("Q1" above "sales" and "units") names one column and leaves the next unnamed. Here the
sheet is read cell by cell (openpyxl): merged ranges are filled with their value, the title block and
notes below the data are found by ``table_layout`` (as for CSV), and two header rows where the upper
one has merged cells become one name per column ("Q1 sales", "Q1 units"). Every such decision is a
note.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from insightchat.tools.errors import DataSourceError
from insightchat.tools.table_layout import filled, find_footers, find_title_rows

# Above this size merged cells are not read (openpyxl's full mode holds every cell in memory).
FULL_MODE_MAX_BYTES = 50 * 1024 * 1024


@dataclass
class SheetTable:
    """One sheet as a table (``frame`` None: the sheet is empty) and what was assumed to read it."""

    sheet: str
    frame: pd.DataFrame | None
    notes: list[str] = field(default_factory=list)


def _grid(sheet: Any) -> tuple[list[list[Any]], list[list[Any]], list[tuple[int, int, int, int]]]:
    """The sheet's values as rows, as stored and with merged ranges filled with their top-left value,
    and the merged ranges as (first row, first column, last row, last column), 0-based."""
    raw = [list(r) for r in sheet.iter_rows(values_only=True)]
    while raw and not filled(raw[-1]):
        raw.pop()
    width = max((max((i + 1 for i, v in enumerate(r) if _has(v)), default=0) for r in raw), default=0)
    raw = [r[:width] + [None] * (width - len(r)) for r in raw]
    rows = [list(r) for r in raw]
    merged: list[tuple[int, int, int, int]] = []
    for rng in sheet.merged_cells.ranges if hasattr(sheet, "merged_cells") else []:
        r0, c0, r1, c1 = rng.min_row - 1, rng.min_col - 1, rng.max_row - 1, rng.max_col - 1
        if r0 >= len(rows) or c0 >= width:
            continue
        merged.append((r0, c0, r1, c1))
        value = rows[r0][c0]
        for r in range(r0, min(r1 + 1, len(rows))):
            for c in range(c0, min(c1 + 1, width)):
                rows[r][c] = value
    return raw, rows, merged


def _has(value: Any) -> bool:
    return value is not None and str(value).strip() != ""


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split()) if _has(value) else ""


def _is_header_like(row: list[Any]) -> bool:
    """A row of labels: at least two filled cells and no numbers or dates among them."""
    cells = [v for v in row if _has(v)]
    return len(cells) >= 2 and all(isinstance(v, str) for v in cells)


def header_names(rows: list[list[Any]]) -> tuple[list[str], list[str]]:
    """One name per column from one or two header rows (upper and lower parts joined, a part that
    repeats said once); empty names become ``column<i>`` and repeated ones get ``_1``, ``_2``."""
    width = len(rows[0])
    names: list[str] = []
    for j in range(width):
        parts: list[str] = []
        for row in rows:
            part = _text(row[j])
            if part and part not in parts:
                parts.append(part)
        names.append(" ".join(parts))
    notes: list[str] = []
    empty = [j for j, n in enumerate(names) if not n]
    if empty:
        for j in empty:
            names[j] = f"column{j}"
        notes.append(f"{len(empty)} column(s) have no header; called {', '.join(repr(names[j]) for j in empty[:3])}.")
    seen: dict[str, int] = {}
    renamed: list[str] = []
    for j, name in enumerate(names):
        key = name.lower()
        if key in seen:
            seen[key] += 1
            names[j] = f"{name}_{seen[key]}"
            renamed.append(f"{name!r} -> {names[j]!r}")
        else:
            seen[key] = 0
    if renamed:
        notes.append(f"Header names that repeat were renamed: {', '.join(renamed[:3])}.")
    return names, notes


def read_sheet(sheet: Any, name: str) -> SheetTable:
    """One worksheet as a table: title block skipped, merged header cells combined, notes below left out."""
    raw, rows, merged = _grid(sheet)
    if not rows or not any(filled(r) for r in rows):
        return SheetTable(name, None, ["the sheet is empty"])
    notes: list[str] = []
    title = find_title_rows(raw)  # as stored: a title merged across the sheet is still one cell
    if title:
        shown = ", ".join(repr(_text(c)) for r in raw[:title] for c in r if _has(c))[:200]
        notes.append(f"Skipped {title} title row(s) above the header: {shown or '(blank)'}.")
    header_rows = [rows[title]]
    upper_merged = any(r0 <= title <= r1 and c1 > c0 for r0, c0, r1, c1 in merged)
    if upper_merged and title + 1 < len(rows) and _is_header_like(rows[title + 1]):
        header_rows.append(rows[title + 1])
        notes.append("The header spans two rows (merged cells above sub-headers); each column's name joins both.")
    names, name_notes = header_names(header_rows)
    notes += name_notes
    start = title + len(header_rows)
    end, footers = find_footers(raw, start, len(names))
    if footers:
        shown = ", ".join(f"{' '.join(_text(c) for c in rows[i] if _has(c))[:60]!r} ({why})" for i, why in footers[:3])
        notes.append(f"Left out {len(footers)} row(s) below the data, still in the sheet: {shown}.")
    body = [r for r in rows[start:end] if filled(r)]
    blank = (end - start) - len(body)
    if blank:
        notes.append(f"{blank} empty row(s) inside the table were left out.")
    filled_merges = [m for m in merged if m[0] >= start and (m[2] > m[0] or m[3] > m[1])]
    if filled_merges:
        notes.append(f"{len(filled_merges)} merged cell range(s) in the data were filled with their value.")
    frame = pd.DataFrame(body, columns=names)
    return SheetTable(name, frame, notes)


def read_workbook(path: Path) -> list[SheetTable]:
    """Every sheet of an .xlsx/.xlsm workbook, in order."""
    import openpyxl

    full = path.stat().st_size <= FULL_MODE_MAX_BYTES
    try:
        book = openpyxl.load_workbook(path, read_only=not full, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken workbooks
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataSourceError(f"Could not read {path.name} as Excel: {reason}", "re-save it as .xlsx or CSV") from None
    try:
        tables = [read_sheet(book[name], name) for name in book.sheetnames]
    finally:
        book.close()
    if not full:
        for t in tables:
            t.notes.append("The workbook is large: merged cells were not read.")
    return tables
