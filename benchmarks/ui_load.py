"""A bounded load test of the UI: concurrent sessions ask and upload, and nothing crosses between them.

The real app (offline planner) is launched on 127.0.0.1; each of ``--sessions`` threads drives its
own ``gradio_client.Client`` (its own Gradio session) for ``--duration`` seconds. Every session uploads
``data.csv`` (the same table name everywhere) holding its own token and its own number of rows, then
keeps asking (SQL and a plain-language question), uploading more files and fetching its result CSV.

A leak is any reply, table list or downloaded file of one session that holds another session's token
or table, or an answer with another session's row count. Latency (p50/p95/max) is per kind of request.

    .venv/bin/python benchmarks/ui_load.py --sessions 12 --duration 120
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

KINDS = ("ask_sql", "ask_question", "upload", "download")


def token(i: int) -> str:
    return f"tok{i:02d}x{(i * 7919) % 10007:05d}"


@dataclass
class SessionLog:
    """What one session saw: latencies per kind, errors and leaks (with a short description)."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)  # its own answer or file missing or wrong (not a leak)


def _foreign(text: str, me: int, sessions: int) -> list[int]:
    return [j for j in range(sessions) if j != me and token(j) in text]


def drive(i: int, sessions: int, url: str, until: float, folder: Path, log: SessionLog, seed: int) -> None:
    """One session's loop; every reply is checked against what only this session may see."""
    from gradio_client import Client, handle_file

    rng = random.Random(seed * 1000 + i)
    rows = 3 + i
    client = Client(url, verbose=False, download_files=False)
    data = folder / f"s{i}" / "data.csv"
    data.parent.mkdir(parents=True, exist_ok=True)
    data.write_text("k,v\n" + "".join(f"{token(i)},{r}\n" for r in range(rows)))
    extras = 0

    def timed(kind: str, fn: Any) -> Any:
        start = time.perf_counter()
        try:
            return fn()
        except Exception as exc:  # a failed request is counted, the session goes on
            log.errors.append(f"{kind}: {type(exc).__name__}: {str(exc)[:120]}")
            return None
        finally:
            log.latencies[kind].append(time.perf_counter() - start)

    def check(kind: str, payload: Any) -> str:
        text = json.dumps(payload, default=str)
        for j in _foreign(text, i, sessions):
            log.leaks.append(f"session {i} {kind} shows session {j}'s token")
        for j in range(sessions):
            if j != i and f"extra_s{j}_" in text:
                log.leaks.append(f"session {i} {kind} lists session {j}'s table")
        return text

    check("upload", timed("upload", lambda: client.predict([handle_file(str(data))], api_name="/upload")))
    while time.perf_counter() < until:
        action = rng.choice(KINDS)
        if action == "ask_sql":
            out = timed(action, lambda: client.predict("SELECT count(*) AS n, min(k) AS k FROM data", api_name="/ask"))
            if out is not None:
                check(action, out)
                final = json.dumps(out[1][-1]) if out[1] else ""
                if token(i) not in final or f">{rows}<" not in final:
                    log.wrong.append(f"session {i} ask_sql: not its own answer ({rows} rows, {token(i)})")
        elif action == "ask_question":
            out = timed(action, lambda: client.predict("how many rows are in data?", api_name="/ask"))
            if out is not None:
                check(action, out)
        elif action == "upload":
            extras += 1
            extra = folder / f"s{i}" / f"extra_s{i}_{extras}.csv"
            extra.write_text(f"k\n{token(i)}\n")
            check(action, timed(action, lambda p=extra: client.predict([handle_file(str(p))], api_name="/upload")))
        else:

            def fetch() -> str:
                client.predict("SELECT k, v FROM data ORDER BY v", api_name="/ask")
                button = client.predict(api_name="/downloads")[0]
                value = button.get("value") if isinstance(button, dict) else None
                return httpx.get(value["url"], timeout=30).text if value else ""

            body = timed(action, fetch)
            if body is not None:
                check(action, body)
                if token(i) not in body or body.count("\n") != rows + 1:
                    log.wrong.append(f"session {i} download: not its own file")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=12, help="concurrent sessions (8-16)")
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of load")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    from ui_helpers import free_port

    from insightchat.ui.app import build_app, close_app, serve
    from insightchat.ui.planners import offline_option

    demo = build_app([], planner_options=[offline_option()])
    serve(demo, port=free_port(), host="127.0.0.1", prevent_thread_lock=True)
    logs = [SessionLog() for _ in range(args.sessions)]
    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="ui-load-") as tmp:
            until = time.perf_counter() + args.duration
            threads = [
                threading.Thread(
                    target=drive,
                    args=(i, args.sessions, demo.local_url, until, Path(tmp), logs[i], args.seed),
                    daemon=True,
                )
                for i in range(args.sessions)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join(args.duration + 300)
        sessions_open = len(demo.insight_registry)
    finally:
        close_app(demo)
    wall = time.perf_counter() - started

    print(f"UI load: {args.sessions} sessions, {args.duration:g} s of load, {wall:.0f} s wall, offline planner")
    print("| request      | count | p50 s | p95 s | max s | errors |")
    print("|--------------|------:|------:|------:|------:|-------:|")
    errors_by_kind: dict[str, int] = defaultdict(int)
    for log in logs:
        for e in log.errors:
            errors_by_kind[e.split(":")[0]] += 1
    for kind in KINDS:
        values = [v for log in logs for v in log.latencies.get(kind, [])]
        top = max(values) if values else float("nan")
        print(
            f"| {kind:<12} | {len(values):>5} | {percentile(values, 50):>5.2f} | {percentile(values, 95):>5.2f} |"
            f" {top:>5.2f} | {errors_by_kind[kind]:>6} |"
        )
    leaks = [leak for log in logs for leak in log.leaks]
    wrong = [w for log in logs for w in log.wrong]
    print(f"cross-session leaks (another session's token or table): {len(leaks)}")
    print(f"own answer or file missing or wrong (e.g. after a timed-out upload): {len(wrong)}")
    print(f"sessions the server held at the end: {sessions_open}")
    for line in leaks[:10] + wrong[:5] + [e for log in logs for e in log.errors][:5]:
        print(" -", line)
    return 1 if leaks else 0


if __name__ == "__main__":
    raise SystemExit(main())
