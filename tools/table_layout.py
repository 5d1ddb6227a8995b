"""Where the table is inside a grid of cells: title rows above the header, the header, footer rows.

Spreadsheet and web exports put a title block above the header ("Sales report 2023", a date, a blank
line) and notes or a "Total" row below the data. Read as data, a title becomes the header and a total
doubles every sum, so both loaders (the CSV check in ``csv_reading`` and the Excel reader) ask this one
module where the table starts and ends. Every rule is conservative: a row is only left out when it
cannot be a data row (a one-cell line where the table has several columns, a note marker, a total
that really is the sum of the rows above), because dropping a real row is a wrong answer later.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

MAX_TITLE_ROWS = 10
# A note below a table starts with one of these (a footnote mark, "Source:", "Note:", "(a)").
_NOTE_START = re.compile(
    r"^\s*(?:[*†‡§¶#¹²³⁴⁵⁶⁷⁸⁹]|\[\w{1,3}\]|\(\w\)\s|notes?\b|sources?\b|footnotes?\b|figures\b|data\b.*\bfrom\b)",
    re.IGNORECASE,
)
_TOTAL = re.compile(r"^\s*(?:grand\s+)?(?:totals?|sum|all|overall)\s*:?\s*$", re.IGNORECASE)
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")


def parse_number(cell: object) -> float | None:
    """A plain number written as text ("1,234", "12.5", "$3", "7 [a]"); None otherwise.

    Only for checking a total row; the cleaning step (``tools.cleaning``) has the full rules."""
    if isinstance(cell, bool) or cell is None:
        return None
    if isinstance(cell, (int, float)):
        return float(cell)
    text = re.sub(r"\s*(?:\[[^\]]*\]|[*†‡])+\s*$", "", str(cell)).strip().lstrip("$€£").replace("\u2212", "-")
    return float(text.replace(",", "")) if _PLAIN_NUMBER.match(text) else None


@dataclass
class Layout:
    """Row indices into the grid: rows ``[data_start, data_end)`` are the table's data."""

    title_rows: int = 0  # rows above the header (a title block)
    header_row: int | None = 0  # None: the grid has no header row
    data_start: int = 1
    data_end: int = 0
    footers: list[tuple[int, str]] = field(default_factory=list)  # (row index, why) of left-out rows below

    @property
    def data_rows(self) -> int:
        return max(0, self.data_end - self.data_start)


def filled(row: Sequence[object]) -> int:
    """How many cells of a row hold something."""
    return sum(1 for c in row if c is not None and str(c).strip() != "")


def modal_width(rows: Sequence[Sequence[object]]) -> int:
    """The most common number of fields per row (rows with no field ignored)."""
    widths = Counter(len(r) for r in rows if len(r))
    return widths.most_common(1)[0][0] if widths else 0


def find_title_rows(rows: Sequence[Sequence[object]]) -> int:
    """How many leading rows are a title block: each holds at most one cell, and a row with two or
    more follows (only when the table itself has several filled columns)."""
    limit = min(len(rows) - 1, MAX_TITLE_ROWS)
    for i in range(limit + 1):
        if filled(rows[i]) >= 2:
            body = rows[i : i + 20]
            if sum(filled(r) >= 2 for r in body) >= max(1, len(body) // 2):
                return i
            return 0
    return 0


def find_footers(rows: Sequence[Sequence[object]], start: int, width: int) -> tuple[int, list[tuple[int, str]]]:
    """The end of the data (exclusive) and the rows below it that are notes or a verified total.

    A note: a trailing row with one filled cell that is shorter than the header (a one-field line in
    a CSV) or starts with a note marker. A total: the last remaining row, labelled "Total" (or "Sum",
    "Grand total") in its first filled cell, whose numbers equal the sums of the rows above in every
    numeric column, at least one of them.
    """
    end = len(rows)
    footers: list[tuple[int, str]] = []
    if width < 2:
        return end, footers
    while end - 1 > start:
        row = rows[end - 1]
        n = filled(row)
        if n == 0:
            end -= 1
            continue
        cell = next(str(c) for c in row if c is not None and str(c).strip())
        if n == 1 and (len(row) < width or _NOTE_START.match(cell)):
            footers.append((end - 1, "a note below the table"))
            end -= 1
            continue
        break
    if end - 1 > start + 1 and _is_total(rows[start : end - 1], rows[end - 1]):
        footers.append((end - 1, "a total of the rows above"))
        end -= 1
    footers.reverse()
    return end, footers


def _is_total(body: Sequence[Sequence[object]], row: Sequence[object]) -> bool:
    label = next((str(c) for c in row if c is not None and str(c).strip()), "")
    if not _TOTAL.match(label):
        return False
    checked = 0
    for j, cell in enumerate(row):
        value = parse_number(cell)
        if value is None or str(cell).strip() == label:
            continue
        column = [parse_number(r[j]) if j < len(r) else None for r in body]
        numbers = [v for v in column if v is not None]
        if len(numbers) < max(1, len(body) // 2):
            continue
        total = sum(numbers)
        if abs(total - value) > max(1e-6, 1e-6 * abs(total)):
            return False
        checked += 1
    return checked >= 1


def find_layout(rows: Sequence[Sequence[object]], has_header: bool = True) -> Layout:
    """Title rows, header row and data range of a grid (rows are lists of cells; blank rows kept)."""
    if not rows:
        return Layout(0, 0 if has_header else None, 1 if has_header else 0, 0)
    title = find_title_rows(rows)
    header = title if has_header else None
    start = title + 1 if has_header else title
    width = max((len(r) for r in rows[title:]), default=0)
    end, footers = find_footers(rows, start, width)
    return Layout(title, header, start, end, footers)
