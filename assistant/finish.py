"""Finishing an Answer, for every plan alike: its visible steps, the model's own narration when it is
grounded, the one-line notice, and the events that still have to be streamed.

A plan the Assistant executed streams its steps and the narrator's text now. A plan the planner
executed itself (an :class:`insightchat.contracts.ExecutedTurn`) already streamed its steps as they
ran, and maybe its narration too: only what the user has not seen yet is streamed.
"""

from __future__ import annotations

from insightchat.contracts import Answer, Event, Plan
from insightchat.grounding import apply_llm_narration


def finish_answer(answer: Answer, plan: Plan, question: str) -> list[Event]:
    """Complete ``answer`` (narrated from ``plan``'s results) and return the events left to stream."""
    turn = plan.executed
    events: list[Event] = []
    if turn is None:
        events = [Event("step", step=step) for step in answer.steps]
    else:
        answer.steps = list(turn.steps)
        if turn.narration and not plan.abstained:
            used = apply_llm_narration(answer, turn.narration, answer.results, question)
            if not used and turn.streamed:
                events.append(Event("error", text=answer.warnings[-1]))
                events.append(Event("token", text=answer.text))
            elif not turn.streamed:
                events.append(Event("token", text=answer.text))
        else:
            events.append(Event("token", text=answer.text))
    if plan.notice:
        answer.warnings.append(plan.notice)
        answer.text = f"{answer.text}\n({plan.notice})" if answer.text else plan.notice
    if turn is None:
        events.append(Event("token", text=answer.text))  # the narrator's text, with the notice
    return events
