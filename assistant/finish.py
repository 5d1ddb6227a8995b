"""Finishing an Answer from an LLM-planned turn: visible steps, the grounding check, the notice line.

Kept apart from the Assistant so the facade stays small: it calls :func:`finish_answer` for every
plan and gets back the events to stream (none for the offline planner's plans without a notice).
"""

from __future__ import annotations

from insightchat.contracts import Answer, Event, Plan
from insightchat.grounding import apply_llm_narration


def finish_answer(answer: Answer, plan: Plan, question: str) -> list[Event]:
    """Apply the LLM's narration if grounded, its steps and any fallback notice; return extra events."""
    events: list[Event] = []
    meta = plan.meta
    if meta.get("executed"):
        if meta.get("steps") is not None:
            answer.steps = list(meta["steps"])
        llm_text = meta.get("llm_text") or ""
        if llm_text and not plan.abstained:
            used = apply_llm_narration(answer, llm_text, answer.results, question)
            if not used and meta.get("streamed"):
                events.append(Event("error", text=answer.warnings[-1]))
                events.append(Event("token", text=answer.text))
            elif not meta.get("streamed"):
                events.append(Event("token", text=answer.text))
        else:
            events.append(Event("token", text=answer.text))
    notice = meta.get("notice")
    if notice:
        answer.warnings.append(notice)
        answer.text = f"{answer.text}\n({notice})" if answer.text else notice
    return events
