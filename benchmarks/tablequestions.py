"""Questions over real tables: WikiTableQuestions (training split), answered through the Assistant.

    python -m benchmarks.tablequestions [--data DIR] [--planner offline|hybrid|llm] [--llm P:M]
        [--limit N --seed S] [--half dev|held-out|both] [--dev 200,201,202] [--held-out 203,204]
        [--workers 2] [--no-baseline] [--details OUT.jsonl]

Each question's table is opened as a user would open it (``Assistant(path)``: the workspace's CSV
reader, the cleaning step, the catalog), the question is asked, and the answer is scored as the
dataset defines it (its README and official evaluator): the answer is a list of values; it is right
when it has as many values as the gold list and every gold value matches one of them, where strings
match after normalisation (case, diacritics, dashes, footnote marks, trailing details in brackets)
and numbers and dates match by value ("12,467" = 12467.0, "January 26, 1995" = 1995-01-26). The
answer's values are the first column of the result table (planners put the asked-for value first);
an answer without a table is an abstention; a failed query is a wrong answer.

Tables are split in two parts by their folder (``csv/200-csv`` ...): readings are developed on
``dev`` (folders 200-202 by default) and must also help ``held-out`` (203-204); both are always
reported. Each table is opened twice in the same run, with the cleaning step (``Assistant(path)``)
and without it (``Assistant(path, clean=False)``, the baseline; ``--no-baseline`` skips it), and the
report puts the two side by side: tables that did not load, tables whose shape differs from Python's
``csv`` module's reading of the file (less the title and footer rows the loader reported leaving
out), and right / wrong / abstained per part.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import json
import math
import multiprocessing as mp
import os
import random
import re
import sys
import time
import unicodedata
import zlib
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

DEFAULT_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "tablequestions"
HALVES = ("dev", "held-out")
DEV_FOLDERS = (200, 201, 202)
HELD_OUT_FOLDERS = (203, 204)
PUBLISHED = (
    ("TAPEX-large (test)", 57.5),
    ("Binder, Codex (test)", 64.6),
    ("prompted GPT-4-class (test)", 72.0),
)


# ---------------------------------------------------------------------------------------- the split
def folder_of(table_path: str) -> int | None:
    """The number of a table's folder: ``csv/204-csv/590.csv`` -> 204 (None: not a numbered folder)."""
    match = re.search(r"(?:^|/)(\d+)-csv/", table_path)
    return int(match.group(1)) if match else None


def half_of(table_path: str, dev: tuple[int, ...] = DEV_FOLDERS, held_out: tuple[int, ...] = HELD_OUT_FOLDERS) -> str:
    """``dev``, ``held-out`` or '' (in neither) by the table's folder."""
    folder = folder_of(table_path)
    return "dev" if folder in dev else "held-out" if folder in held_out else ""


# ---------------------------------------------------------------------------------------- values
def normalize(text: str) -> str:
    """The official evaluator's string normalisation."""
    x = "".join(c for c in unicodedata.normalize("NFKD", text) if unicodedata.category(c) != "Mn")
    x = re.sub(r"[‘’´`]", "'", x)
    x = re.sub(r"[“”]", '"', x)
    x = re.sub(r"[‐‑‒–—−]", "-", x)
    while True:
        old = x
        x = re.sub(r"((?<!^)\[[^\]]*\]|\[\d+\]|[•♦†‡*#+])*$", "", x.strip())
        x = re.sub(r"(?<!^)( \([^)]*\))*$", "", x.strip())
        x = re.sub(r'^"([^"]*)"$', r"\1", x.strip())
        if x == old:
            break
    if x and x[-1] == ".":
        x = x[:-1]
    return re.sub(r"\s+", " ", x, flags=re.U).lower().strip()


@dataclass(frozen=True)
class Value:
    """One answer item: its normalised text and, when it reads as one, a number or a (y, m, d) date
    (-1 for a part that is not given)."""

    text: str
    number: float | None = None
    date: tuple[int, int, int] | None = None

    def matches(self, other: Value) -> bool:
        if self.text == other.text:
            return True
        if self.number is not None and other.number is not None:
            return abs(self.number - other.number) < 1e-6
        return self.date is not None and self.date == other.date


_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$|^[+-]?\.\d+$")
_DATE_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%d", "%B %d %Y")
_MONTH_FORMATS = ("%B %Y", "%b %Y")


def parse_number(text: str) -> float | None:
    t = text.strip().replace("−", "-")
    if _NUMBER.match(t):
        return float(t.replace(",", ""))
    return None


def parse_date(text: str) -> tuple[int, int, int] | None:
    t = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text.strip())
    m = re.match(r"^(\d{4}|xx)-(\d{1,2}|xx)-(\d{1,2}|xx)$", t.lower())
    if m:
        y, mo, d = (-1 if g.startswith("x") else int(g) for g in m.groups())
        if (mo == -1 or 1 <= mo <= 12) and (d == -1 or 1 <= d <= 31) and (y, mo, d) != (-1, -1, -1):
            return (y, mo, d)
    for fmt in _DATE_FORMATS:
        try:
            d = dt.datetime.strptime(t, fmt)
            return (d.year, d.month, d.day)
        except ValueError:
            pass
    for fmt in _MONTH_FORMATS:
        try:
            d = dt.datetime.strptime(t, fmt)
            return (d.year, d.month, -1)
        except ValueError:
            pass
    return None


def to_value(item: Any) -> Value:
    """A gold string or a result cell as a :class:`Value` (numbers and dates read from text too)."""
    if item is None or isinstance(item, float) and math.isnan(item):
        return Value("")
    if isinstance(item, bool):
        return Value(str(item).lower())
    if hasattr(item, "item") and not isinstance(item, (str, bytes)):
        with contextlib.suppress(ValueError, AttributeError):
            item = item.item()
    if isinstance(item, (int, float)):
        amount = float(item)
        shown = str(int(amount)) if amount.is_integer() else repr(amount)
        return Value(normalize(shown), amount)
    if isinstance(item, (dt.datetime, dt.date)):
        return Value(item.strftime("%Y-%m-%d"), None, (item.year, item.month, item.day))
    text = str(item)
    number = parse_number(text)
    if number is not None:
        return Value(normalize(text), number)
    date = parse_date(text)
    if date is not None and date[1] == date[2] == -1:
        return Value(normalize(text), float(date[0]))
    return Value(normalize(text), None, date)


def correct(gold: list[Value], predicted: list[Value]) -> bool:
    """The official check: as many distinct values, and every gold value matches a predicted one."""
    gold_set, pred_set = list(dict.fromkeys(gold)), list(dict.fromkeys(predicted))
    if len(gold_set) != len(pred_set):
        return False
    return all(any(g.matches(p) for p in pred_set) for g in gold_set)


def tsv_unescape(text: str) -> str:
    return text.replace(r"\n", "\n").replace(r"\p", "|").replace("\\\\", "\\")


def gold_values(target: str) -> list[Value]:
    return [to_value(tsv_unescape(part)) for part in target.split("|")]


def answer_values(table: Any) -> list[Value] | None:
    """The values an answer gives: its result's first column (None: no result table)."""
    if table is None:
        return None
    columns = [c for c in table.columns if not str(c).startswith("row_position")] or list(table.columns)
    if not columns:
        return []
    return [to_value(v) for v in table[columns[0]].tolist()]


# ---------------------------------------------------------------------------------------- questions
@dataclass
class Question:
    id: str
    question: str
    table: str  # path under the data folder
    target: str
    half: str = ""


def load_questions(
    data: Path, dev: tuple[int, ...] = DEV_FOLDERS, held_out: tuple[int, ...] = HELD_OUT_FOLDERS
) -> list[Question]:
    """training.tsv's questions, each with its part (by its table's folder)."""
    lines = (data / "training.tsv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    out = []
    for line in lines[1:]:
        row = dict(zip(header, line.split("\t"), strict=False))
        half = half_of(row["context"], dev, held_out)
        out.append(Question(row["id"], tsv_unescape(row["utterance"]), row["context"], row["targetValue"], half))
    return out


def question_kind(question: str) -> str:
    """A coarse kind by the question's wording, for the per-kind table."""
    q = question.lower()
    if re.search(r"\bhow many\b|\bnumber of\b|\bcount\b", q):
        return "difference" if re.search(r"\bmore\b|\bless\b|\bfewer\b|\bdifference\b", q) else "count"
    if re.search(r"\b(previous|before|after|next|above|below|last|first|listed)\b", q):
        return "position"
    if re.search(r"\b(most|least|highest|lowest|largest|smallest|best|worst|top|longest|shortest|oldest)\b", q):
        return "superlative"
    if re.search(r"\bor\b", q):
        return "comparison"
    if re.search(r"\b(total|sum|average|mean)\b", q):
        return "aggregate"
    return "lookup"


# ---------------------------------------------------------------------------------------- running
@dataclass
class Outcome:
    id: str
    table: str
    half: str
    kind: str
    question: str
    gold: str
    clean: bool  # the table was opened with the cleaning step
    status: str  # correct | wrong | abstain | load_error
    predicted: list[str] = field(default_factory=list)
    sql: str | None = None
    planner: str = ""
    seconds: float = 0.0
    error: str = ""


@dataclass
class TableLoad:
    """How one table opened: loaded or not, and its shape next to Python's csv module's reading."""

    table: str
    half: str
    clean: bool
    loaded: bool
    shape_ok: bool = False
    shape: str = ""  # 'rows x columns' as loaded (original columns), and as expected when they differ
    error: str = ""


_PLANNER: Any = None


def _planner(name: str, llm: str | None) -> Any:
    global _PLANNER
    if _PLANNER is None:
        from benchmarks.text2sql import make_planner

        _PLANNER = make_planner(name, llm)
    return _PLANNER


def _score(q: Question, answer: Any) -> tuple[str, list[str]]:
    values = answer_values(answer.table)
    if values is None:
        return ("wrong" if answer.sql else "abstain"), []
    status = "correct" if correct(gold_values(q.target), values) else "wrong"
    return status, [v.text for v in values[:10]]


_SKIPPED = re.compile(r"Skipped (\d+) title row")
_LEFT_OUT = re.compile(r"Left out (\d+) row")


def expected_shape(
    path: Path, notes: list[str], delimiter: str = ",", escapechar: str | None = "\\", quoting: int = csv.QUOTE_MINIMAL
) -> tuple[int, int]:
    """(rows, columns) as Python's csv module reads the file (by default quotes escaped with a
    backslash, as WikiTableQuestions writes them; its first line the header, as the dataset defines
    it), less the title and footer rows and the empty trailing column the loader's notes say it left out."""
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
        records = [r for r in csv.reader(fh, delimiter=delimiter, escapechar=escapechar, quoting=quoting) if r]
    rows, columns = len(records) - 1, max((len(r) for r in records), default=0)
    for note in notes:
        for pattern in (_SKIPPED, _LEFT_OUT):
            if match := pattern.search(note):
                rows -= int(match.group(1))
        if "empty last column" in note:
            columns -= 1
    return rows, columns


def _check_load(assistant: Any, path: Path, table: str, half: str, clean: bool) -> TableLoad:
    from insightchat.tools.cleaning import reports

    ws = assistant.workspace
    name = ws.table_names()[0]
    source = ws.sources.get(name)
    notes = list(source.notes) if source is not None else []
    added = set(source.typed_columns) if source is not None else set()
    report = reports(ws).get(name)
    if report is not None and report.position_column:
        added.add(report.position_column)
    columns = [c for c, _ in ws.columns(name) if c not in added]
    rows = int(ws.query_rows(f'SELECT count(*) FROM "{name}"')[0][0])
    want = expected_shape(path, notes)
    ok = (rows, len(columns)) == want
    shape = f"{rows} x {len(columns)}" + ("" if ok else f" (expected {want[0]} x {want[1]})")
    return TableLoad(table, half, clean, True, ok, shape)


def _ask_all(path: Path, questions: list[Question], planner: Any, clean: bool) -> tuple[list[Outcome], TableLoad]:
    from insightchat.assistant import Assistant
    from insightchat.session import Session

    table, half = questions[0].table, questions[0].half

    def outcome(q: Question, status: str, **more: Any) -> Outcome:
        return Outcome(q.id, q.table, q.half, question_kind(q.question), q.question, q.target, clean, status, **more)

    try:
        assistant = Assistant(path, planner=planner, clean=clean)
        assistant.workspace.catalog()
        load = _check_load(assistant, path, table, half, clean)
    except Exception as exc:  # a table that does not load: every question on it is lost
        reason = f"load: {type(exc).__name__}: {str(exc)[:300]}"
        return [outcome(q, "load_error", error=reason) for q in questions], TableLoad(
            table, half, clean, False, error=reason
        )
    out: list[Outcome] = []
    for q in questions:
        assistant.session = Session()
        t0 = time.perf_counter()
        try:
            answer = assistant.ask(q.question)
            status, predicted = _score(q, answer)
            more = {"sql": answer.sql, "planner": answer.planner, "error": "; ".join(answer.warnings)[:300]}
        except Exception as exc:  # a crash is a wrong answer, and is reported
            status, predicted, more = "wrong", [], {"error": f"crash: {type(exc).__name__}: {str(exc)[:300]}"}
        out.append(outcome(q, status, predicted=predicted, seconds=time.perf_counter() - t0, **more))
    assistant.workspace.close()
    return out, load


Job = tuple[str, list[dict[str, Any]], str, "str | None", bool]


def run_table(job: Job) -> tuple[list[Outcome], list[TableLoad]]:
    """Every question of one table, in one worker: open it as a user would, with the cleaning step and
    (the baseline) without it, and ask each question. The planner keeps embeddings of phrases it
    has seen, so the pass that asks a question second is faster: which pass goes first alternates by
    table, so that neither one's seconds per question gains from the other."""
    data, rows, planner_name, llm, baseline = job
    import logging

    logging.disable(logging.WARNING)
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        pass
    questions = [Question(**r) for r in rows]
    path = Path(data) / questions[0].table
    planner = _planner(planner_name, llm)
    passes = (True, False) if zlib.crc32(questions[0].table.encode()) % 2 or not baseline else (False, True)
    outcomes: list[Outcome] = []
    loads: list[TableLoad] = []
    for clean in passes[: 2 if baseline else 1]:
        asked, load = _ask_all(path, questions, planner, clean=clean)
        outcomes += asked
        loads.append(load)
    return outcomes, loads


# ---------------------------------------------------------------------------------------- report
HEAD = (
    f"{'part':<10}{'cleaning':<10}{'tables':>7}{'no load':>8}{'shape':>7}{'n':>7}"
    f"{'right %':>9}{'wrong %':>9}{'abstain %':>10}{'wrong/ans':>10}{'s/q':>7}"
)


def _line(half: str, clean: bool, outs: list[Outcome], loads: list[TableLoad]) -> str:
    n = len(outs)
    c = Counter(o.status for o in outs)
    answered = c["correct"] + c["wrong"]
    secs = [o.seconds for o in outs if o.status != "load_error"]
    failed = sum(1 for x in loads if not x.loaded)
    shapes = sum(1 for x in loads if x.loaded and not x.shape_ok)

    def pct(k: int, of: int) -> str:
        return f"{100 * k / of:.1f}" if of else "-"

    return (
        f"{half:<10}{'on' if clean else 'off':<10}{len(loads):>7}{failed:>8}{shapes:>7}{n:>7}"
        f"{pct(c['correct'], n):>9}{pct(c['wrong'], n):>9}{pct(c['abstain'], n):>10}{pct(c['wrong'], answered):>10}"
        f"{(sum(secs) / len(secs) if secs else 0):>7.2f}"
    )


def report(outcomes: list[Outcome], loads: list[TableLoad]) -> str:
    """The table: per part, cleaning on and off side by side; then right % by kind of question."""
    lines = [HEAD, "-" * len(HEAD)]
    for h in HALVES:
        for clean in (True, False):
            outs = [o for o in outcomes if o.half == h and o.clean is clean]
            if outs:
                lines.append(_line(h, clean, outs, [x for x in loads if x.half == h and x.clean is clean]))
    lines.append("")
    lines.append("no load: tables that did not open; shape: tables whose rows x columns differ from Python's csv")
    lines.append("module's reading (header on the first line, less the rows the loader said it left out)")
    lines.append("")
    lines.append("right % by kind, cleaning on (off): dev | held-out")
    for kind in ("lookup", "comparison", "difference", "count", "superlative", "position", "aggregate"):
        cells = []
        for h in HALVES:
            on = [o for o in outcomes if o.half == h and o.kind == kind and o.clean]
            off = [o for o in outcomes if o.half == h and o.kind == kind and not o.clean]
            if on:
                right_on = 100 * sum(o.status == "correct" for o in on) / len(on)
                right_off = f"{100 * sum(o.status == 'correct' for o in off) / len(off):5.1f}" if off else "    -"
                cells.append(f"{right_on:5.1f} ({right_off}) n={len(on):<5d}")
            else:
                cells.append(" " * 21)
        lines.append(f"  {kind:<12}" + " | ".join(cells))
    bad = [x for x in loads if x.clean and (not x.loaded or not x.shape_ok)]
    if bad:
        lines.append("")
        lines.append(f"tables that did not load or have another shape (cleaning on; {len(bad)}):")
        for x in bad[:20]:
            lines.append(f"  {x.table}: {x.error or x.shape}")
    lines.append("")
    lines.append("published WikiTableQuestions test accuracy, for reference (another split, another metric's details):")
    lines.append("  " + "; ".join(f"{name} {acc:.1f}%" for name, acc in PUBLISHED))
    return "\n".join(lines)


def _write_jsonl(path: Path, outcomes: list[Outcome], append: bool) -> None:
    with path.open("a" if append else "w", encoding="utf-8") as fh:
        for o in outcomes:
            fh.write(json.dumps(asdict(o), ensure_ascii=False, default=str) + "\n")


def select_questions(questions: list[Question], half: str, limit: int | None, seed: int) -> list[Question]:
    """The questions of one part (or both); ``limit`` takes a fixed random sample per part."""
    chosen: list[Question] = []
    for h in HALVES:
        if half not in ("both", h):
            continue
        part = [q for q in questions if q.half == h]
        if limit is not None and limit < len(part):
            part = random.Random(seed).sample(part, limit)
        chosen.extend(part)
    return chosen


def _folders(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected folder numbers such as 200,201: {text!r}") from None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.tablequestions", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the tablequestions folder (training.tsv, csv/)")
    ap.add_argument("--planner", default="offline", choices=["offline", "llm", "hybrid"])
    ap.add_argument("--llm", default=None, help="provider:model for the llm / hybrid planner (default: local)")
    ap.add_argument("--half", default="both", choices=["dev", "held-out", "both"])
    ap.add_argument("--dev", type=_folders, default=DEV_FOLDERS, help="table folders of the dev part (200,201,202)")
    ap.add_argument("--held-out", type=_folders, default=HELD_OUT_FOLDERS, help="folders held out (203,204)")
    ap.add_argument("--limit", type=int, default=None, help="a fixed random sample of N questions per part")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-baseline", action="store_true", help="skip the same run over tables not cleaned")
    ap.add_argument("--details", type=Path, default=None, help="write per-question outcomes (JSON lines) here")
    args = ap.parse_args(argv)
    from tqdm import tqdm

    data = args.data.resolve()
    if not (data / "training.tsv").exists():
        raise SystemExit(f"{data / 'training.tsv'} not found: pass --data DIR")
    questions = select_questions(load_questions(data, args.dev, args.held_out), args.half, args.limit, args.seed)
    by_table: dict[str, list[Question]] = defaultdict(list)
    for q in questions:
        by_table[q.table].append(q)
    jobs: list[Job] = [
        (str(data), [asdict(q) for q in qs], args.planner, args.llm, not args.no_baseline)
        for _, qs in sorted(by_table.items(), key=lambda kv: -len(kv[1]))
    ]
    if args.details:
        args.details.parent.mkdir(parents=True, exist_ok=True)
        args.details.write_text("", encoding="utf-8")
    outcomes: list[Outcome] = []
    loads: list[TableLoad] = []
    progress = tqdm(total=len(questions), unit="q", desc=args.planner, file=sys.stderr, disable=not sys.stderr.isatty())
    t0 = time.perf_counter()

    def done(res: tuple[list[Outcome], list[TableLoad]]) -> None:
        outcomes.extend(res[0])
        loads.extend(res[1])
        progress.update(len(res[0]) // len(res[1]))
        if args.details:
            _write_jsonl(args.details, res[0], append=True)

    if args.workers > 1 and len(jobs) > 1:
        with mp.get_context("spawn").Pool(args.workers) as pool:
            for res in pool.imap_unordered(run_table, jobs):
                done(res)
    else:
        for job in jobs:
            done(run_table(job))
    progress.close()
    order = {q.id: i for i, q in enumerate(questions)}
    outcomes.sort(key=lambda o: (order[o.id], not o.clean))
    loads.sort(key=lambda x: (x.table, not x.clean))
    if args.details:
        _write_jsonl(args.details, outcomes, append=False)
    limit = f"; a sample of {args.limit} per part" if args.limit else ""
    print(
        f"{len(questions):,} questions over {len(by_table):,} tables in {time.perf_counter() - t0:.0f} s "
        f"({args.planner} planner{', ' + args.llm if args.llm else ''}; seed {args.seed}{limit})"
    )
    print(report(outcomes, loads))
    return 0


if __name__ == "__main__":
    sys.exit(main())
