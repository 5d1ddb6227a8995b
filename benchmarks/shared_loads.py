"""Every CSV / TSV under a data folder, opened as a user opens it, next to DuckDB's own read_csv.

    python -m benchmarks.shared_loads [--data ../shared/data] [--skip tablequestions/csv]

For each file: does ``Workspace([path])`` (the project's loader, tools/csv_reading.py) open it, with
what shape (rows x columns, the loader's own notes about title rows and footers taken into account),
and does that shape match Python's ``csv`` module's reading of the file (delimiter by extension,
first line the header)? The baseline is plain DuckDB, ``read_csv(path)`` with its defaults: does it
open, and with which shape. The WikiTableQuestions tables have their own check
(benchmarks/tablequestions.py) and are skipped by default.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import duckdb

from benchmarks.tablequestions import expected_shape

csv.field_size_limit(sys.maxsize)


def project_shape(path: Path) -> tuple[tuple[int, int] | None, list[str], str]:
    """(rows, columns) as the project's loader reads the file, its notes, and the error if it failed."""
    from insightchat.tools.workspace import Workspace

    try:
        ws = Workspace([path])
    except Exception as exc:  # a file that does not load is the finding
        return None, [], f"{type(exc).__name__}: {str(exc)[:120]}"
    name = ws.table_names()[0]
    source = ws.sources.get(name)
    notes = list(source.notes) if source is not None else []
    rows = int(ws.query_rows(f'SELECT count(*) FROM "{name}"')[0][0])
    return (rows, len(ws.columns(name))), notes, ""


def duckdb_shape(path: Path) -> tuple[tuple[int, int] | None, str]:
    """(rows, columns) as plain DuckDB's read_csv reads the file with its defaults (the baseline)."""
    con = duckdb.connect()
    try:
        rows = con.execute("SELECT count(*) FROM read_csv(?)", [str(path)]).fetchall()[0][0]
        columns = len(con.execute("DESCRIBE SELECT * FROM read_csv(?)", [str(path)]).fetchall())
        return (int(rows), columns), ""
    except Exception as exc:
        return None, f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
    finally:
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--skip", action="append", default=["tablequestions/csv"], help="sub-folders left out")
    args = parser.parse_args()
    files = sorted(
        p
        for p in args.data.rglob("*")
        if p.suffix.lower() in (".csv", ".tsv") and not any(s in p.relative_to(args.data).as_posix() for s in args.skip)
    )
    print(f"{'file':58} {'MB':>6} {'insightchat':>14} {'csv module':>14} {'match':>5} {'s':>5}  duckdb read_csv")
    loaded = matched = duck_loaded = duck_matched = 0
    for path in files:
        start = time.perf_counter()
        shape, notes, error = project_shape(path)
        seconds = time.perf_counter() - start
        tsv = path.suffix.lower() == ".tsv"  # tab-separated values have no quoting (IANA); a CSV doubles its quotes
        want = expected_shape(
            path, notes, "\t" if tsv else ",", escapechar=None, quoting=csv.QUOTE_NONE if tsv else csv.QUOTE_MINIMAL
        )
        duck, duck_error = duckdb_shape(path)
        loaded += shape is not None
        matched += shape == want
        duck_loaded += duck is not None
        duck_matched += duck == want
        shown = f"{shape[0]} x {shape[1]}" if shape else "failed"
        duck_shown = f"{duck[0]} x {duck[1]}" if duck else f"failed ({duck_error})"
        print(
            f"{path.relative_to(args.data).as_posix()[:58]:58} {path.stat().st_size / 1e6:6.1f} {shown:>14} "
            f"{f'{want[0]} x {want[1]}':>14} {'yes' if shape == want else 'NO':>5} {seconds:5.1f}  {duck_shown}"
        )
        if error:
            print(f"    {error}")
    n = len(files)
    print(f"\n{n} files: insightchat loads {loaded} ({matched} with the csv module's shape); ", end="")
    print(f"DuckDB's read_csv with its defaults loads {duck_loaded} ({duck_matched} with that shape)")


if __name__ == "__main__":
    main()
