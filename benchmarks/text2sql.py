"""Text-to-SQL benchmark on Spider-style data: execution accuracy, abstention and wrong answers.

    python -m benchmarks.text2sql --questions Q.jsonl --db-dir DIR --out PRED.jsonl \
        [--planner offline|bare|llm|hybrid] [--llm provider:model] [--limit N --seed S] [--workers 2]

Each input line has ``id``, ``db_id``, ``question`` and maybe ``gold_sql``; ``DIR/<db_id>.sqlite``
is the database. Each output line is ``{"id": ..., "sql": ... or null}`` (null = abstained).

When gold SQL is present, both queries run on the same :class:`insightchat.tools.workspace.Workspace` (the
prediction through the safe SQL tool, ``insightchat.tools.sql.run_query``) and their rows are compared as
multisets (in order when the gold has ORDER BY). Like Spider's official execution metric, columns
may come in any order: each predicted column is matched to a gold column with the same values.
Questions whose gold SQL fails on DuckDB are reported and left out of the accuracy.

``wrong %`` is answered-but-wrong over answered questions: the number that matters most for trust.

``--details`` also records the offline planner's risk flags per question (see
``insightchat.planner.offline.trust``). To measure what a gate costs, run once with
``TEXT2SQL_NO_GATE=1`` (the planner answers even when a blocking flag is raised) and count, per flag,
the wrong and correct answers it would remove.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import math
import multiprocessing as mp
import os
import random
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot import exp
from tqdm import tqdm

from insightchat.planner.llm.observer import TurnObserver, Verdict

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


# ---------------------------------------------------------------------------------------- planners
def make_planner(name: str, llm: str | None = None, observer: Any = None) -> Any:
    """The planner to benchmark. LLM planners are imported lazily so the offline run needs none;
    ``observer`` (a :class:`TurnLog`) sees what the model's turns did beyond their plans."""
    if name == "offline":
        from insightchat.planner.offline import OfflinePlanner

        return OfflinePlanner(gate=os.environ.get("TEXT2SQL_NO_GATE") != "1")
    if name == "bare":  # the baseline: CREATE TABLE lines + question, one call (benchmarks/bare_prompt.py)
        from benchmarks.bare_prompt import BarePromptPlanner

        return BarePromptPlanner(llm or "local")
    if name not in ("llm", "hybrid"):
        raise SystemExit(f"unknown planner {name!r}: choose offline, bare, llm or hybrid")
    from insightchat.models.chat import make_chat_model
    from insightchat.planner.llm import LLMPlanner
    from insightchat.planner.select import hybrid_planner

    model = make_chat_model(llm) if llm else None
    if name == "llm":  # the configured model (INSIGHTCHAT_LLM) when --llm is not given
        return LLMPlanner(model, observer=observer)
    return hybrid_planner(model if model is not None else "local", observer=observer)


class TurnLog(TurnObserver):
    """What the LLM planner reports of one question beyond its Plan (reset before each question):
    the cross-check's verdict and time, and how the agent turn ended."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.verdict: Verdict | None = None
        self.cross_check_s = 0.0
        self.stop_reason = ""
        self.tokens = 0

    def turn_ended(self, attempts: list[Any], tokens: int, stop_reason: str) -> None:
        self.tokens, self.stop_reason = tokens, stop_reason

    def cross_checked(self, verdict: Verdict, seconds: float) -> None:
        self.verdict, self.cross_check_s = verdict, seconds


# ---------------------------------------------------------------------------------------- gold shape
def question_type(gold_sql: str | None) -> str:
    """A coarse shape of the gold query: nested > join > group > order-limit > agg > count > filter > select."""
    if not gold_sql:
        return "unknown"
    try:
        tree = sqlglot.parse_one(gold_sql, read="duckdb")
    except sqlglot.errors.ParseError:
        return "unparsed"
    if (
        isinstance(tree, (exp.Union, exp.Intersect, exp.Except))
        or any(True for _ in tree.find_all(exp.Subquery))
        or any(
            isinstance(s.parent, (exp.In, exp.EQ, exp.GT, exp.LT, exp.GTE, exp.LTE, exp.NEQ))
            for s in tree.find_all(exp.Select)
            if s is not tree
        )
    ):
        return "nested"
    if tree.args.get("joins"):
        return "join"
    if tree.args.get("group"):
        return "group"
    if tree.args.get("order"):
        return "order-limit" if tree.args.get("limit") else "order"
    aggs = list(tree.find_all(exp.AggFunc))
    if aggs:
        if all(isinstance(a, exp.Count) for a in aggs):
            return "count"
        return "agg"
    if tree.args.get("where"):
        return "filter"
    return "select"


def is_single_table(gold_sql: str | None) -> bool:
    try:
        tree = sqlglot.parse_one(gold_sql or "", read="duckdb")
    except sqlglot.errors.ParseError:
        return False
    return len({t.name.lower() for t in tree.find_all(exp.Table)}) == 1


# ---------------------------------------------------------------------------------------- comparison
def _norm(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        with contextlib.suppress(ValueError, AttributeError):
            v = v.item()
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, (int, float)):
        f = float(v)
        return round(f, 4) if not f.is_integer() else int(f)
    if hasattr(v, "isoformat"):
        return v.isoformat()
    try:
        import decimal

        if isinstance(v, decimal.Decimal):
            return _norm(float(v))
    except ImportError:
        pass
    return str(v)


def _rows(df: Any) -> list[tuple[Any, ...]]:
    return [tuple(_norm(v) for v in row) for row in df.itertuples(index=False, name=None)]


def results_match(pred: list[tuple[Any, ...]], gold: list[tuple[Any, ...]], ordered: bool) -> bool:
    """Same rows (as multisets, or in order), allowing the columns to come in a different order."""
    if len(pred) != len(gold):
        return False
    if not gold:
        return True
    if len(pred[0]) != len(gold[0]):
        return False
    ncol = len(gold[0])
    gold_cols = [Counter(r[i] for r in gold) for i in range(ncol)]
    pred_cols = [Counter(r[i] for r in pred) for i in range(ncol)]
    # candidate mappings: each gold column to the pred columns with the same multiset of values
    options = [[j for j in range(ncol) if pred_cols[j] == gold_cols[i]] for i in range(ncol)]
    if any(not o for o in options):
        return False

    def mappings(i: int, used: set[int]) -> Any:
        if i == ncol:
            yield []
            return
        for j in options[i]:
            if j not in used:
                for rest in mappings(i + 1, used | {j}):
                    yield [j] + rest

    for n, perm in enumerate(mappings(0, set())):
        if n > 50:
            break
        reordered = [tuple(r[j] for j in perm) for r in pred]
        if ordered and reordered == gold:
            return True
        if not ordered and Counter(reordered) == Counter(gold):
            return True
    return False


def gold_with_sort_keys(
    gold_sql: str, ws: Any
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], int | None] | None:
    """The gold query's rows without its LIMIT, in its order, each with its sort key, and the LIMIT;
    None when the query is not one plain ordered SELECT (or the keyed query fails).

    Why: rows whose sort keys tie come back from DuckDB in any order, so "the top 3 by count" or "by
    count, descending" has several right answers when counts tie. Comparing with the one order the
    gold query happened to return counted right answers as wrong, at random (measured: the same SQL
    was scored right in one run and wrong in the next)."""
    try:
        tree = sqlglot.parse_one(gold_sql, read="duckdb")
    except sqlglot.errors.ParseError:
        return None
    if not isinstance(tree, exp.Select) or not tree.args.get("order") or tree.args.get("offset"):
        return None

    def text(e: exp.Expression) -> str:
        return e.sql(dialect="duckdb").replace('"', "").lower()

    shown_names = {text(e.unalias()) for e in tree.expressions} | {e.alias_or_name.lower() for e in tree.expressions}
    if tree.args.get("distinct") and any(text(o.this) not in shown_names for o in tree.args["order"].expressions):
        return None  # a DISTINCT query sorted by a column it does not show: adding the key would change its rows
    limit = tree.args.get("limit")
    try:
        count = int(limit.expression.name) if limit is not None else None
    except (AttributeError, ValueError):
        return None
    keyed = tree.copy()
    keyed.set("limit", None)
    width = len(keyed.expressions)
    if any(
        isinstance(e, exp.Star) or isinstance(e, exp.Column) and isinstance(e.this, exp.Star) for e in keyed.expressions
    ):
        return None
    keys = [o.this.copy() for o in keyed.args["order"].expressions]
    keyed.select(*(exp.alias_(k, f"__sort_key_{i}") for i, k in enumerate(keys)), copy=False)
    try:
        rows = _rows(ws.query_df(keyed.sql(dialect="duckdb")))
    except Exception:
        return None
    return [r[:width] for r in rows], [r[width:] for r in rows], count


def matches_up_to_ties(
    pred: list[tuple[Any, ...]], gold: list[tuple[Any, ...]], keys: list[tuple[Any, ...]], limit: int | None
) -> bool:
    """Whether ``pred`` is the gold rows in the gold order except among rows with equal sort keys
    (and, under a LIMIT, any of the tied rows at the cut). ``gold``/``keys``: all rows, no LIMIT."""
    expected = len(gold) if limit is None else min(limit, len(gold))
    if len(pred) != expected or not pred:
        return not pred and expected == 0
    ncol = len(gold[0])
    if len(pred[0]) != ncol:
        return False
    gold_values = [set(r[i] for r in gold) for i in range(ncol)]
    options = [[j for j in range(ncol) if {r[j] for r in pred} <= gold_values[i]] for i in range(ncol)]
    for perm in itertools.islice((p for p in itertools.product(*options) if len(set(p)) == ncol), 50):
        rows = [tuple(r[j] for j in perm) for r in pred]
        if _fits_tie_blocks(rows, gold, keys):
            return True
    return False


def _fits_tie_blocks(pred: list[tuple[Any, ...]], gold: list[tuple[Any, ...]], keys: list[tuple[Any, ...]]) -> bool:
    start = 0
    while start < len(pred):
        end = start
        while end < len(gold) and keys[end] == keys[start]:
            end += 1  # gold[start:end]: one block of equal sort keys
        got = Counter(pred[start:end])
        block = Counter(gold[start:end])
        if end <= len(pred) and got != block or end > len(pred) and any(got[r] > block[r] for r in got):
            return False
        start = end
    return True


# ---------------------------------------------------------------------------------------- running
@dataclass
class Outcome:
    id: str
    db_id: str
    sql: str | None
    qtype: str
    single: bool
    status: str  # correct | wrong | abstain | error | gold_error | no_gold
    seconds: float
    error: str = ""
    flags: list[str] | None = None  # the planner's risk flags (offline planner), for gate analysis
    answered_by: str = ""  # the planner that produced the plan (the hybrid's offline or model half)
    cross_check: str = (
        ""  # a small model's cross-check: agreed, other rows, sample failed, rescued, no agreement, failed
    )
    unchecked: str = ""  # the status the model's own query would have had without the cross-check
    cross_check_s: float = 0.0  # seconds the cross-check took
    stop_reason: str = ""  # how the model's agent turn ended (answered, done, retries, tokens, cap)
    tokens: int = 0  # prompt + completion tokens of the model's turn


def _run_db(args: tuple[str, str, list[dict[str, Any]], str, str | None]) -> list[Outcome]:
    """All questions of one database, in one worker: load it once, plan and check each question."""
    db_id, db_dir, questions, planner_name, llm = args
    import logging

    logging.disable(logging.WARNING)
    try:  # two workers on two cores: one thread each for the embedding model
        import torch

        torch.set_num_threads(1)
    except ImportError:
        pass
    from insightchat.tools.workspace import Workspace

    planner, turns = _worker_planner(planner_name, llm)
    path = Path(db_dir) / f"{db_id}.sqlite"
    try:
        ws = Workspace([path])
        catalog = ws.catalog()
        planner.bind(ws)  # LLM planners run their tools on this workspace
    except Exception as exc:  # a database we cannot open: every question is an error for the planner
        return [
            Outcome(
                q["id"],
                db_id,
                None,
                question_type(q.get("gold_sql")),
                is_single_table(q.get("gold_sql")),
                "error",
                0.0,
                f"load: {exc}",
            )
            for q in questions
        ]
    out: list[Outcome] = []
    for q in questions:
        out += score_question(planner, turns, q, ws, catalog, db_id)
    ws.close()
    return out


def score_question(planner: Any, turns: TurnLog, q: dict[str, Any], ws: Any, catalog: Any, db_id: str) -> list[Outcome]:
    """Plan one question and score the plan against its gold query; when the cross-check changed the
    model's answer, the model's own query is scored too (``unchecked``: the same run without it)."""
    from insightchat.session import Session

    gold_sql = q.get("gold_sql")
    qtype = question_type(gold_sql)
    single = is_single_table(gold_sql)
    turns.reset()
    t0 = time.perf_counter()
    try:
        plan = planner.plan(q["question"], catalog, Session())
    except Exception as exc:  # a planner crash counts as an abstention, and is reported
        error = f"planner: {type(exc).__name__}: {exc}"
        return [Outcome(q["id"], db_id, None, qtype, single, "abstain", time.perf_counter() - t0, error)]
    seconds = time.perf_counter() - t0
    calls = [c for c in plan.calls if c.name == "run_sql"]
    sql = calls[0].args["sql"] if calls else None
    out: list[Outcome] = []
    _check(out, q, ws, sql, gold_sql, qtype, single, seconds, db_id)
    for o in out:
        o.flags = plan.reading.flags
        o.answered_by = plan.planner or ""
        o.stop_reason, o.tokens = turns.stop_reason, turns.tokens
        if o.status == "abstain" and not o.error:
            o.error = (plan.message or "")[:300]  # why: the model's last error, or what was not understood
        verdict = turns.verdict
        if verdict is not None:  # the same question scored without the cross-check: the baseline, same run
            o.cross_check, o.cross_check_s = verdict.outcome, turns.cross_check_s
            o.unchecked = o.status
            if verdict.changed:
                unchecked: list[Outcome] = []
                _check(unchecked, q, ws, verdict.own_sql, gold_sql, qtype, single, seconds, db_id)
                o.unchecked = unchecked[0].status
    return out


def _check(
    out: list[Outcome],
    q: dict[str, Any],
    ws: Any,
    sql: str | None,
    gold_sql: str | None,
    qtype: str,
    single: bool,
    seconds: float,
    db_id: str,
) -> None:
    from insightchat.tools.errors import InsightError
    from insightchat.tools.sql import run_query

    if not gold_sql:
        out.append(Outcome(q["id"], db_id, sql, qtype, single, "no_gold" if sql else "abstain", seconds))
        return
    try:
        gold_rows = _rows(ws.query_df(gold_sql))
    except Exception as exc:
        out.append(Outcome(q["id"], db_id, sql, qtype, single, "gold_error", seconds, str(exc).splitlines()[0][:200]))
        return
    if sql is None:
        out.append(Outcome(q["id"], db_id, None, qtype, single, "abstain", seconds))
        return
    try:
        pred = run_query(ws, sql, row_limit=100_000, timeout_s=10.0, count_total=False)
        pred_rows = _rows(pred.df)
        ordered = _ordered(gold_sql)
        ok = results_match(pred_rows, gold_rows, ordered=ordered)
        if not ok and ordered:
            keyed = gold_with_sort_keys(gold_sql, ws)
            ok = keyed is not None and matches_up_to_ties(pred_rows, *keyed)
        out.append(Outcome(q["id"], db_id, sql, qtype, single, "correct" if ok else "wrong", seconds))
    except InsightError as exc:
        out.append(Outcome(q["id"], db_id, sql, qtype, single, "error", seconds, str(exc)[:200]))
    except Exception as exc:
        out.append(
            Outcome(q["id"], db_id, sql, qtype, single, "error", seconds, f"{type(exc).__name__}: {str(exc)[:200]}")
        )


_PLANNER: tuple[Any, TurnLog] | None = None


def _worker_planner(name: str, llm: str | None) -> tuple[Any, TurnLog]:
    """The worker's planner (built once per process) and the log its model turns report to."""
    global _PLANNER
    if _PLANNER is None:
        turns = TurnLog()
        _PLANNER = (make_planner(name, llm, turns), turns)
    return _PLANNER


def _ordered(gold_sql: str) -> bool:
    try:
        tree = sqlglot.parse_one(gold_sql, read="duckdb")
    except sqlglot.errors.ParseError:
        return False
    return bool(tree.args.get("order"))


# ---------------------------------------------------------------------------------------- report
def _table(rows: list[tuple[str, list[Outcome]]]) -> str:
    head = f"{'type':<14}{'n':>6}{'acc %':>8}{'abstain %':>11}{'wrong %':>9}{'err %':>7}{'s/q':>8}"
    lines = [head, "-" * len(head)]
    for name, outs in rows:
        outs = [o for o in outs if o.status not in ("gold_error", "no_gold")]
        n = len(outs)
        if not n:
            continue
        c = Counter(o.status for o in outs)
        answered = n - c["abstain"]
        wrong = c["wrong"] + c["error"]
        lines.append(
            f"{name:<14}{n:>6}{100 * c['correct'] / n:>8.1f}{100 * c['abstain'] / n:>11.1f}"
            f"{(100 * wrong / answered if answered else 0):>9.1f}{100 * c['error'] / n:>7.1f}"
            f"{sum(o.seconds for o in outs) / n:>8.3f}"
        )
    return "\n".join(lines)


def report(outcomes: list[Outcome]) -> str:
    """Overall, single-table and per-type tables (accuracy, abstain %, wrong % of answered, s/q)."""
    graded = [o for o in outcomes if o.status not in ("gold_error", "no_gold")]
    by_type: dict[str, list[Outcome]] = defaultdict(list)
    for o in graded:
        by_type[o.qtype].append(o)
    order = [
        "select",
        "filter",
        "count",
        "agg",
        "group",
        "order",
        "order-limit",
        "join",
        "nested",
        "unparsed",
        "unknown",
    ]
    rows = [
        ("overall", graded),
        ("single-table", [o for o in graded if o.single]),
        ("multi-table", [o for o in graded if not o.single]),
    ]
    rows += [(t, by_type[t]) for t in order if t in by_type]
    by_planner: dict[str, list[Outcome]] = defaultdict(list)
    for o in graded:
        by_planner[o.answered_by or "?"].append(o)
    if len(by_planner) > 1:  # the hybrid: how each half did on the questions it took
        rows += [(f"by {name.split(':')[0]}"[:14], outs) for name, outs in sorted(by_planner.items())]
    gold_errors = sum(1 for o in outcomes if o.status == "gold_error")
    text = _table(rows) + cross_check_report(graded)
    text += "\n(wrong % = answered but wrong or failed, over answered questions)"
    if gold_errors:
        text += f"\n{gold_errors} questions left out: their gold SQL failed on DuckDB"
    return text


def cross_check_report(graded: list[Outcome]) -> str:
    """How the small model's cross-check (assistant/planner/llm/crosscheck.py) changed the answers,
    next to the same run scored without it (each question's own query, time less the cross-check)."""
    checked = [o for o in graded if o.cross_check]
    if not checked:
        return ""
    lines = ["", "cross-check         n  correct  wrong  abstain (statuses with it; without it in brackets)"]
    for kind in sorted({o.cross_check for o in checked}):
        outs = [o for o in checked if o.cross_check == kind]
        with_it = [sum(o.status == s for o in outs) for s in ("correct", "wrong")]
        without = [sum(o.unchecked == s for o in outs) for s in ("correct", "wrong")]
        lines.append(
            f"{kind:16s} {len(outs):4d}  {with_it[0]:4d} ({without[0]})  {with_it[1]:4d} ({without[1]})"
            f"  {len(outs) - sum(with_it):4d} ({len(outs) - sum(without)})"
        )
    n = len(graded)
    right = sum(o.status == "correct" for o in graded)
    wrong = sum(o.status in ("wrong", "error") for o in graded)
    right0 = sum((o.unchecked or o.status) == "correct" for o in graded)
    wrong0 = sum((o.unchecked or o.status) in ("wrong", "error") for o in graded)
    secs = sum(o.seconds for o in graded)
    secs0 = secs - sum(o.cross_check_s for o in graded)
    lines.append(
        f"overall with the cross-check: {right / n:.1%} correct, {wrong / n:.1%} wrong, {secs / n:.1f} s/q; "
        f"without: {right0 / n:.1%} correct, {wrong0 / n:.1%} wrong, {secs0 / n:.1f} s/q"
    )
    return "\n".join(lines)


def _write_jsonl(path: Path, rows: list[dict[str, Any]], append: bool = False) -> None:
    with path.open("a" if append else "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")


def load_questions(path: Path, limit: int | None, seed: int) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if limit is not None and limit < len(rows):
        rows = random.Random(seed).sample(rows, limit)
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.text2sql", description=__doc__.split("\n\n")[0])
    ap.add_argument("--questions", required=True, type=Path)
    ap.add_argument("--db-dir", required=True, type=Path)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument(
        "--planner",
        default="offline",
        choices=["offline", "bare", "llm", "hybrid"],
        help="bare: the baseline prompt (CREATE TABLE lines + question, one model call)",
    )
    ap.add_argument("--llm", default=None, help="provider:model for the llm / hybrid planner")
    ap.add_argument("--limit", type=int, default=None, help="a fixed random sample of N questions")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument(
        "--details", type=Path, default=None, help="also write per-question outcomes (status, type, error) here"
    )
    args = ap.parse_args(argv)

    if args.planner != "offline":
        make_planner(args.planner, args.llm)  # fail fast, in the parent, with a clear message
    questions = load_questions(args.questions, args.limit, args.seed)
    by_db: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for q in questions:
        by_db[q["db_id"]].append(q)
    jobs = [
        (db, str(args.db_dir), qs, args.planner, args.llm)
        for db, qs in sorted(by_db.items(), key=lambda kv: -len(kv[1]))
    ]
    t0 = time.perf_counter()
    outcomes: list[Outcome] = []
    progress = tqdm(total=len(questions), unit="q", desc=f"{args.planner} planner", file=sys.stderr)
    if args.details:  # filled as databases finish, so a run that is stopped keeps what it did
        args.details.parent.mkdir(parents=True, exist_ok=True)
        args.details.write_text("", encoding="utf-8")

    def done(res: list[Outcome]) -> None:
        outcomes.extend(res)
        progress.update(len(res))
        if args.details:
            _write_jsonl(args.details, [o.__dict__ for o in res], append=True)

    if args.workers > 1 and len(jobs) > 1:
        with mp.get_context("spawn").Pool(args.workers) as pool:
            for res in pool.imap_unordered(_run_db, jobs):
                done(res)
    else:
        for job in jobs:
            done(_run_db(job))
    progress.close()
    elapsed = time.perf_counter() - t0
    order = {q["id"]: i for i, q in enumerate(questions)}
    outcomes.sort(key=lambda o: order.get(o.id, 0))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    _write_jsonl(args.out, [{"id": o.id, "sql": o.sql} for o in outcomes])
    if args.details:  # again, in question order
        _write_jsonl(args.details, [o.__dict__ for o in outcomes])
    print(f"{len(questions)} questions over {len(by_db)} databases in {elapsed:.0f} s ({args.planner} planner)")
    if any(q.get("gold_sql") for q in questions):
        print(report(outcomes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
