"""Benchmark of reports and why-analysis on generated tables with planted effects (not a test).

    python -m benchmarks.explain [--sizes 10000,1000000,10000000] [--seeds 20,5,1] [--timing] [--out DIR]

Each table has a date (2023-2024), four dimensions (region, product, channel, tier) and three
measures (revenue, rating, units), and one planted effect:

* segment_drop: revenue of one region falls 40% in 2024; the why-tool on "total revenue 2023 -> 2024"
  must rank that region first.
* mix_shift: one product (rated lower, in both years alike) grows from 1/6 to 40% of 2024's rows; the
  why-tool on "average rating 2023 -> 2024" must rank that product first and call it mostly mix.
* change_point: revenue steps up 15% on a known day; the report must find a change point within 14
  days of it; the why-tool must say no segment explains much (none does).
* outliers: 20 rows get a revenue 15-30 standard deviations high; the report must report outliers.
* group_difference: rating is 1.2 lower for one product in one region; the report must find the
  region's and the product's difference; the why-tool on "rating in that region against the rest"
  must rank that product first.
* null: nothing at all; the report must state no significant finding, the why-tool no driver.

Report precision counts findings about a planted effect's columns as right (a trend beside a planted
step is about the same effect); recall counts the planted effects found. ``--timing`` times a full
report (HTML written) on a 1M-row table against ydata-profiling's minimal mode on the same table, run
in its own virtual environment (``--ydata-python``, default /tmp/ydata-venv/bin/python: ydata-profiling
needs pandas < 3, which this project does not use).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("INSIGHTCHAT_PROGRESS", "0")

REGIONS = ["North", "South", "East", "West", "Central"]
PRODUCTS = ["Aurora", "Nimbus", "Pulse", "Stride", "Vista", "Quill"]
CHANNELS = ["web", "store", "phone"]
TIERS = ["free", "plus", "pro"]
START = date(2023, 1, 1)
DAYS = 731
KINDS = ["segment_drop", "mix_shift", "change_point", "outliers", "group_difference", "null"]


@dataclass
class Planted:
    kind: str
    report_truth: list[tuple[str, ...]]  # (kind group, columns...) the report must find
    why: dict = field(default_factory=dict)  # explain_change arguments
    why_driver: tuple[str, str] | None = None  # (dimension, value) expected first, None: "not explained"
    why_mix: bool = False
    change_day: str | None = None


def make_table(kind: str, n: int, seed: int) -> tuple[pd.DataFrame, Planted]:
    rng = np.random.default_rng(seed)
    day = np.datetime64(START.isoformat()) + rng.integers(0, DAYS, n).astype("timedelta64[D]")
    region = rng.integers(0, len(REGIONS), n)
    product = rng.integers(0, len(PRODUCTS), n)
    channel = rng.integers(0, len(CHANNELS), n)
    tier = rng.integers(0, len(TIERS), n)
    revenue = rng.normal(100, 20, n)
    rating = rng.normal(3.5, 0.8, n)
    units = rng.poisson(4, n).astype(float)
    in_2024 = day >= np.datetime64("2024-01-01")
    r, p = int(rng.integers(0, len(REGIONS))), int(rng.integers(0, len(PRODUCTS)))
    planted = Planted(kind, [])
    if kind == "segment_drop":
        revenue[(region == r) & in_2024] *= 0.6
        planted.report_truth = [("group", "revenue", "region"), ("time", "revenue")]
        planted.why = {"measure": "revenue", "aggregate": "sum", "before": "2023", "after": "2024"}
        planted.why_driver = ("region", REGIONS[r])
    elif kind == "mix_shift":
        rating = rng.normal(3.7, 0.8, n)
        rating[product == p] = rng.normal(2.5, 0.8, int((product == p).sum()))
        # 2024 rows become product p until it holds 40% of them; their rating follows the product
        later = np.flatnonzero(in_2024 & (product != p))
        move = rng.choice(later, size=int(0.28 * in_2024.sum()), replace=False)
        product[move] = p
        rating[move] = rng.normal(2.5, 0.8, len(move))
        planted.report_truth = [("group", "rating", "product"), ("time", "rating")]
        planted.why = {"measure": "rating", "aggregate": "avg", "before": "2023", "after": "2024"}
        planted.why_driver, planted.why_mix = ("product", PRODUCTS[p]), True
    elif kind == "change_point":
        offset = int(rng.integers(200, 530))
        change = START + timedelta(days=offset)
        revenue[day >= np.datetime64(change.isoformat())] *= 1.15
        planted.report_truth = [("time", "revenue")]
        planted.change_day = change.isoformat()
        after = f"{change.isoformat()}..{(START + timedelta(days=DAYS - 1)).isoformat()}"
        before = f"{START.isoformat()}..{(change - timedelta(days=1)).isoformat()}"
        planted.why = {"measure": "revenue", "aggregate": "avg", "before": before, "after": after}
    elif kind == "outliers":
        idx = rng.choice(n, size=20, replace=False)
        revenue[idx] = 100 + 20 * rng.uniform(15, 30, len(idx))
        planted.report_truth = [("outliers", "revenue")]
        planted.why = {"measure": "rating", "aggregate": "avg", "before": "2023", "after": "2024"}
    elif kind == "group_difference":
        rating[(region == r) & (product == p)] -= 1.2
        planted.report_truth = [("group", "rating", "region"), ("group", "rating", "product")]
        planted.why = {"measure": "rating", "aggregate": "avg", "segment_column": "region", "segment_value": REGIONS[r]}
        planted.why_driver = ("product", PRODUCTS[p])
    else:
        planted.why = {"measure": "revenue", "aggregate": "sum", "before": "2023", "after": "2024"}
    frame = pd.DataFrame(
        {
            "day": day,
            "region": np.asarray(REGIONS)[region],
            "product": np.asarray(PRODUCTS)[product],
            "channel": np.asarray(CHANNELS)[channel],
            "tier": np.asarray(TIERS)[tier],
            "revenue": revenue.round(2),
            "rating": rating.round(3),
            "units": units,
        }
    )
    return frame, planted


def finding_key(f) -> tuple[str, ...]:
    group = {"group_difference": "group", "change_point": "time", "trend": "time", "seasonality": "time"}.get(
        f.kind, f.kind
    )
    if group == "group":
        return ("group", f.columns[0], f.columns[1])
    return (group, f.columns[0])


def score_report(report, planted: Planted) -> dict:
    found = [f for f in report.findings if f.kind != "quality"]
    truth = set(planted.report_truth)
    right = [f for f in found if finding_key(f) in truth]
    hits = set()
    for key in truth:
        for f in found:
            if finding_key(f) != key:
                continue
            if key[0] == "time" and planted.change_day:
                if f.kind != "change_point":
                    continue
                gap = abs((date.fromisoformat(f.values["change_date"]) - date.fromisoformat(planted.change_day)).days)
                if gap > 14:
                    continue
            hits.add(key)
    return {
        "findings": len(found),
        "right": len(right),
        "truth": len(truth),
        "found": len(hits),
        "null_clean": (not found) if not truth else None,
        "ungrounded": len(report.ungrounded),
        "sentences": len(report.summary),
    }


def score_why(result, planted: Planted) -> dict:
    top = result.drivers[0] if result.drivers else None
    if planted.why_driver is None:
        honest = (not result.explained) or result.p_value >= 0.05
        return {"why_case": "honest", "why_ok": honest}
    ok = top is not None and (top.dimensions, top.values) == ((planted.why_driver[0],), (planted.why_driver[1],))
    ok = ok and result.explained
    if planted.why_mix and top is not None:
        ok = ok and abs(top.mix) > abs(top.rate)
    return {"why_case": "driver", "why_ok": bool(ok)}


def why_grounded(result) -> bool:
    """Every number of the why-answer's text comes from its tool result."""
    from insightchat.grounding import ungrounded_numbers
    from insightchat.tools.results import ToolResult

    text = result.meta["narration"]
    return not ungrounded_numbers(
        text, [ToolResult("why", "", data=result.data), ToolResult("why", "", data=result.meta["drivers"])]
    )


def run_case(kind: str, n: int, seed: int) -> dict:
    from insightchat.tools.report import build_report
    from insightchat.tools.why import explain_change, explain_change_tool
    from insightchat.tools.workspace import Workspace

    frame, planted = make_table(kind, n, seed)
    ws = Workspace()
    ws.add_dataframe(frame, "sales")
    del frame
    t0 = time.perf_counter()
    report = build_report(ws, "sales", with_text=False)
    seconds = time.perf_counter() - t0
    row = {"kind": kind, "rows": n, "seed": seed, "seconds": round(seconds, 2), **score_report(report, planted)}
    t0 = time.perf_counter()
    result = explain_change(ws, "sales", **planted.why)
    row["why_seconds"] = round(time.perf_counter() - t0, 2)
    row.update(score_why(result, planted))
    row["why_grounded"] = why_grounded(explain_change_tool(ws, "sales", **planted.why))
    row["why_top"] = result.drivers[0].name if result.drivers else ""
    ws.close()
    return row


def summarise(rows: list[dict]) -> list[dict]:
    out = []
    for n in sorted({r["rows"] for r in rows}):
        part = [r for r in rows if r["rows"] == n]
        findings = sum(r["findings"] for r in part)
        right = sum(r["right"] for r in part)
        truth = sum(r["truth"] for r in part)
        found = sum(r["found"] for r in part)
        nulls = [r for r in part if r["null_clean"] is not None]
        drivers = [r for r in part if r["why_case"] == "driver"]
        honest = [r for r in part if r["why_case"] == "honest"]
        out.append(
            {
                "rows": f"{n:,}",
                "tables": len(part),
                "report precision": f"{right / findings:.1%}" if findings else "n/a",
                "report recall": f"{found / truth:.1%}" if truth else "n/a",
                "null reports clean": f"{sum(r['null_clean'] for r in nulls)}/{len(nulls)}",
                "why driver top-ranked": f"{sum(r['why_ok'] for r in drivers)}/{len(drivers)}",
                "why honest (no driver)": f"{sum(r['why_ok'] for r in honest)}/{len(honest)}",
                "numbers grounded": f"{sum(r['ungrounded'] == 0 and r['why_grounded'] for r in part)}/{len(part)}",
                "report s (median)": f"{np.median([r['seconds'] for r in part]):.2f}",
            }
        )
    return out


def per_kind(rows: list[dict]) -> list[dict]:
    out = []
    for kind in KINDS:
        part = [r for r in rows if r["kind"] == kind]
        if not part:
            continue
        findings = sum(r["findings"] for r in part)
        out.append(
            {
                "kind": kind,
                "tables": len(part),
                "findings/table": f"{findings / len(part):.1f}",
                "precision": f"{sum(r['right'] for r in part) / findings:.1%}" if findings else "n/a",
                "recall": f"{sum(r['found'] for r in part) / max(1, sum(r['truth'] for r in part)):.1%}"
                if part[0]["truth"]
                else "n/a",
                "why ok": f"{sum(r['why_ok'] for r in part)}/{len(part)}",
            }
        )
    return out


def markdown(rows: list[dict]) -> str:
    cols = list(rows[0])
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(r[c]) for c in cols) + " |" for r in rows]
    return "\n".join(lines)


def timing(n: int, ydata_python: str, folder: Path) -> list[dict]:
    """A full report (HTML written) against ydata-profiling minimal mode on the same table, one run each."""
    from insightchat.tools.report import build_report
    from insightchat.tools.report.render import write_report
    from insightchat.tools.workspace import Workspace

    frame, _ = make_table("segment_drop", n, 0)
    parquet = folder / "timing.parquet"
    frame.to_parquet(parquet)
    del frame
    ws = Workspace(str(parquet))
    t0 = time.perf_counter()
    report = build_report(ws, ws.table_names()[0])
    write_report(report, folder / "report.html")
    ours = time.perf_counter() - t0
    rows = [{"tool": "insightchat report (full, HTML)", "rows": f"{n:,}", "seconds": f"{ours:.1f}", "ratio": "1.00"}]
    script = (
        "import sys,time,pandas as pd\nfrom ydata_profiling import ProfileReport\n"
        "t=time.perf_counter(); df=pd.read_parquet(sys.argv[1])\n"
        "ProfileReport(df, minimal=True, progress_bar=False).to_file(sys.argv[2])\nprint(time.perf_counter()-t)\n"
    )
    if Path(ydata_python).exists():
        done = subprocess.run(
            [ydata_python, "-c", script, str(parquet), str(folder / "ydata.html")], capture_output=True, text=True
        )
        if done.returncode == 0:
            theirs = float(done.stdout.strip().splitlines()[-1])
            rows.append(
                {
                    "tool": "ydata-profiling minimal",
                    "rows": f"{n:,}",
                    "seconds": f"{theirs:.1f}",
                    "ratio": f"{theirs / ours:.2f}",
                }
            )
        else:
            rows.append(
                {"tool": "ydata-profiling minimal", "rows": f"{n:,}", "seconds": "failed", "ratio": done.stderr[-200:]}
            )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,1000000,10000000")
    ap.add_argument("--seeds", default="20,5,1", help="seeds per size (same order as --sizes)")
    ap.add_argument("--seed-start", type=int, default=0, help="first seed (fresh seeds make a held-out set)")
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--timing", action="store_true", help="time a 1M-row report against ydata-profiling minimal")
    ap.add_argument("--timing-rows", type=int, default=1_000_000)
    ap.add_argument("--ydata-python", default="/tmp/ydata-venv/bin/python")
    ap.add_argument("--out", default=None, help="folder for per-case JSON lines and timing files")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    seeds = [int(s) for s in args.seeds.split(",") if s]
    out = Path(args.out or tempfile.mkdtemp(prefix="explain-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []
    with (out / "cases.jsonl").open("w") as log:
        for n, k in zip(sizes, seeds, strict=True):
            for seed in range(args.seed_start, args.seed_start + k):
                for kind in args.kinds.split(","):
                    row = run_case(kind, n, seed)
                    rows.append(row)
                    log.write(json.dumps(row) + "\n")
                    log.flush()
                    print(json.dumps(row), file=sys.stderr)
    if rows:
        print("## Planted effects\n")
        print(markdown(summarise(rows)))
        print("\n## By kind (all sizes)\n")
        print(markdown(per_kind(rows)))
    if args.timing:
        print("\n## Full report on the same table\n")
        print(markdown(timing(args.timing_rows, args.ydata_python, out)))


if __name__ == "__main__":
    main()
