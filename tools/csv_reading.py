"""Reading a CSV/TSV file right, or saying why not.

DuckDB's sniffer chooses delimiter, quoting, header and types well on its defaults, and the options
that make it forgiving (``null_padding``, ``strict_mode=false``, a larger ``sample_size``) change what
it chooses: a quoted two-column file was read as one column, line breaks inside quotes were reported
as broken lines. So :func:`plan_csv` reads with the defaults first and relaxes only what failed. The
shape it gets (rows, columns) is then checked against an independent parse with Python's ``csv``
module, which also finds what the sniffer cannot know (a title block above the header, notes and a
total row below the data). When the two disagree, DuckDB is asked again with the dialect the
independent parse found; a file that no reading agrees on is an error, because a wrong parse is worse
than none.

The contract with the workspace is narrow: a :class:`CsvPlan` holds the ``SELECT`` over
``read_csv(...)`` to run and the notes saying what was assumed. Text that DuckDB cannot decode
(cp1252, UTF-16 without a byte-order mark) is first copied to a temporary UTF-8 file, in a stream.
"""

from __future__ import annotations

import atexit
import codecs
import csv
import io
import re
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from insightchat.tools.cleaning import FAMILIES, MIN_SHARE, cell_reads
from insightchat.tools.errors import DataSourceError
from insightchat.tools.table_layout import Layout, find_layout

# Files up to this size are parsed in full by Python's csv module and counted by DuckDB; larger ones
# are checked on their first records only (the column count and the dialect).
FULL_CHECK_MAX_BYTES = 64 * 1024 * 1024
HEAD_CHECK_BYTES = 1024 * 1024
DIALECT_SAMPLE_BYTES = 256 * 1024
ENCODING_PROBE_BYTES = 1 << 16
DELIMITERS = (",", ";", "\t", "|")
SHOWN = 3  # how many titles, footers or renames a note quotes

# Python codec -> what DuckDB's read_csv calls it (None: DuckDB cannot read it; copy to UTF-8 first)
_DUCKDB_ENCODING: dict[str, str | None] = {
    "utf-8": "utf-8",
    "utf-8-sig": "utf-8",
    "utf-16": "utf-16",
    "latin-1": "latin-1",
}


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


@dataclass(frozen=True)
class Shape:
    rows: int
    columns: int

    def __str__(self) -> str:
        return f"{plural(self.rows, 'row')} × {plural(self.columns, 'column')}"


@dataclass(frozen=True)
class Dialect:
    delimiter: str
    quote: str = '"'  # '' when quotes are plain characters (no field is quoted)
    escape: str = '"'  # '"' (quotes doubled) or '\\' (backslash before a quote); '' without quoting

    def describe(self) -> str:
        name = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}.get(self.delimiter, repr(self.delimiter))
        if not self.quote:
            return f"{name}-separated, no quoting"
        escaped = "doubled" if self.escape != "\\" else "escaped with a backslash"
        return f"{name}-separated, quotes {escaped}"

    @classmethod
    def from_sniff(cls, sniffed: dict[str, object]) -> Dialect | None:
        """The dialect DuckDB's sniff_csv reported ('(empty)' means none)."""
        if not sniffed:
            return None

        def char(key: str) -> str:
            value = str(sniffed.get(key) or "")
            return "" if value == "(empty)" else value

        quote = char("quote")
        return cls(char("delimiter") or ",", quote, (char("escape") or '"') if quote else "")


CANDIDATES = [Dialect(d, q, e) for d in DELIMITERS for q, e in (('"', '"'), ('"', "\\"), ("", ""))]


@dataclass
class CsvPlan:
    """How to read a CSV file (or a list of them, one table), and what was assumed to do so."""

    select_sql: str  # the SELECT the loader runs: SELECT ... FROM read_csv([...], options)
    options: dict[str, str]  # read_csv options as SQL literals
    notes: list[str] = field(default_factory=list)
    encoding: str = "utf-8"  # the file's encoding (Python codec name)
    read_shape: Shape | None = None  # what DuckDB's reading found (before footer rows are left out)
    independent_shape: Shape | None = None  # what Python's csv module found (None: not checked)
    checked: str = "full"  # full | head (first records of a large file) | none
    difference: str = ""  # a difference between the two parses that was resolved, and how
    files: list[Path] = field(default_factory=list)  # what read_csv reads (UTF-8 copies for cp1252)

    def remove_copies(self) -> None:
        """Delete the temporary UTF-8 copies, once the rows are read (the exit handler is the fallback)."""
        for path in self.files:
            if path.parent in _COPIES:
                shutil.rmtree(path.parent, ignore_errors=True)
                _COPIES.remove(path.parent)


# ------------------------------------------------------------------------------------------ encoding
_COPIES: list[Path] = []


def _remove_copies() -> None:
    for folder in _COPIES:
        shutil.rmtree(folder, ignore_errors=True)


atexit.register(_remove_copies)


def detect_encoding(path: Path) -> str:
    """The Python codec the file is written in: utf-8 (with or without a BOM), utf-16, latin-1 or cp1252.

    Files up to ``FULL_CHECK_MAX_BYTES`` are checked whole (a byte that breaks UTF-8 can sit in the
    last row); larger ones on their first bytes. Raises for an empty or binary file.
    """
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(ENCODING_PROBE_BYTES)
        if not head.strip():
            raise DataSourceError(f"{path.name} is empty", "the file has no rows and no header")
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if b"\x00" in head:
            even, odd = head[0::2].count(0), head[1::2].count(0)
            if max(even, odd) > len(head) // 4 and min(even, odd) < len(head) // 100 + 1:
                return "utf-16-le" if odd > even else "utf-16-be"
            raise DataSourceError(
                f"{path.name} does not look like a text file (it contains binary data)",
                "open a text CSV/TSV, or save the sheet as CSV (UTF-8)",
            )
        data = head if size > FULL_CHECK_MAX_BYTES else head + fh.read()
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if size > FULL_CHECK_MAX_BYTES and exc.start >= len(data) - 4:  # a character cut at the probe's end
            return "utf-8"
    if not any(0x80 <= b <= 0x9F for b in data):
        return "latin-1"  # ISO-8859-1 has no printable characters in 0x80-0x9F; Windows-1252 does
    try:
        data.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def utf8_copy(path: Path, encoding: str) -> Path:
    """A UTF-8 copy of ``path`` in a temporary folder removed when the process exits (streamed)."""
    folder = Path(tempfile.mkdtemp(prefix="insightchat-csv-"))
    _COPIES.append(folder)
    target = folder / (path.stem + ".utf8" + path.suffix)
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with path.open("rb") as src, target.open("w", encoding="utf-8", newline="") as dst:
            while chunk := src.read(1 << 20):
                dst.write(decoder.decode(chunk))
            dst.write(decoder.decode(b"", final=True))
    except UnicodeDecodeError as exc:
        raise DataSourceError(
            f"{path.name} is not valid {encoding} text (byte {exc.start} of a chunk)",
            "save the file as UTF-8 CSV and open it again",
        ) from None
    return target


# ------------------------------------------------------------------------------------------ independent parse
@dataclass
class Parsed:
    """Records as Python's csv module reads them, with the physical line each one ends on."""

    rows: list[list[str]]
    line_ends: list[int]
    complete: bool  # the whole file (False: the first records of a large file)
    dialect: Dialect


def read_text(path: Path, encoding: str, limit: int | None) -> tuple[str, bool]:
    """The file's text (all of it, or about ``limit`` bytes cut after a line end) and whether it is all."""
    with path.open("r", encoding=encoding, newline="", errors="replace") as fh:
        if limit is None:
            return fh.read(), True
        text = fh.read(limit)
        rest = fh.read(1)
    if not rest:
        return text, True
    cut = max(text.rfind("\n"), text.rfind("\r"))
    return (text[: cut + 1] if cut > 0 else text), False


def _records(text: str, dialect: Dialect) -> tuple[list[list[str]], list[int]]:
    # the csv module stops at 131,072 characters a field; a cell as long as the text must still parse
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    if dialect.quote:
        reader = csv.reader(
            io.StringIO(text, newline=""),
            delimiter=dialect.delimiter,
            quotechar=dialect.quote,
            doublequote=dialect.escape != "\\",
            escapechar="\\" if dialect.escape == "\\" else None,
            strict=False,
        )
    else:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=dialect.delimiter, quoting=csv.QUOTE_NONE)
    rows: list[list[str]] = []
    ends: list[int] = []
    try:
        for row in reader:
            rows.append(row)
            ends.append(reader.line_num)
    except csv.Error:  # a NUL byte or a field over the size limit: the caller sees a short parse
        pass
    return rows, ends


def _consistency(rows: list[list[str]]) -> tuple[float, int]:
    """The share of non-empty records with the most common field count, and that count."""
    widths = Counter(len(r) for r in rows if r)
    if not widths:
        return 0.0, 0
    width, count = widths.most_common(1)[0]
    return count / sum(widths.values()), width


def choose_dialect(sample: str, preferred: Dialect | None = None) -> Dialect:
    """The delimiter and quoting under which the sample's records agree best on their field count.

    A delimiter that splits no record (every one a single field) only wins when nothing else does:
    then the file has one column. Ties go to the dialect DuckDB's sniffer chose, then to the one
    that finds more records (a quote that opens a field and never closes swallows lines), then to
    the usual one (quotes doubled), in the order of ``CANDIDATES``.
    """
    best: tuple[tuple[float, int, int, int, int], Dialect] | None = None
    for rank, dialect in enumerate(CANDIDATES):
        rows, _ = _records(sample, dialect)
        share, width = _consistency(rows)
        multi = 1 if width > 1 else 0
        score = (multi * share, multi, 1 if dialect == preferred else 0, len(rows), -rank)
        if best is None or score > best[0]:
            best = (score, dialect)
    assert best is not None
    return best[1]


def independent_parse(path: Path, encoding: str, preferred: Dialect | None = None) -> Parsed:
    """Parse the file with Python's csv module: all of it when small, else the first records."""
    limit = None if path.stat().st_size <= FULL_CHECK_MAX_BYTES else HEAD_CHECK_BYTES
    text, complete = read_text(path, encoding, limit)
    if text.startswith("\ufeff"):
        text = text[1:]
    dialect = choose_dialect(text[:DIALECT_SAMPLE_BYTES], preferred)
    rows, ends = _records(text, dialect)
    if not complete and rows:  # the last record may be cut in the middle
        rows, ends = rows[:-1], ends[:-1]
    return Parsed(rows, ends, complete, dialect)


def data_row_count(parsed: Parsed, start: int, end: int, width: int) -> int:
    """Records DuckDB would return from ``rows[start:end]``: it skips empty lines unless the file has
    one column (there an empty line is an empty value)."""
    rows = parsed.rows[start:end]
    return sum(1 for r in rows if r) if width > 1 else len(rows)


# ------------------------------------------------------------------------------------------ DuckDB readings
@dataclass
class Reading:
    """One try of read_csv with some options: the columns it found and, when counted, the rows."""

    options: dict[str, str]
    columns: list[str] = field(default_factory=list)
    non_null: list[int] = field(default_factory=list)
    rows: int | None = None
    sniffed: dict[str, object] = field(default_factory=dict)
    error: str = ""  # the first line of DuckDB's error
    error_text: str = ""  # all of it


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def reader_sql(files: list[Path], options: dict[str, str]) -> str:
    listed = "[" + ", ".join(_lit(str(p)) for p in files) + "]"
    opts = "".join(f", {k}={v}" for k, v in options.items())
    return f"read_csv({listed}{opts})"


def _first_line(exc: BaseException) -> str:
    lines = [ln for ln in str(exc).strip().splitlines() if ln.strip()]
    return lines[0] if lines else type(exc).__name__


def try_reading(loader: duckdb.DuckDBPyConnection, files: list[Path], options: dict[str, str], count: bool) -> Reading:
    """Run read_csv with ``options``: its columns, and (``count``) its rows with every value converted,
    so a type guessed from the sample that a later row breaks fails here rather than in a question."""
    reading = Reading(dict(options))
    source = reader_sql(files, options)
    try:
        described = loader.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
        reading.columns = [str(r[0]) for r in described]
        if count:
            row = loader.execute(f"SELECT count(*), count(COLUMNS(*)) FROM {source}").fetchall()[0]
            assert row is not None
            reading.rows = int(row[0])
            reading.non_null = [int(v) for v in row[1:]]
        sniff_opts = {k: v for k, v in options.items() if k not in ("union_by_name", "filename")}
        sniffed = loader.execute(
            f"SELECT Delimiter, Quote, Escape, HasHeader, SkipRows FROM sniff_csv({_lit(str(files[0]))}"
            + "".join(f", {k}={v}" for k, v in sniff_opts.items())
            + ")"
        ).fetchall()[0]
        if sniffed is not None:
            keys = ("delimiter", "quote", "escape", "header", "skip")
            reading.sniffed = dict(zip(keys, sniffed, strict=True))
    except duckdb.Error as exc:
        reading.error, reading.error_text = _first_line(exc), str(exc)
    return reading


# ------------------------------------------------------------------------------------------ the plan
@dataclass
class _Expected:
    """What the independent parse says DuckDB should return."""

    parsed: Parsed
    layout: Layout
    width: int
    rows: int  # data rows including footer rows (DuckDB reads those too)
    skip_lines: int
    header: list[str]
    short_rows: int  # data rows with fewer fields than the header (footer rows not counted)
    ragged: bool  # any record (footers too) shorter or longer than the header
    long_rows: int
    has_quoted_newlines: bool


def _expect(parsed: Parsed, has_header: bool = True) -> _Expected:
    layout = find_layout(parsed.rows, has_header=has_header)
    footer_rows = {i for i, _ in layout.footers}
    body = parsed.rows[layout.data_start :]
    header = parsed.rows[layout.header_row] if layout.header_row is not None else []
    width = max([len(header)] + [len(r) for r in body])
    header_width = len(header) if header else width
    skip_lines = parsed.line_ends[layout.title_rows - 1] if layout.title_rows else 0
    line_ends = parsed.line_ends
    quoted_newlines = any(line_ends[i] - (line_ends[i - 1] if i else 0) > 1 for i in range(len(line_ends)))
    rows = data_row_count(parsed, layout.data_start, len(parsed.rows), width)
    return _Expected(
        parsed,
        layout,
        width,
        rows,
        skip_lines,
        header,
        sum(1 for i, r in enumerate(body) if r and len(r) < header_width and layout.data_start + i not in footer_rows),
        any(r and len(r) != header_width for r in body),
        sum(1 for r in body if len(r) > header_width),
        quoted_newlines,
    )


def _agrees(reading: Reading, expected: _Expected, complete: bool) -> bool:
    if reading.error:
        return False
    if len(reading.columns) != expected.width:
        return False
    return not complete or reading.rows == expected.rows


def _explicit_options(expected: _Expected, base: dict[str, str], header: bool) -> dict[str, str]:
    """read_csv options spelling out the dialect and layout the independent parse found."""
    d = expected.parsed.dialect
    opts = dict(base)
    opts.update(delim=_lit(d.delimiter), quote=_lit(d.quote), escape=_lit(d.escape), header=str(header).lower())
    if expected.skip_lines:
        opts["skip"] = str(expected.skip_lines)
    if expected.ragged or expected.width > len(expected.header):
        opts["null_padding"] = "true"
        if expected.has_quoted_newlines or not expected.parsed.complete:
            opts["parallel"] = "false"  # DuckDB's parallel scanner cannot pad rows with quoted line breaks
    return opts


_CONVERTING = re.compile(r'Error when converting column "((?:[^"]|"")*)"')
MAX_TYPE_RETRIES = 8
LONG_LINE_BYTES = 256 * 1024 * 1024


def read_with_types_relaxed(
    loader: duckdb.DuckDBPyConnection, files: list[Path], options: dict[str, str], count: bool
) -> Reading:
    """:func:`try_reading`; again with a larger line limit when a record is longer than DuckDB's
    default; and when a type guessed from the first rows fails on a later row, again with the
    sniffer reading every row, then with each column that still fails read as text."""
    reading = try_reading(loader, files, options, count)
    if "maximum line size" in reading.error_text.lower():  # a cell over DuckDB's 2 MB line default
        reading = try_reading(loader, files, {**options, "max_line_size": str(LONG_LINE_BYTES)}, count)
    if _CONVERTING.search(reading.error_text):
        reading = try_reading(loader, files, {**options, "sample_size": "-1"}, count)
    as_text: list[str] = []
    while (match := _CONVERTING.search(reading.error_text)) and len(as_text) < MAX_TYPE_RETRIES:
        as_text.append(match.group(1).replace('""', '"'))
        types = "{" + ", ".join(f"{_lit(c)}: 'VARCHAR'" for c in as_text) + "}"
        reading = try_reading(loader, files, {**reading.options, "types": types}, count)
    return reading


HEADER_CHECK_ROWS = 2000  # rows below the first that the header check reads


def header_evidence(loader: duckdb.DuckDBPyConnection, rows: list[list[str]]) -> str:
    """Why ``rows[0]`` is a header although DuckDB's sniffer saw none; '' when it is not clearly one.

    The sniffer takes the first row for a header when it breaks the types the other rows suggest, so
    a header that fits them is read as data: an empty cell over a number column, the rest over text
    (dates and numbers written as text are text to it). Two signs decide here, each only when no
    cell of the row repeats in its column below (a header names each column once) and fewer than
    half of its filled cells are numbers: a cell the cleaning rules cannot read in a column whose
    other values they read ('Took office' over dates), or an empty first cell over a row counter
    (0, 1, 2, ... or 1, 2, 3, ..., as pandas writes its index) with every other cell filled.
    """
    first = [c.strip() for c in rows[0]] if rows else []
    body = [r for r in rows[1 : HEADER_CHECK_ROWS + 1] if any(c.strip() for c in r)]
    if len(first) < 2 or len(body) < 2:
        return ""
    columns = [[r[j].strip() for r in body if j < len(r)] for j in range(len(first))]
    if any(cell and cell in set(columns[j]) for j, cell in enumerate(first)):
        return ""
    reads = cell_reads(loader, first + [v for col in columns for v in col])
    filled = [reads[c] for c in first if reads[c] is not None]
    if 2 * sum(1 for r in filled if r is not None and r[0]) >= len(filled):
        return ""
    for j, cell in enumerate(first):
        own = reads[cell]
        values = [r for r in (reads[v] for v in columns[j]) if r is not None]
        if own is None or len(values) < 2:
            continue
        for f, family in enumerate(FAMILIES):
            read = sum(1 for r in values if r[f])
            if not own[f] and read >= max(2, MIN_SHARE * len(values)):
                return f"{rows[0][j]!r} is no {family.name} like the {plural(read, 'value')} below it"
    counter = columns[0]
    if not first[0] and all(first[1:]) and len(counter) == len(body) and all(v.isdigit() for v in counter):
        start = int(counter[0])
        if start in (0, 1) and [int(v) for v in counter] == list(range(start, start + len(counter))):
            return f"its first cell is empty over a row counter ({start}, {start + 1}, {start + 2}, ...)"
    return ""


def plan_csv(loader: duckdb.DuckDBPyConnection, paths: list[Path]) -> CsvPlan:
    """Decide how to read ``paths`` (one table) and check the result; raises DataSourceError when no
    reading can be trusted. ``loader`` is a DuckDB connection used only to sniff and count."""
    if not paths:
        raise DataSourceError("No CSV files given", "name at least one file")
    notes: list[str] = []
    encodings = [detect_encoding(p) for p in paths]
    files: list[Path] = []
    for path, enc in zip(paths, encodings, strict=True):
        files.append(path if _DUCKDB_ENCODING.get(enc) else utf8_copy(path, enc))
    duck_encodings = {_DUCKDB_ENCODING.get(enc) or "utf-8" for enc in encodings}
    if len(duck_encodings) > 1:  # read_csv takes one encoding for all files: copy the others
        files = [
            p if _DUCKDB_ENCODING.get(e) == "utf-8" else utf8_copy(p, e) for p, e in zip(paths, encodings, strict=True)
        ]
        duck_encodings = {"utf-8"}
    base: dict[str, str] = {}
    duck_encoding = duck_encodings.pop()
    if duck_encoding != "utf-8":
        base["encoding"] = _lit(duck_encoding)
    if len(files) > 1:
        base.update(union_by_name="true", filename="false")
    for path, enc, file in zip(paths, encodings, files, strict=True):
        if enc not in ("utf-8", "utf-8-sig"):
            how = "copied to UTF-8 to be read" if file != path else "read as such"
            notes.append(f"{path.name} is not UTF-8; its text was taken as {enc} ({how}).")

    complete = all(p.stat().st_size <= FULL_CHECK_MAX_BYTES for p in files)
    first = read_with_types_relaxed(loader, files, base, count=complete)
    sniffed = Dialect.from_sniff(first.sniffed)
    parses = [
        independent_parse(f, "utf-8" if f != p else e, sniffed) for f, p, e in zip(files, paths, encodings, strict=True)
    ]
    complete = complete and all(p.complete for p in parses)
    has_header = bool(first.sniffed.get("header", True)) if not first.error else True
    if not has_header:
        layout = find_layout(parses[0].rows, has_header=False)
        why = header_evidence(loader, parses[0].rows[layout.data_start : layout.data_end])
        if why:
            first = read_with_types_relaxed(loader, files, {**base, "header": "true"}, count=complete)
            has_header = True
            notes.append(f"DuckDB's sniffer saw no header, but the first row is one: {why}.")
    expectations = [_expect(p, has_header) for p in parses]
    expected = _combine(expectations)

    chosen = first
    difference = ""
    if not _agrees(first, expected, complete):
        explicit = _explicit_options(expected, base, has_header)
        second = read_with_types_relaxed(loader, files, explicit, count=complete)
        if not _agrees(second, expected, complete):
            raise DataSourceError(
                f"Could not read {paths[0].name} reliably: "
                + _disagreement(first, expected, complete)
                + (f"; with {expected.parsed.dialect.describe()} spelled out, {_found(second)}" if second else ""),
                "check the delimiter and quoting (open it in a text editor), or save it as UTF-8 CSV",
            )
        difference = (
            f"DuckDB's own sniffing {_found(first)}; the file's records are {expected.parsed.dialect.describe()}, "
            f"so it was read with that dialect spelled out"
        )
        notes.append(difference[0].upper() + difference[1:] + ".")
        chosen = second
    if "types" in chosen.options:
        notes.append(
            "Read as text because their values do not all fit the type the first rows suggested: "
            + chosen.options["types"].strip("{}").replace(": 'VARCHAR'", "")
            + "."
        )
    elif "sample_size" in chosen.options:
        notes.append("Column types were guessed from all rows (the first rows alone suggested other types).")

    independent = Shape(expected.rows, expected.width) if complete else None
    read_shape = Shape(chosen.rows, len(chosen.columns)) if chosen.rows is not None else None
    select_sql, more_notes = _select(chosen, expected, files, single=len(files) == 1 and complete)
    notes = [_dialect_note(chosen, expected)] + notes + more_notes
    if complete:
        notes.append(f"Checked: {independent} as Python's csv module reads the file, the same as DuckDB.")
    else:
        notes.append(
            f"The file is large: its first {expected.rows:,} records were checked against Python's csv module "
            f"({expected.width} columns, the same as DuckDB); the rest were not counted twice."
        )
    return CsvPlan(
        select_sql=select_sql,
        options=chosen.options,
        notes=notes,
        encoding=encodings[0],
        read_shape=read_shape,
        independent_shape=independent,
        checked="full" if complete else "head",
        difference=difference,
        files=files,
    )


def _combine(expectations: list[_Expected]) -> _Expected:
    """One expectation for several files read as one table (rows add up; columns: the widest file)."""
    if len(expectations) == 1:
        return expectations[0]
    widest = max(expectations, key=lambda e: e.width)
    names = list(dict.fromkeys(name for e in expectations for name in e.header))
    return _Expected(
        widest.parsed,
        widest.layout,
        max(widest.width, len(names)),
        sum(e.rows for e in expectations),
        widest.skip_lines,
        names,
        sum(e.short_rows for e in expectations),
        any(e.ragged for e in expectations),
        sum(e.long_rows for e in expectations),
        any(e.has_quoted_newlines for e in expectations),
    )


def _found(reading: Reading) -> str:
    if reading.error:
        return f"failed ({reading.error})"
    rows = f"{plural(reading.rows, 'row')} × " if reading.rows is not None else ""
    return f"found {rows}{plural(len(reading.columns), 'column')}"


def _disagreement(reading: Reading, expected: _Expected, complete: bool) -> str:
    rows = f"{plural(expected.rows, 'row')} × " if complete else ""
    return f"DuckDB {_found(reading)}, Python's csv module {rows}{plural(expected.width, 'column')}"


def _dialect_note(reading: Reading, expected: _Expected) -> str:
    s = reading.sniffed
    dialect = (Dialect.from_sniff(s) or expected.parsed.dialect).describe()
    header = "the first row is the header" if s.get("header", True) else "no header row (columns named column0, ...)"
    return f"Read as {dialect}; {header}."


def _select(reading: Reading, expected: _Expected, files: list[Path], single: bool) -> tuple[str, list[str]]:
    """The SELECT over read_csv, leaving out an empty column made by a trailing delimiter and (one
    whole file only) the footer rows; with the notes that say so and name renamed headers."""
    notes: list[str] = []
    layout = expected.layout
    if layout.title_rows:
        titles = [" ".join(c for c in r if c.strip()) for r in expected.parsed.rows[: layout.title_rows]]
        shown = ", ".join(repr(t) for t in titles if t)[:200]
        notes.append(f"Skipped {layout.title_rows} title row(s) above the header: {shown or '(blank)'}.")
    exclude: list[str] = []
    header = expected.header
    if (
        reading.non_null
        and len(reading.columns) > 1
        and reading.non_null[-1] == 0
        and (len(header) < len(reading.columns) or not header[-1].strip())
    ):
        exclude.append(reading.columns[-1])
        notes.append("Every row ends with a delimiter; the empty last column this makes was left out.")
    has_header = reading.sniffed.get("header", True) is not False
    notes += _header_notes(header, [c for c in reading.columns if c not in exclude], has_header)
    if expected.short_rows:
        notes.append(
            f"{expected.short_rows:,} row(s) have fewer fields than the header; their missing values are empty."
        )
    if expected.long_rows:
        notes.append(
            f"{expected.long_rows:,} row(s) have more fields than the header; the extra values are in "
            f"{', '.join(repr(c) for c in reading.columns[len(header) :]) or 'extra columns'}."
        )
    select = f"SELECT * {_exclude(exclude)}FROM {reader_sql(files, reading.options)}"
    footers = layout.footers
    if footers and single and reading.rows is not None:
        kept = reading.rows - len(footers)
        select += f" LIMIT {kept}"
        described = ", ".join(f"{_row_text(expected.parsed.rows[i])!r} ({why})" for i, why in footers[:SHOWN])
        notes.append(f"Left out {len(footers)} row(s) below the data, still in the file: {described}.")
    elif footers:
        notes.append("The last rows look like notes or a total; with several files they were kept.")
    return select, notes


def _exclude(columns: list[str]) -> str:
    return f"EXCLUDE ({', '.join(_quote(c) for c in columns)}) " if columns else ""


def _row_text(row: list[str]) -> str:
    text = " ".join(c.strip() for c in row if c.strip())
    return text if len(text) <= 60 else text[:59] + "…"


def _header_notes(header: list[str], columns: list[str], has_header: bool) -> list[str]:
    """Say which header cells DuckDB had to rename: empty ones and repeated ones."""
    if not has_header:
        return []
    renamed: list[str] = []
    empty: list[str] = []
    for raw, name in zip(header, columns, strict=False):
        if not raw.strip():
            empty.append(name)
        elif raw != name:
            renamed.append(f"{raw!r} -> {name!r}")
    notes: list[str] = []
    if empty:
        notes.append(
            f"{len(empty)} header cell(s) are empty; those columns are called {', '.join(map(repr, empty[:SHOWN]))}."
        )
    if renamed:
        notes.append(f"Header names that repeat or needed changing were renamed: {', '.join(renamed[:SHOWN])}.")
    return notes
