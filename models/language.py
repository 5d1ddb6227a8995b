"""Language of a text, offline, with lingua-language-detector.

Why a fixed set of languages: lingua's high-accuracy mode over all 75 languages is about ten times slower
than over the 25 most common ones in customer support, and a narrower set also makes fewer confusions
between close languages on short texts (a one-line ticket is easily mistaken for Afrikaans or Latin).
Users with tickets in other languages name them with ``INSIGHTCHAT_LANGUAGES`` (ISO 639-1 codes).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from insightchat.tools.errors import InsightError

LANGUAGES_ENV = "INSIGHTCHAT_LANGUAGES"
DEFAULT_LANGUAGES = tuple(
    [
        "en",
        "de",
        "fr",
        "es",
        "it",
        "pt",
        "nl",
        "pl",
        "sv",
        "da",
        "nb",
        "fi",
        "cs",
        "tr",
        "ru",
        "uk",
        "ja",
        "zh",
        "ko",
        "ar",
        "hi",
        "el",
        "hu",
        "ro",
        "id",
    ]  # ISO 639-1
)
UNKNOWN = "unknown"
MIN_LETTERS = 3  # "ok", "??" and ticket numbers have no language


@dataclass(frozen=True)
class DetectedLanguage:
    name: str  # "German" (what people ask for: "share of German tickets")
    code: str  # "de"


UNDETERMINED = DetectedLanguage(UNKNOWN, UNKNOWN)


def _codes_from_env() -> tuple[str, ...]:
    raw = os.environ.get(LANGUAGES_ENV, "")
    codes = tuple(c.strip().lower() for c in raw.replace(";", ",").split(",") if c.strip())
    return codes or tuple(DEFAULT_LANGUAGES)


class LanguageDetector:
    """Detects the language of texts in one of ``codes``; texts without enough letters are ``unknown``."""

    def __init__(self, codes: Sequence[str] | None = None) -> None:
        from lingua import IsoCode639_1, LanguageDetectorBuilder

        self.codes = tuple(codes) if codes else _codes_from_env()
        isos = []
        for code in self.codes:
            try:
                isos.append(IsoCode639_1.from_str(code))
            except ValueError:
                raise InsightError(
                    f"Unknown language code {code!r}", f"{LANGUAGES_ENV} takes ISO 639-1 codes such as en,de,fr"
                ) from None
        if len(isos) < 2:
            raise InsightError("Language detection needs at least two languages", f"set {LANGUAGES_ENV}=en,de,...")
        self._detector = LanguageDetectorBuilder.from_iso_codes_639_1(*isos).build()
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return "lingua:" + ",".join(sorted(self.codes))

    def detect(self, texts: Sequence[str]) -> list[DetectedLanguage]:
        """One language per text, in order (lingua runs the batch on its own threads)."""
        checkable = [sum(ch.isalpha() for ch in t[:2000]) >= MIN_LETTERS for t in texts]
        with self._lock:
            wanted = [t[:2000] for t, ok in zip(texts, checkable, strict=True) if ok]
            found = self._detector.detect_languages_in_parallel_of(wanted)
        out: list[DetectedLanguage] = []
        it = iter(found)
        for ok in checkable:
            lang = next(it) if ok else None
            if lang is None:
                out.append(UNDETERMINED)
            else:
                out.append(DetectedLanguage(lang.name.title(), lang.iso_code_639_1.name.lower()))
        return out


@lru_cache(maxsize=4)
def shared_detector(codes: tuple[str, ...] | None = None) -> LanguageDetector:
    """One detector per language set in the process (building one loads lingua's models lazily)."""
    return LanguageDetector(codes)


def default_detector() -> LanguageDetector:
    return shared_detector(_codes_from_env())
