"""One chat turn as a stream of chat histories: the question, a working indicator, each tool step as
a collapsible message, the narration as it streams, then the final message with table and chart.

The Assistant runs in a worker thread and hands its events over a queue, so this generator keeps
yielding while a long step runs (the working message shows the elapsed seconds) and so Stop can
interrupt the query and end the turn at once instead of waiting for it. Nothing raised here reaches
the browser as a stack trace: user errors become a clear message, anything else a short apology
(with the traceback in the server log).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from insightchat.contracts import Answer, Event
from insightchat.ui.formatting import (
    Message,
    answer_message,
    error_message,
    pending_message,
    safe_markdown,
    step_message,
    user_message,
)
from insightchat.ui.session import UISession

log = logging.getLogger(__name__)

POLL_S = 0.25  # how often the working message refreshes while a step runs

ProgressFn = Callable[[float | None, str], None]


@dataclass
class _Done:
    error: BaseException | None = None


def _pump(sess: UISession, question: str, out: queue.Queue[Event | _Done]) -> None:
    """Run the Assistant and pass each event on; the last item is always a :class:`_Done`."""
    try:
        for event in sess.assistant.ask_stream(question):
            out.put(event)
            if sess.stop_requested.is_set():
                break
    except BaseException as exc:  # handed to the UI thread, which decides what the user sees
        out.put(_Done(exc))
        return
    out.put(_Done())


def _no_progress(fraction: float | None, desc: str) -> None:
    return None


def run_turn(sess: UISession, question: str, progress: ProgressFn = _no_progress) -> Iterator[list[Message]]:
    """Answer ``question`` in ``sess``, yielding the whole chat history after each visible change.

    The last history yielded ends with the final answer (or an error message). ``sess.last_answer``
    is set when an answer arrived, so the caller can offer downloads.
    """
    question = (question or "").strip()
    history = sess.history
    if not question:
        yield history
        return
    if not sess.busy.acquire(blocking=False):
        history.append(user_message(question))
        history.append(
            {
                "role": "assistant",
                "content": "Still answering the previous question. Press **Stop** to cancel it first.",
            }
        )
        yield history
        return
    try:
        sess.stop_requested.clear()
        sess.turn += 1
        history.append(user_message(question))
        yield from _stream_answer(sess, question, history, progress)
    finally:
        sess.busy.release()


def _stream_answer(
    sess: UISession, question: str, history: list[Message], progress: ProgressFn
) -> Iterator[list[Message]]:
    started = time.perf_counter()
    pending = pending_message("Working on it…", "0 s")
    history.append(pending)
    progress(0.05, "Planning")
    yield history

    events: queue.Queue[Event | _Done] = queue.Queue()
    worker = threading.Thread(
        target=_pump, args=(sess, question, events), name=f"insightchat-turn-{sess.session_id[:8]}", daemon=True
    )
    worker.start()

    narration = ""
    answer: Answer | None = None
    last_step_at = started
    steps_seen = 0
    failed = False
    turn_start = len(history) - 2  # the question and the working message
    try:
        done = False
        while not done:
            try:
                batch = [events.get(timeout=POLL_S)]
            except queue.Empty:
                if sess.stop_requested.is_set():
                    break
                pending["metadata"]["log"] = f"{time.perf_counter() - started:.0f} s"
                yield history
                continue
            while True:  # take whatever else is already there: one redraw per burst, not per event
                try:
                    batch.append(events.get_nowait())
                except queue.Empty:
                    break
            changed = False
            for item in batch:
                if isinstance(item, _Done):
                    if item.error is not None:
                        _log_unexpected(item.error)
                        _remove(history, pending)
                        history.append(error_message(item.error))
                        yield history
                        return
                    done = True
                elif item.kind == "plan":
                    if item.text:
                        pending["metadata"]["title"] = f"Working on: {safe_markdown(item.text)}"
                    progress(0.2, "Running tools")
                    changed = True
                elif item.kind == "step" and item.step is not None:
                    now = time.perf_counter()
                    history.insert(history.index(pending), step_message(item.step, now - last_step_at))
                    last_step_at = now
                    steps_seen += 1
                    progress(min(0.9, 0.2 + 0.2 * steps_seen), item.step.title or "Step done")
                    changed = True
                elif item.kind == "token":
                    narration += item.text
                    _remove(history, pending)
                    shown = safe_markdown(narration)  # cell values in it stay text, never links or tags
                    if _is_narration(history[-1]):
                        history[-1]["content"] = shown
                    else:
                        history.append({"role": "assistant", "content": shown, "_narration": True})
                    changed = True
                elif item.kind == "error":
                    failed = True  # the answer that follows carries the message and its hint
                elif item.kind == "answer":
                    answer = item.answer
            if changed:
                yield history
        if sess.stop_requested.is_set() and answer is None:
            _remove(history, pending)
            history.append({"role": "assistant", "content": "*Stopped.*"})
            yield history
            return
        _remove(history, pending)
        if _is_narration(history[-1]):
            history.pop()
        if answer is None:
            history.append({"role": "assistant", "content": "No answer came back."})
            yield history
            return
        if answer.table is not None:  # the current result stays the last real table, not an error
            sess.last_answer = answer
            sess.result_turn = sess.turn
        progress(1.0, "Done")
        # text and table first; drawing the chart takes a tenth of a second more
        history.append(answer_message(answer, narration or None, chart=False, failed=failed))
        yield history
        if answer.chart is not None and answer.table is not None:
            history[-1] = answer_message(answer, narration or None, failed=failed)
            yield history
        _freeze(history, turn_start)
    finally:
        _remove(history, pending)
        if history and _is_narration(history[-1]):
            history[-1].pop("_narration", None)


def _is_narration(msg: Any) -> bool:
    return isinstance(msg, dict) and bool(msg.get("_narration"))


_freezer: Any = None


def _freeze(history: list[Any], start: int) -> None:
    """Turn a finished turn's messages into Gradio's own message objects, once.

    The Chatbot re-serialises the whole history on every streamed update; a finished answer's
    plotly figure would be rebuilt each time (about 0.1 s per chart per update, growing with the
    conversation). Gradio passes its ``Message`` objects through untouched, so a finished turn costs
    nothing afterwards.
    """
    # Gradio treats components built while an event handler runs as updates of the app (they then
    # lack attributes such as ``info``); a new thread starts outside the handler's context.
    worker = threading.Thread(target=_freeze_now, args=(history, start), name="insightchat-freeze")
    worker.start()
    worker.join()


def _freeze_now(history: list[Any], start: int) -> None:
    global _freezer
    try:
        if _freezer is None:
            import gradio as gr

            _freezer = gr.Chatbot(render=False)
        for i in range(max(start, 0), len(history)):
            msg = history[i]
            if isinstance(msg, dict):
                frozen = _freezer.postprocess([{k: v for k, v in msg.items() if not k.startswith("_")}]).root
                if len(frozen) == 1:
                    history[i] = frozen[0]
    except Exception:  # freezing only saves time; the dict messages still display correctly
        log.warning("could not freeze finished chat messages", exc_info=True)


def stop_turn(sess: UISession) -> list[Message]:
    """Stop the running turn: interrupt its query and close any working message."""
    sess.interrupt()
    for msg in sess.history:
        meta = (msg.get("metadata") if isinstance(msg, dict) else None) or {}
        if meta.get("status") == "pending":
            meta["status"] = "done"
            meta["title"] = "Stopped"
    last = sess.history[-1] if sess.history else None
    if isinstance(last, dict) and last.get("role") == "user":
        sess.history.append({"role": "assistant", "content": "*Stopped.*"})
    return sess.history


def _remove(history: list[Message], message: Message) -> None:
    for i, msg in enumerate(history):
        if msg is message:
            del history[i]
            return


def _log_unexpected(exc: BaseException) -> None:
    from insightchat.tools.errors import InsightError

    if not isinstance(exc, InsightError):
        log.error("unexpected error while answering", exc_info=(type(exc), exc, exc.__traceback__))


def visible_history(history: list[Any]) -> list[Any]:
    """The history without the UI's private keys (``_narration``), for the Chatbot.

    Finished turns are already Gradio ``Message`` objects (see :func:`_freeze`) and pass as they are.
    """
    return [
        {k: v for k, v in msg.items() if not k.startswith("_")} if isinstance(msg, dict) else msg for msg in history
    ]
