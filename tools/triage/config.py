"""The triage settings: urgency signals and weights, duplicate thresholds, routing rules (a TOML file).

Why TOML: a support lead edits the weights and the routing by hand and reviews the change in a diff, so the
defaults ship as a commented file (``default.toml``) rather than as constants, and a user's ``--rules`` file
only needs the parts it changes.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from insightchat.tools.errors import InsightError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

DEFAULT_FILE = Path(__file__).with_name("default.toml")
RULE_FIELDS = ("intent", "urgency", "language", "tier")
LEVELS = ("low", "medium", "high")


class TriageConfigError(InsightError):
    """The routing / signals TOML file is missing, unreadable or has a wrong value."""


@dataclass(frozen=True)
class Rule:
    """Route tickets whose fields match every condition to ``queue`` (patterns compared case-insensitively)."""

    queue: str
    conditions: dict[str, tuple[str, ...]]  # field -> accepted patterns

    def matches(self, values: dict[str, str | None]) -> bool:
        for name, patterns in self.conditions.items():
            value = values.get(name)
            if value is None:
                return False
            text = str(value).lower()
            if not any(fnmatchcase(text, p) for p in patterns):
                return False
        return True

    def describe(self) -> str:
        parts = [f"{k} = {'/'.join(v)}" for k, v in self.conditions.items()]
        return (" and ".join(parts) or "always") + f" -> {self.queue}"


@dataclass(frozen=True)
class UrgencyWeights:
    """The [urgency] table; its defaults live in default.toml only (one place to read and edit them)."""

    high: float
    medium: float
    negative_sentiment: float
    per_day_waiting: float
    max_waiting: float
    repeat_contact: float
    repeat_window_days: float
    top_value: float
    top_value_share: float
    as_of: str | None = None

    def level(self, score: float) -> str:
        return "high" if score >= self.high else "medium" if score >= self.medium else "low"


@dataclass(frozen=True)
class TriageConfig:
    urgency: UrgencyWeights
    words: dict[str, float]
    tiers: dict[str, float]
    near_identical: float
    same_customer: float
    similar_k: int
    default_queue: str
    review_queue: str
    review_below: float
    rules: tuple[Rule, ...]
    source: str = "built-in defaults"
    raw: dict[str, Any] = field(default_factory=dict, compare=False)

    def route(self, values: dict[str, str | None]) -> tuple[str, Rule | None]:
        """The queue of the first matching rule, or the default queue."""
        for rule in self.rules:
            if rule.matches(values):
                return rule.queue, rule
        return self.default_queue, None

    def word_pattern(self) -> re.Pattern[str] | None:
        """One regular expression over every urgency phrase; group ``w<i>`` is the i-th phrase."""
        if not self.words:
            return None
        alternatives = [f"(?P<w{i}>{_phrase_regex(p)})" for i, p in enumerate(self.words)]
        return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


def _phrase_regex(phrase: str) -> str:
    out = []
    for ch in phrase.strip():
        if ch == "*":
            out.append(r"\w*")
        elif ch == "?":
            out.append(r"\w")
        elif ch.isspace():
            out.append(r"\s+")
        else:
            out.append(re.escape(ch))
    return "".join(out).replace(r"\s+\s+", r"\s+")


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TriageConfigError(
            f"Rules file not found: {path}", "pass an existing TOML file, e.g. examples/routing.toml"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise TriageConfigError(f"{path} is not valid TOML: {exc}", "check the line it names") from None


def _number(section: str, key: str, value: Any, source: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TriageConfigError(f"{source}: [{section}] {key} must be a number, not {value!r}", "e.g. 1.5")
    return float(value)


def _weights(table: dict[str, Any], section: str, source: str) -> dict[str, float]:
    return {str(k).lower(): _number(section, k, v, source) for k, v in table.items()}


def _patterns(value: Any, where: str, source: str) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(v, str) and v.strip() for v in items):
        raise TriageConfigError(
            f"{source}: {where} must be a text or a list of texts", 'e.g. intent = ["billing", "refund*"]'
        )
    return tuple(v.strip().lower() for v in items)


def _rules(items: Any, source: str) -> tuple[Rule, ...]:
    if not isinstance(items, list):
        raise TriageConfigError(
            f"{source}: routing.rules must be an array of tables", "write each rule as [[routing.rules]]"
        )
    rules = []
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict) or not isinstance(item.get("queue"), str) or not item["queue"].strip():
            raise TriageConfigError(f"{source}: routing rule {n} has no queue", 'add queue = "Billing" to it')
        unknown = sorted(set(item) - {"queue", *RULE_FIELDS})
        if unknown:
            raise TriageConfigError(
                f"{source}: routing rule {n} has unknown condition(s) {', '.join(unknown)}",
                f"conditions are {', '.join(RULE_FIELDS)}",
            )
        conditions = {k: _patterns(item[k], f"rule {n} {k}", source) for k in RULE_FIELDS if k in item}
        if "urgency" in conditions:
            bad = [p for p in conditions["urgency"] if not any(fnmatchcase(lv, p) for lv in LEVELS)]
            if bad:
                raise TriageConfigError(
                    f"{source}: rule {n} urgency {bad[0]!r} is not a level", "levels: low, medium, high"
                )
        rules.append(Rule(item["queue"].strip(), conditions))
    return tuple(rules)


def load_config(path: str | Path | None = None) -> TriageConfig:
    """The defaults, with the tables of the user's file (when given) laid over them."""
    defaults = _read(DEFAULT_FILE)
    user = _read(Path(path).expanduser()) if path else {}
    source = str(path) if path else "built-in defaults"
    unknown = sorted(set(user) - {"urgency", "duplicates", "routing"})
    if unknown:
        raise TriageConfigError(
            f"{source}: unknown table(s) {', '.join(unknown)}", "tables: urgency, duplicates, routing"
        )
    merged: dict[str, Any] = {}
    for section in ("urgency", "duplicates", "routing"):
        merged[section] = {**defaults.get(section, {}), **user.get(section, {})}
    for sub in ("words", "tiers"):
        if sub in user.get("urgency", {}):
            merged["urgency"][sub] = user["urgency"][sub]
    if "rules" in user.get("routing", {}):
        merged["routing"]["rules"] = user["routing"]["rules"]
    u = dict(merged["urgency"])
    words, tiers = u.pop("words", {}), u.pop("tiers", {})
    allowed = UrgencyWeights.__dataclass_fields__
    extra = sorted(set(u) - set(allowed))
    if extra:
        raise TriageConfigError(f"{source}: unknown [urgency] key(s) {', '.join(extra)}", f"keys: {', '.join(allowed)}")
    as_of = u.pop("as_of", None)
    weights = UrgencyWeights(
        **{k: _number("urgency", k, v, source) for k, v in u.items()}, as_of=str(as_of) if as_of else None
    )
    if weights.medium > weights.high:
        raise TriageConfigError(
            f"{source}: [urgency] medium ({weights.medium}) is above high ({weights.high})", "medium <= high"
        )
    d, r = merged["duplicates"], merged["routing"]
    threshold = _number("routing", "review_below", r.get("review_below", 0.5), source)
    return TriageConfig(
        urgency=weights,
        words=_weights(words, "urgency.words", source),
        tiers=_weights(tiers, "urgency.tiers", source),
        near_identical=_number("duplicates", "near_identical", d.get("near_identical", 0.95), source),
        same_customer=_number("duplicates", "same_customer", d.get("same_customer", 0.85), source),
        similar_k=int(_number("duplicates", "similar_k", d.get("similar_k", 5), source)),
        default_queue=str(r.get("default_queue", "General support")),
        review_queue=str(r.get("review_queue", "Needs review")),
        review_below=threshold,
        rules=_rules(r.get("rules", []), source),
        source=source,
        raw=merged,
    )
