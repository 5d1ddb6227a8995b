"""How far choosing among a model's sampled queries could take the hybrid: its ceiling, measured.

    python -m benchmarks.text2sql_ceiling --questions Q.jsonl --db-dir DIR [--llm local]
        [--limit 200 --seed S] [--samples 3] [--details F.jsonl]

Why: the hybrid misses its accuracy target with the local 1.5B model, and the cheap levers left are
ways of choosing among several queries the model writes (the cross-check, majority votes). Before
tuning another chooser, this measures what any chooser could reach: each question runs as the hybrid
runs it (the offline planner first; when it is not confident, the model's own greedy answer, without
the cross-check), then ``--samples`` more queries are drawn from the same first prompt (the
cross-check's samples: temperature 0.7, seeds 1000, 1001, ...; each repaired, checked and run by the
same safe tool). Every candidate is scored against the gold query. The report replays, on the same
candidates:

- greedy: the model's own answer (the hybrid without the cross-check);
- cross-check: the shipped policy (assistant/planner/llm/crosscheck.py);
- majority: the rows at least two candidates return (the greedy answer's rows on a tie), else none;
- oracle of k: right whenever any of the first k candidates is right. No chooser among those k
  candidates can do better, so this is the ceiling of every policy built on them.

When the model gives no answer (gave up, unsure), the offline planner's reading stands, as in the
hybrid. Same sampling (``--limit/--seed``) and scoring as benchmarks/text2sql.py.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from benchmarks.text2sql import _check, load_questions
from insightchat.planner.llm.crosscheck import answers_a_given_up_turn

# A candidate: its status against gold (correct | wrong | error | abstain) and its rows as a
# comparable key (None when it gave no rows: failed, refused, not a query, or gave up).
Candidate = tuple[str, Hashable | None]


@dataclass
class Record:
    id: str
    db_id: str
    half: str  # "offline" (the offline planner was confident) or "model"
    fallback: (
        str  # the offline reading's status: the answer of the offline half, and what stands when the model gives none
    )
    candidates: list[Candidate] = field(default_factory=list)  # the model's: greedy first, then the samples
    seconds: float = 0.0  # planning time: offline, plus the model's greedy turn when it ran
    sample_seconds: list[float] = field(default_factory=list)


# ---------------------------------------------------------------------------------------- policies
def _answer(c: Candidate) -> bool:
    return c[1] is not None


def greedy(cands: Sequence[Candidate], fallback: str) -> str:
    return cands[0][0] if _answer(cands[0]) else fallback


def cross_check(cands: Sequence[Candidate], fallback: str) -> str:
    """The shipped policy: an answer stands when the first sample returns the same rows; a given-up
    turn is answered when the first two samples return the same non-empty rows."""
    own, samples = cands[0], cands[1:]
    if _answer(own):
        return own[0] if samples and samples[0][1] == own[1] else fallback
    if len(samples) >= 2 and answers_a_given_up_turn(samples[0][1], samples[1][1]):  # type: ignore[arg-type]
        return samples[0][0]
    return fallback


def majority(k: int) -> Callable[[Sequence[Candidate], str], str]:
    """The rows at least two of the first ``k`` candidates return; on a tie, the greedy answer's."""

    def choose(cands: Sequence[Candidate], fallback: str) -> str:
        votes = Counter(c[1] for c in cands[:k] if _answer(c))
        if not votes:
            return fallback
        top = max(votes.values())
        leaders = [key for key, n in votes.items() if n == top]
        if top < 2 or (len(leaders) > 1 and cands[0][1] not in leaders):
            return fallback
        best = cands[0][1] if cands[0][1] in leaders else leaders[0]
        return next(c[0] for c in cands if c[1] == best)

    return choose


def oracle(k: int) -> Callable[[Sequence[Candidate], str], str]:
    """Right when any of the first ``k`` candidates is right: no chooser among them does better."""

    def choose(cands: Sequence[Candidate], fallback: str) -> str:
        if any(c[0] == "correct" for c in cands[:k]):
            return "correct"
        return greedy(cands, fallback)

    return choose


def policies(samples: int) -> list[tuple[str, Callable[[Sequence[Candidate], str], str]]]:
    out = [("greedy (no cross-check)", greedy)]
    if samples >= 2:
        out.append(("cross-check (shipped)", cross_check))
    out += [(f"majority of {k}", majority(k)) for k in range(3, samples + 2)]
    out += [(f"oracle of {k}", oracle(k)) for k in range(1, samples + 2)]
    return out


# ---------------------------------------------------------------------------------------- running
def measure_db(db_path: Path, questions: list[dict[str, Any]], hybrid: Any, samples: int) -> list[Record]:
    """Every question of one database, as the hybrid would run it, plus ``samples`` sampled queries
    for each question the model takes. ``hybrid`` is a HybridPlanner whose model half has its
    cross-check off (the policies are replayed on the candidates instead)."""
    from insightchat.planner.llm.crosscheck import rows_key
    from insightchat.planner.llm.tools import Recorder
    from insightchat.session import Session
    from insightchat.tools.workspace import Workspace

    ws = Workspace([db_path])
    catalog = ws.catalog()
    hybrid.bind(ws)
    out: list[Record] = []

    def status(q: dict[str, Any], sql: str | None) -> str:
        scored: list[Any] = []
        _check(scored, q, ws, sql, q.get("gold_sql"), "", True, 0.0, q["db_id"])
        return scored[0].status

    try:
        for q in questions:
            if status(q, None) == "gold_error":
                continue
            t0 = time.perf_counter()
            first = hybrid.offline.plan(q["question"], catalog, Session())
            offline_sql = next((c.args["sql"] for c in first.calls if c.name == "run_sql"), None)
            if hybrid.confident(first):
                out.append(
                    Record(q["id"], q["db_id"], "offline", status(q, offline_sql), seconds=time.perf_counter() - t0)
                )
                continue
            plan = hybrid.llm.plan(q["question"], catalog, Session())
            rec = Record(q["id"], q["db_id"], "model", status(q, offline_sql), seconds=time.perf_counter() - t0)
            own = next((c.args["sql"] for c in plan.calls if c.name == "run_sql"), None)
            results = plan.executed.results if plan.executed is not None else []
            rec.candidates.append((status(q, own), rows_key(results[-1])) if own and results else ("abstain", None))
            recorder = Recorder()
            check = hybrid.llm.sampler(q["question"], catalog, ws, recorder)
            for i in range(samples):  # one at a time, so each sample's time is its own
                t1 = time.perf_counter()
                (attempt,) = check.samples(1, start=i)
                rec.sample_seconds.append(time.perf_counter() - t1)
                if attempt is None or not attempt.ok or attempt.result is None:
                    rec.candidates.append(("abstain", None))
                else:
                    rec.candidates.append(
                        (status(q, attempt.result.sql or attempt.call.args.get("sql")), rows_key(attempt.result))
                    )
            out.append(rec)
    finally:
        ws.close()
    return out


# ---------------------------------------------------------------------------------------- report
def _counts(records: Sequence[Record], choose: Callable[[Sequence[Candidate], str], str]) -> Counter[str]:
    """correct / wrong / abstain over ``records`` under one policy (a failing query counts as wrong)."""
    c: Counter[str] = Counter()
    for r in records:
        result = r.fallback if r.half == "offline" else choose(r.candidates, r.fallback)
        c["wrong" if result == "error" else result] += 1
    return c


def report(records: Sequence[Record], samples: int) -> str:
    """One line per policy: the model's half, then all questions (the offline half is the same in each)."""
    model = [r for r in records if r.half == "model"]
    n, m = len(records), len(model)
    head = f"{'policy':<26}{'model half: right':>18}{'wrong':>7}{'none':>6}   {'overall: right':>15}{'wrong':>8}"
    lines = [f"{n} questions: the offline planner took {n - m}, the model {m}", head, "-" * len(head)]
    for name, choose in policies(samples):
        half, every = _counts(model, choose), _counts(records, choose)
        lines.append(
            f"{name:<26}{half['correct']:>18}{half['wrong']:>7}{half['abstain']:>6}   "
            f"{every['correct'] / n:>15.1%}{every['wrong'] / n:>8.1%}"
        )
    offline = Counter(r.fallback for r in records if r.half == "offline")
    lines.append(f"offline half: {offline['correct']} right, {offline['wrong']} wrong, {offline['abstain']} none")
    if m:
        own = sum(r.seconds for r in model) / m
        each = [s for r in model for s in r.sample_seconds]
        lines.append(
            f"model half: {own:.1f} s per question for its own answer"
            + (f", {sum(each) / len(each):.1f} s per sampled query" if each else "")
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.text2sql_ceiling",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 2)[2],
    )
    ap.add_argument("--questions", required=True, type=Path, help="JSON lines with id, db_id, question, gold_sql")
    ap.add_argument("--db-dir", required=True, type=Path, help="DIR/<db_id>.sqlite for each database")
    ap.add_argument("--llm", default="local", help="provider:model for the model half (default: the local 1.5B model)")
    ap.add_argument("--samples", type=int, default=3, help="queries sampled per question the model takes (default 3)")
    ap.add_argument("--limit", type=int, default=None, help="a fixed random sample of N questions")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--details", type=Path, default=None, help="write each question's candidates here (JSON lines)")
    args = ap.parse_args(argv)
    if args.samples < 1:
        ap.error("--samples must be at least 1")

    from benchmarks.text2sql import make_planner
    from insightchat.planner.hybrid import HybridPlanner
    from insightchat.planner.llm import LLMPlanner

    hybrid = HybridPlanner(
        offline=make_planner("offline"), llm_planner=LLMPlanner(args.llm, fallback=None, cross_check=False)
    )
    questions = [q for q in load_questions(args.questions, args.limit, args.seed) if q.get("gold_sql")]
    if not questions:
        raise SystemExit(
            f"no question in {args.questions} has gold_sql: the ceiling needs gold queries to score against"
        )
    by_db: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for q in questions:
        by_db[q["db_id"]].append(q)
    records: list[Record] = []
    if args.details:
        args.details.parent.mkdir(parents=True, exist_ok=True)
        args.details.write_text("", encoding="utf-8")
    t0 = time.perf_counter()
    with tqdm(total=len(questions), unit="q", desc="ceiling", file=sys.stderr) as progress:
        for db_id, qs in sorted(by_db.items(), key=lambda kv: -len(kv[1])):  # one database at a time: the prompt cache
            done = measure_db(args.db_dir / f"{db_id}.sqlite", qs, hybrid, args.samples)
            records += done
            progress.update(len(qs))
            if args.details:  # as databases finish, so a stopped run keeps what it did
                with args.details.open("a", encoding="utf-8") as fh:
                    fh.writelines(json.dumps(asdict(r), default=str) + "\n" for r in done)
    print(
        f"{len(questions)} questions over {len(by_db)} databases in {time.perf_counter() - t0:.0f} s "
        f"({args.llm}, {args.samples} samples per model question)"
    )
    print(report(records, args.samples))
    return 0


if __name__ == "__main__":
    sys.exit(main())
