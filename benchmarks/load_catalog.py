"""Load + catalog time and peak memory on a generated large CSV, next to DuckDB's own SUMMARIZE.

    python -m benchmarks.load_catalog --rows 10000000 [--path /tmp/big.csv]

Each method runs in a fresh subprocess so its peak resident memory (ru_maxrss) is its own:
- insightchat: ``Workspace([csv])`` (a view over read_csv for a large file) + ``catalog()``
- baseline: ``CREATE VIEW ... read_csv(...)`` + ``SUMMARIZE`` in plain DuckDB (the obvious way)
The table prints seconds, peak MB and the ratio insightchat / baseline.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
path, method = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
if method == "insightchat":
    from insightchat.tools.workspace import Workspace
    ws = Workspace([path])
    t1 = time.perf_counter()
    cat = ws.catalog()
    prof = next(iter(cat.tables.values()))
    rows, cols = prof.row_count, len(prof.columns)
    indexed = sum(1 for c in prof.columns if c.values is not None)
else:
    import duckdb
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(f"CREATE VIEW big AS SELECT * FROM read_csv('{path}')")
    t1 = time.perf_counter()
    summary = con.execute("SUMMARIZE big").df()
    rows, cols, indexed = int(summary["count"].iloc[0]), len(summary), 0
t2 = time.perf_counter()
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"load_s": t1 - t0, "catalog_s": t2 - t1, "total_s": t2 - t0, "peak_mb": peak_mb,
                  "rows": rows, "cols": cols, "indexed": indexed}))
"""


def generate_csv(path: Path, rows: int) -> None:
    """A realistic wide-ish table written by DuckDB itself (fast, deterministic)."""
    import duckdb

    con = duckdb.connect()
    con.execute(
        f"""
        COPY (
          SELECT i AS order_id,
                 DATE '2020-01-01' + CAST(hash(i) % 1461 AS INTEGER) AS order_date,
                 ['North','South','East','West'][1 + CAST(hash(i * 7) % 4 AS INTEGER)] AS region,
                 'product_' || CAST(hash(i * 13) % 200 AS VARCHAR) AS product,
                 ['card','cash','transfer'][1 + CAST(hash(i * 3) % 3 AS INTEGER)] AS payment,
                 round((hash(i * 31) % 100000) / 100.0, 2) AS amount,
                 CAST(hash(i * 17) % 10 AS INTEGER) AS quantity,
                 CASE WHEN hash(i * 5) % 20 = 0 THEN NULL ELSE CAST(hash(i * 11) % 5000 AS INTEGER) END AS customer_id
          FROM range({rows}) t(i)
        ) TO '{path}' (HEADER, DELIMITER ',')
        """
    )


def run_child(path: Path, method: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), method], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--path", type=Path, default=None, help="CSV to use (generated if missing)")
    args = parser.parse_args()
    path = args.path or Path(f"/tmp/insightchat_bench_{args.rows}.csv")
    if not path.exists():
        t = time.perf_counter()
        generate_csv(path, args.rows)
        print(f"generated {path} ({path.stat().st_size / 1e6:,.0f} MB) in {time.perf_counter() - t:.1f} s")
    results = {m: run_child(path, m) for m in ("baseline", "insightchat")}
    print(
        f"\nLoad + catalog of {results['insightchat']['rows']:,} rows x {results['insightchat']['cols']} columns "
        f"({path.stat().st_size / 1e6:,.0f} MB CSV)\n"
    )
    print("| method | load s | catalog s | total s | peak MB |")
    print("|---|---:|---:|---:|---:|")
    for name, label in (("baseline", "DuckDB read_csv + SUMMARIZE"), ("insightchat", "Workspace + catalog()")):
        r = results[name]
        print(f"| {label} | {r['load_s']:.2f} | {r['catalog_s']:.2f} | {r['total_s']:.2f} | {r['peak_mb']:,.0f} |")
    a, b = results["insightchat"], results["baseline"]
    print(
        f"| ratio insightchat / baseline | | | {a['total_s'] / b['total_s']:.2f}x "
        f"| {a['peak_mb'] / b['peak_mb']:.2f}x |"
    )
    print(
        f"\ninsightchat's catalog also holds a value index for {a['indexed']} low-cardinality columns and samples; "
        "SUMMARIZE does not."
    )


if __name__ == "__main__":
    main()
