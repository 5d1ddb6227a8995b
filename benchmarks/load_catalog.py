"""Load + catalog time and peak memory on a generated large CSV, next to DuckDB's own read_csv.

    python -m benchmarks.load_catalog --rows 10000000 [--path /tmp/big.csv]
    python -m benchmarks.load_catalog --rows 10000000 --text multiline --delete   # ~5 GB, quoted free text
    python -m benchmarks.load_catalog --rows 10000000 --text multiline --memory-limit 2GB

A loaded file is copied into the engine's database, which keeps to its memory limit and spills the
rest to its temp folder: the peak follows the limit, not the file's size.

Each method runs in a fresh subprocess, and its peak memory is that of its whole process tree (the
workspace's DuckDB runs in an engine process forked by a fork server, so the script's own
``ru_maxrss`` misses most of it): the resident sets of the process and all its descendants are
summed every 0.2 s (proportional set size, so pages a fork shares count once) and the highest sum is
the peak. The methods:

- assistant: ``Assistant(path)`` (the CSV loader tools/csv_reading.py, the cleaning step
  tools/cleaning.py and the planner), ``a.workspace.catalog()`` and one ``count(*)``: what a user gets
- workspace: ``Workspace([path])`` + ``catalog()`` (no cleaning)
- baseline: ``CREATE VIEW ... read_csv(...)`` + ``SUMMARIZE`` in plain DuckDB (the obvious way)

``--text multiline`` adds a quoted free-text column whose cells hold line breaks (LF, some CRLF),
commas and doubled quotes, 40-840 characters long, so that 10M rows make about 5 GB. The table
prints seconds and peak MB per method, and each as a multiple of the baseline's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from insightchat.tools.engine import MEMORY_ENV

CHILD = r"""
import json, os, resource, sys, threading, time
import psutil

path, method = sys.argv[1], sys.argv[2]
me = psutil.Process()
peaks = {"tree": 0, "largest": 0}
phase_peak = {}
phase = ["load"]
stop = threading.Event()

def sample():
    while True:
        total = largest = 0
        for p in [me, *me.children(recursive=True)]:
            try:
                rss = p.memory_full_info().pss  # shared pages (fork, mmap) counted once across the tree
            except psutil.Error:
                continue
            total += rss
            largest = max(largest, rss)
        peaks["tree"] = max(peaks["tree"], total)
        peaks["largest"] = max(peaks["largest"], largest)
        phase_peak[phase[0]] = max(phase_peak.get(phase[0], 0), total)
        if stop.wait(0.2):
            return

sampler = threading.Thread(target=sample, daemon=True)
sampler.start()
marks = {}
t0 = time.perf_counter()
if method in ("assistant", "workspace"):
    from insightchat.tools.workspace import Workspace
    ws = Workspace([path])
    marks["load_s"] = time.perf_counter() - t0
    if method == "assistant":  # Assistant(path) is Assistant(Workspace(path)): timed in two steps
        phase[0] = "clean"
        from insightchat.assistant import Assistant
        a = Assistant(ws)
        marks["clean_s"] = time.perf_counter() - t0 - marks["load_s"]
        ws = a.workspace
    phase[0] = "catalog"
    t1 = time.perf_counter()
    cat = ws.catalog()
    marks["catalog_s"] = time.perf_counter() - t1
    name, prof = next(iter(cat.tables.items()))
    phase[0] = "query"
    t1 = time.perf_counter()
    rows = int(ws.query_rows(f'SELECT count(*) FROM "{name}"')[0][0])
    marks["query_s"] = time.perf_counter() - t1
    cols, indexed = len(prof.columns), sum(1 for c in prof.columns if c.values is not None)
    ws.close()
else:
    import duckdb
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(f"CREATE VIEW big AS SELECT * FROM read_csv('{path}')")
    marks["load_s"] = time.perf_counter() - t0
    phase[0] = "catalog"
    t1 = time.perf_counter()
    summary = con.execute("SUMMARIZE big").df()
    marks["catalog_s"] = time.perf_counter() - t1
    rows, cols, indexed = int(summary["count"].iloc[0]), len(summary), 0
total_s = time.perf_counter() - t0
stop.set()
sampler.join()
self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({**marks, "total_s": total_s, "peak_mb": peaks["tree"] / 2**20,
                  "largest_mb": peaks["largest"] / 2**20, "self_mb": self_mb,
                  "phase_mb": {k: v / 2**20 for k, v in phase_peak.items()},
                  "rows": rows, "cols": cols, "indexed": indexed}))
"""

# Free text a support ticket might hold: LF line breaks, a few CRLF, commas, quotes (doubled in the CSV).
PASSAGE = (
    'Hello team,\nI ordered the "Deluxe" kettle on Monday, and it arrived with a cracked lid.\n'
    "The box looked fine, but the lid, the handle and the base were loose.\r\n"
    'Could you send a replacement? I have attached photos, the receipt and the "order summary" page.\n\n'
    "Thanks, Anna\n-- \nSent from my phone\n"
    'Update: the courier said "not our problem", so I am writing again, a week later.\n'
    "Steps I tried: 1) unplugged it, 2) reset the switch, 3) called support, twice.\r\n"
    "Nothing worked; the light blinks red, then green, then goes off.\n"
    "Please refund to the original card, or store credit if that is faster, whichever you prefer.\n"
    'Best regards,\r\nMr. O\'Neill, "Flat 4", 12 High Street\n'
    'P.S. the manual says "do not immerse", which I did not, promise.\n'
    "Second update: still waiting, it has been ten days now, and nobody has called back.\n"
    "I would like to speak to a manager, please, or at least get a ticket number.\r\n"
    "The chat agent said the warranty covers it, the phone agent said it does not, so which is it?\n"
    'Our office uses twelve of these kettles, and three of them show the same fault, all from batch "K-7".\n'
    'If it helps, the serial numbers are on the sticker underneath, next to the "CE" mark.\n'
    "Regards,\nthe facilities team\n"
    'Third update, from a colleague: we tested a fourth kettle, it trips the breaker, "every single time".\r\n'
    "Please collect all faulty units from reception, weekdays between 9 and 5, and confirm by email.\n"
    'Invoice ref. INV-2291, PO 77-B; cost centre "Ops, North".\n'
)
TEXT_START_SPAN = 600  # a cell is a window of PASSAGE starting in its first 600 characters
TEXT_LENGTHS = (40, 800)  # 40 to 839 characters


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def generate_csv(path: Path, rows: int, text: str = "none") -> None:
    """A realistic wide-ish table written by DuckDB itself (fast, deterministic); ``text='multiline'``
    adds a free-text ``comment`` column (3% empty, every other cell distinct, most with line breaks)."""
    import duckdb

    assert len(PASSAGE) >= TEXT_START_SPAN + sum(TEXT_LENGTHS), len(PASSAGE)
    comment = ""
    if text == "multiline":
        lo, span = TEXT_LENGTHS
        comment = (
            f", CASE WHEN hash(i * 37) % 33 = 0 THEN NULL ELSE 'Ticket ' || i || ': ' || "
            f"substr({_sql_string(PASSAGE)}, 1 + CAST(hash(i * 23) % {TEXT_START_SPAN} AS INTEGER), "
            f"{lo} + CAST(hash(i * 29) % {span} AS INTEGER)) END AS comment"
        )
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
                 {comment}
          FROM range({rows}) t(i)
        ) TO '{path}' (HEADER, DELIMITER ',')
        """
    )


def run_child(path: Path, method: str, memory_limit: str | None = None) -> dict[str, float]:
    env = dict(os.environ)
    if memory_limit:
        env[MEMORY_ENV] = memory_limit
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), method], capture_output=True, text=True, env=env)
    if out.returncode:
        raise SystemExit(f"{method} failed (exit {out.returncode}):\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


LABELS = {
    "baseline": "DuckDB read_csv + SUMMARIZE",
    "workspace": "Workspace + catalog()",
    "assistant": "Assistant(path) + catalog() + count(*)",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows to generate (default 10,000,000)")
    parser.add_argument("--path", type=Path, default=None, help="CSV to use (generated if missing)")
    parser.add_argument(
        "--text",
        choices=("none", "multiline"),
        default="none",
        help="'multiline': add a quoted free-text column with line breaks, commas and quotes (~500 bytes a row)",
    )
    parser.add_argument(
        "--methods",
        default="baseline,workspace,assistant",
        help="comma-separated, from baseline, workspace, assistant (default: all three; baseline is needed for ratios)",
    )
    parser.add_argument(
        "--memory-limit",
        default=None,
        help="engine memory limit for the insightchat methods (e.g. 2GB; default: a quarter of the machine)",
    )
    parser.add_argument("--delete", action="store_true", help="delete the generated CSV at the end")
    parser.add_argument("--json", type=Path, default=None, help="also write the raw results here")
    args = parser.parse_args()
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    if unknown := set(methods) - set(LABELS):
        parser.error(f"unknown method(s): {', '.join(sorted(unknown))}")
    suffix = "" if args.text == "none" else f"_{args.text}"
    path = args.path or Path(f"/tmp/insightchat_bench_{args.rows}{suffix}.csv")
    generated = False
    if not path.exists():
        t = time.perf_counter()
        generate_csv(path, args.rows, args.text)
        generated = True
        print(f"generated {path} ({path.stat().st_size / 1e6:,.0f} MB) in {time.perf_counter() - t:.1f} s")
    size_mb = path.stat().st_size / 1e6
    try:
        results = {}
        for m in methods:
            results[m] = run_child(path, m, args.memory_limit)
            print(f"  {m}: {results[m]['total_s']:.1f} s, peak {results[m]['peak_mb']:,.0f} MB", flush=True)
    finally:
        if args.delete and generated:
            path.unlink()
    if args.json:
        args.json.write_text(json.dumps({"path": str(path), "size_mb": size_mb, "results": results}, indent=2))
    first = results[methods[-1]]
    print(f"\nLoad + catalog of {first['rows']:,} rows x {first['cols']} columns ({size_mb:,.0f} MB CSV)\n")
    print("| method | load s | clean s | catalog s | query s | total s | peak MB | time / DuckDB | peak / DuckDB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    base = results.get("baseline")

    def cell(r: dict, key: str) -> str:
        return f"{r[key]:.2f}" if key in r else ""

    for m in methods:
        r = results[m]
        ratios = f"{r['total_s'] / base['total_s']:.2f}x | {r['peak_mb'] / base['peak_mb']:.2f}x" if base else " | "
        print(
            f"| {LABELS[m]} | {cell(r, 'load_s')} | {cell(r, 'clean_s')} | {cell(r, 'catalog_s')} | "
            f"{cell(r, 'query_s')} | {r['total_s']:.2f} | {r['peak_mb']:,.0f} | {ratios} |"
        )
    print("\npeak MB: the highest sum of proportional resident memory (PSS) over a method's process tree.")
    for m in methods:
        r = results[m]
        phases = ", ".join(f"{k} {v:,.0f}" for k, v in r["phase_mb"].items())
        print(f"  {m}: largest single process {r['largest_mb']:,.0f} MB; peak by phase (MB): {phases}")
    if "workspace" in results or "assistant" in results:
        print(
            "\ninsightchat's catalog also holds a value index for low-cardinality columns and samples; "
            "SUMMARIZE does not."
        )


if __name__ == "__main__":
    main()
