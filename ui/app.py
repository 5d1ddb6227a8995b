"""The Gradio app: upload data, ask, watch the steps, get the table, the chart and the files.

Layout: the chat (with suggested questions, a Stop button and download buttons under it) on the
left; on the right the data panel (upload, tables with row counts and columns, a preview) and the
planner picker. Every handler finds its :class:`insightchat.ui.session.UISession` from the request's session
hash, so each browser tab (and each ``gradio_client.Client``) has its own Assistant, DuckDB
connection and upload folder; the Chatbot is only ever an output, its history lives in the session.

``build_app`` makes the Blocks; ``launch`` starts it on 127.0.0.1 unless told otherwise, and
refuses to listen beyond this machine (``--share`` or a non-loopback host) without a password.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import gradio as gr

from insightchat.tools.errors import InsightError
from insightchat.tools.suggestions import suggest
from insightchat.tools.workspace import Workspace
from insightchat.ui.chat import run_turn, stop_turn, visible_history
from insightchat.ui.downloads import write_downloads
from insightchat.ui.formatting import format_cell_frame, preview_frame, tables_markdown
from insightchat.ui.planners import PlannerOption, default_planner_options, find_option, first_planner, make_planner
from insightchat.ui.report_view import report_tab
from insightchat.ui.session import AssistantFactory, SessionRegistry, UISession
from insightchat.ui.triage_view import triage_tab
from insightchat.ui.uploads import UPLOAD_FILE_TYPES, add_uploads

log = logging.getLogger(__name__)

MAX_SUGGESTIONS = 6
EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"
EXAMPLE_FILES = ("reviews.csv", "tickets.csv")

CSS = """
#insight-suggestions button { font-size: 0.85rem; }
#insight-planner { text-align: right; }
.insight-table { border-collapse: collapse; font-size: 0.85rem; }
.insight-table th, .insight-table td { padding: 2px 10px !important; text-align: left; }
"""
RESULT_GRID_ROWS = 1000  # rows of the current result in the grid under the chat


def example_files() -> list[Path]:
    """The project's own example data, when this is a source checkout that has it."""
    files = [EXAMPLES_DIR / name for name in EXAMPLE_FILES]
    return [f for f in files if f.exists()]


def _validate_files(files: Sequence[str | Path]) -> None:
    """Open the command-line files once before serving, so a typo fails at start, not per session."""
    if not files:
        return
    ws = Workspace()
    try:
        for f in files:
            ws.add(f)
    finally:
        ws.close()


def build_app(
    files: Sequence[str | Path] = (),
    planner_options: Sequence[PlannerOption] | None = None,
    assistant_factory: AssistantFactory | None = None,
    title: str = "insightchat",
    idle_ttl_s: float = 6 * 3600,
) -> gr.Blocks:
    """The app over ``files`` (opened afresh in every session). Raises InsightError for a bad file.

    The returned Blocks has ``insight_registry`` (the :class:`SessionRegistry`) so tests and
    ``launch`` can reach the sessions and close them.
    """
    _validate_files(files)
    options = list(planner_options) if planner_options else default_planner_options()

    def make_assistant(ws: Workspace) -> Any:
        if assistant_factory is not None:
            return assistant_factory(ws)
        from insightchat.assistant import Assistant

        return Assistant(ws, planner=first_planner(options, ws))

    registry = SessionRegistry(files, make_assistant, idle_ttl_s=idle_ttl_s)
    examples = example_files()

    def session(request: gr.Request) -> UISession:
        return registry.get(request.session_hash or "anonymous")

    # ------------------------------------------------------------------ shared view helpers
    def suggestion_updates(sess: UISession) -> list[Any]:
        sql_only = getattr(sess.assistant.planner, "name", "") == "sql"
        try:
            items = suggest(sess.workspace.catalog(), MAX_SUGGESTIONS, sql_only=sql_only)
        except Exception:
            log.warning("suggestions failed", exc_info=True)
            items = []
        texts = [(s.sql if sql_only and s.sql else s.text) for s in items]
        texts += [""] * (MAX_SUGGESTIONS - len(texts))
        return [gr.Button(value=t or " ", visible=bool(t)) for t in texts]

    def data_panel(sess: UISession, selected: str | None = None) -> list[Any]:
        names = [n for n in sess.workspace.table_names() if not n.startswith("_")]
        table = selected if selected in names else (names[0] if names else None)
        return [
            tables_markdown(sess.workspace),
            gr.Dropdown(choices=names, value=table, visible=bool(names)),
            gr.Dataframe(value=preview_frame(sess.workspace, table), visible=bool(names)),
        ]

    def tab_tables(request: gr.Request) -> list[Any]:
        """The Report and Triage tabs' table choices after the data changed (a chained step, so the data
        panel's outputs, which API clients unpack, stay as they were)."""
        sess = session(request)
        names = [n for n in sess.workspace.table_names() if not n.startswith("_")]
        table = names[-1] if names else None
        return [
            gr.Button(visible=bool(names)),  # "Report on this table"
            gr.Dropdown(choices=names, value=table),  # the Report tab's table
            gr.Dropdown(choices=names, value=table),  # the Triage tab's table
        ]

    def result_grid(sess: UISession) -> Any:
        """The current result as a sortable grid under the chat, labelled with its size."""
        ans = sess.last_answer
        if ans is None or ans.table is None or not len(ans.table.columns):
            return gr.Dataframe(visible=False)
        total = ans.total_rows if ans.total_rows is not None else len(ans.table)
        shown = min(len(ans.table), RESULT_GRID_ROWS)
        label = (
            f"Current result: {total:,} rows"
            if shown >= total
            else f"Current result: first {shown:,} of {total:,} rows (the CSV has {len(ans.table):,})"
        )
        return gr.Dataframe(value=format_cell_frame(ans.table, RESULT_GRID_ROWS), label=label, visible=True)

    def planner_markdown(sess: UISession) -> str:
        return f"Planner: **{sess.planner_label}**"

    def download_updates(sess: UISession) -> list[Any]:
        ans = sess.last_answer
        if sess.downloads is None or sess.downloads[0] != sess.result_turn:
            written = write_downloads(
                sess.upload_dir, sess.result_turn, ans.table if ans else None, ans.chart if ans else None
            )
            sess.downloads = (sess.result_turn, written)
        files_ = sess.downloads[1]
        return [
            gr.DownloadButton(value=str(files_.csv) if files_.csv else None, visible=files_.csv is not None),
            gr.DownloadButton(value=str(files_.png) if files_.png else None, visible=files_.png is not None),
            gr.DownloadButton(value=str(files_.html) if files_.html else None, visible=files_.html is not None),
        ]

    # ------------------------------------------------------------------ layout
    # delete_cache: the copies Gradio makes of download files are removed after two hours
    with gr.Blocks(title=title, fill_height=True, delete_cache=(3600, 7200)) as demo:
        with gr.Row():
            gr.Markdown(
                f"## {title}\nAsk questions about your data. Every answer shows its steps, the table and a chart."
            )
            planner_md = gr.Markdown("Planner: **…**", elem_id="insight-planner")
        with gr.Tabs(elem_id="insight-tabs") as tabs:
            with gr.Tab("Chat", id="chat"), gr.Row(equal_height=False):
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(
                        label="Chat",
                        height=620,
                        layout="panel",
                        elem_id="insight-chat",
                        buttons=["copy", "copy_all"],
                        feedback_options=None,
                        placeholder="Upload data or load the example data, then ask a question or click a suggestion.",
                    )
                    with gr.Row():
                        question = gr.Textbox(
                            placeholder="Ask about your data, e.g. 'average rating by region'",
                            show_label=False,
                            scale=8,
                            elem_id="insight-question",
                            submit_btn=False,
                            autofocus=True,
                        )
                        send_btn = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="insight-send")
                        stop_btn = gr.Button("Stop", variant="stop", scale=1, min_width=80, elem_id="insight-stop")
                    gr.Markdown("**Suggested questions**")
                    with gr.Row(elem_id="insight-suggestions"):
                        suggestion_btns = [
                            gr.Button(" ", size="sm", visible=False, elem_classes=["insight-suggestion"])
                            for _ in range(MAX_SUGGESTIONS)
                        ]
                    result_df = gr.Dataframe(
                        label="Current result",
                        interactive=False,
                        visible=False,
                        max_height=320,
                        elem_id="insight-result",
                    )
                    with gr.Row():
                        csv_btn = gr.DownloadButton("Table (CSV)", visible=False, size="sm", elem_id="insight-dl-csv")
                        png_btn = gr.DownloadButton("Chart (PNG)", visible=False, size="sm", elem_id="insight-dl-png")
                        html_btn = gr.DownloadButton(
                            "Chart (HTML)", visible=False, size="sm", elem_id="insight-dl-html"
                        )
                with gr.Column(scale=2):
                    model_dd = gr.Dropdown(
                        choices=[o.label for o in options],
                        value=options[0].label,
                        label="Model",
                        visible=len(options) > 1,
                        elem_id="insight-model",
                    )
                    uploader = gr.File(
                        label="Upload data (several files at once)",
                        file_count="multiple",
                        file_types=UPLOAD_FILE_TYPES,
                        type="filepath",
                        height=120,
                        elem_id="insight-upload",
                    )
                    example_btn = gr.Button(
                        "Load example data", size="sm", visible=bool(examples), elem_id="insight-examples"
                    )
                    tables_md = gr.Markdown("*No data yet.*", elem_id="insight-tables")
                    table_dd = gr.Dropdown(
                        label="Preview table",
                        choices=[],
                        visible=False,
                        allow_custom_value=True,
                        elem_id="insight-preview-table",
                    )
                    preview = gr.Dataframe(
                        label="Preview (first rows)",
                        interactive=False,
                        visible=False,
                        max_height=300,
                        elem_id="insight-preview",
                    )
                    report_this_btn = gr.Button(
                        "Report on this table", size="sm", visible=False, elem_id="insight-report-this"
                    )
            with gr.Tab("Report", id="report"):
                report = report_tab(session)
            with gr.Tab("Triage", id="triage"):
                triage = triage_tab(session, registry.initial_files)

        panel_outputs = [tables_md, table_dd, preview, *suggestion_btns]
        tab_outputs = [report_this_btn, report.table, triage.table]
        download_outputs = [csv_btn, png_btn, html_btn, result_df]

        # -------------------------------------------------------------- handlers
        def on_load(request: gr.Request) -> list[Any]:
            sess = session(request)
            return [visible_history(sess.history), planner_markdown(sess), *data_panel(sess), *suggestion_updates(sess)]

        def on_ask(text: str, request: gr.Request, progress: gr.Progress = gr.Progress()) -> Iterator[tuple[Any, Any]]:
            """Stream one turn; the first yield clears the box so the next question can be typed."""
            try:
                sess = session(request)
            except InsightError as exc:
                yield "", [{"role": "assistant", "content": f"**Could not open the data:** {exc.message}"}]
                return

            def report(fraction: float | None, desc: str) -> None:
                progress(fraction, desc=desc)

            for history in run_turn(sess, text, report):
                yield "", visible_history(history)

        def after_answer(request: gr.Request) -> list[Any]:
            sess = session(request)
            try:
                downloads = download_updates(sess)
            except Exception:  # files are a convenience: a failure must not look like a failed answer
                log.warning("writing downloads failed", exc_info=True)
                downloads = [gr.DownloadButton(visible=False)] * 3
            return [*downloads, result_grid(sess), planner_markdown(sess)]

        def on_stop(request: gr.Request) -> Any:
            return visible_history(stop_turn(session(request)))

        def on_upload(paths: list[str] | None, request: gr.Request) -> list[Any]:
            sess = session(request)
            if paths:
                outcome = add_uploads(sess.workspace, sess.upload_dir, paths)
                lines = []
                if outcome.tables:
                    lines.append("Loaded " + ", ".join(f"**{t}**" for t in outcome.tables) + ".")
                lines += [f"**Could not load** {e}" for e in outcome.errors]
                lines += [f"*Note:* {n}" for n in outcome.notes]
                if lines:
                    sess.history.append({"role": "assistant", "content": "\n\n".join(lines)})
                if outcome.errors:
                    gr.Warning("Some files could not be loaded; see the chat.")
            new = [t for t in sess.workspace.table_names() if not t.startswith("_")]
            selected = new[-1] if new else None
            return [None, visible_history(sess.history), *data_panel(sess, selected), *suggestion_updates(sess)]

        def on_examples(request: gr.Request) -> list[Any]:
            sess = session(request)
            loaded = set(sess.workspace.table_names())
            added: list[str] = []
            for f in examples:
                if f.stem not in loaded:
                    added += sess.workspace.add(f)
            if added:
                sess.history.append(
                    {
                        "role": "assistant",
                        "content": "Loaded the example data: " + ", ".join(f"**{t}**" for t in added) + ".",
                    }
                )
            return [visible_history(sess.history), *data_panel(sess), *suggestion_updates(sess)]

        def on_select_table(table: str | None, request: gr.Request) -> Any:
            return preview_frame(session(request).workspace, table)

        def on_model(label: str, request: gr.Request) -> list[Any]:
            sess = session(request)
            option = find_option(options, label)
            try:
                sess.assistant.planner = make_planner(option, sess.workspace)
                sess.planner_label = option.label
            except InsightError as exc:
                sess.history.append({"role": "assistant", "content": f"**Could not switch to {label}:** {exc.message}"})
            except Exception as exc:
                log.warning("switching planner failed", exc_info=True)
                sess.history.append(
                    {"role": "assistant", "content": f"**Could not switch to {label}** ({type(exc).__name__})."}
                )
            return [planner_markdown(sess), visible_history(sess.history), *suggestion_updates(sess)]

        def on_clear(request: gr.Request) -> list[Any]:
            """The bin icon on the chat: forget the conversation (not the data) in this session."""
            from insightchat.session import Session

            sess = session(request)
            sess.history.clear()
            sess.assistant.session = Session()
            sess.last_answer = None
            sess.downloads = None
            return [gr.DownloadButton(visible=False)] * 3 + [gr.Dataframe(visible=False)]

        def on_unload(request: gr.Request) -> None:
            """Close the session when its page goes away, but never under a running request.

            A client's heartbeat can drop while a long report or triage keeps the server busy (gradio_client
            gives up after 20 s without data) and reconnects; closing then would kill the work of a client that
            is still there. A busy session is left to the idle expiry instead.
            """
            if request is None or not request.session_hash:
                return
            if not registry.close_unless_busy(request.session_hash):
                log.info("page of session %s went away during a request; left to the idle expiry", request.session_hash)

        # -------------------------------------------------------------- wiring
        demo.load(on_load, None, [chatbot, planner_md, *panel_outputs], api_name="init").then(
            tab_tables, None, tab_outputs, api_name=False, show_progress="hidden"
        )
        ask_events = []
        for trigger, source in ((question.submit, question), (send_btn.click, question)):
            ev = trigger(
                on_ask,
                [source],
                [question, chatbot],
                api_name="ask" if not ask_events else False,
                show_progress="minimal",
            )
            ev.then(
                after_answer,
                None,
                [*download_outputs, planner_md],
                api_name=False if ask_events else "downloads",
                show_progress="hidden",
            )
            ask_events.append(ev)
        for btn in suggestion_btns:
            ev = btn.click(on_ask, [btn], [question, chatbot], api_name=False, show_progress="minimal")
            ev.then(after_answer, None, [*download_outputs, planner_md], api_name=False, show_progress="hidden")
            ask_events.append(ev)
        stop_btn.click(on_stop, None, [chatbot], cancels=ask_events, api_name="stop", queue=False)
        uploader.upload(on_upload, [uploader], [uploader, chatbot, *panel_outputs], api_name="upload").then(
            tab_tables, None, tab_outputs, api_name=False, show_progress="hidden"
        )
        example_btn.click(on_examples, None, [chatbot, *panel_outputs], api_name="load_examples").then(
            tab_tables, None, tab_outputs, api_name=False, show_progress="hidden"
        )
        table_dd.change(on_select_table, [table_dd], [preview], api_name="preview")
        model_dd.change(on_model, [model_dd], [planner_md, chatbot, *suggestion_btns], api_name="model")
        chatbot.clear(on_clear, None, download_outputs, api_name=False)
        report_this_btn.click(
            lambda name: (gr.Tabs(selected="report"), name), [table_dd], [tabs, report.table], api_name=False
        ).then(report.run, [report.table, report.quick], report.outputs, api_name=False, show_progress="full")
        demo.unload(on_unload)

    demo.insight_registry = registry  # type: ignore[attr-defined]
    return demo


def launch(
    files: Sequence[str | Path] = (),
    port: int = 7860,
    host: str = "127.0.0.1",
    share: bool = False,
    auth: tuple[str, str] | None = None,
    prevent_thread_lock: bool = False,
    **build_kwargs: Any,
) -> gr.Blocks:
    """Serve the app. Only loopback without a password; ``share`` or another host needs ``auth``."""
    check_exposure(host, share, auth)
    demo = build_app(files, **build_kwargs)
    serve(demo, port=port, host=host, share=share, auth=auth, prevent_thread_lock=prevent_thread_lock)
    return demo


def serve(
    demo: gr.Blocks,
    port: int | None = 7860,
    host: str = "127.0.0.1",
    share: bool = False,
    auth: tuple[str, str] | None = None,
    prevent_thread_lock: bool = True,
) -> gr.Blocks:
    """Queue and launch a built app with the project's settings (also used by the tests).

    No run history (it would keep answers about uploaded data in the browser), no server-side
    rendering (it needs Node), no error details shown to users (they get clear chat messages).
    """
    demo.queue(default_concurrency_limit=8)
    demo.launch(
        server_name=host,
        server_port=port,
        share=share,
        auth=auth,
        prevent_thread_lock=prevent_thread_lock,
        show_error=False,
        quiet=True,
        max_file_size="2gb",
        run_history=False,
        ssr_mode=False,
        css=CSS,
        footer_links=["api"],
    )
    return demo


def check_exposure(host: str, share: bool, auth: tuple[str, str] | None) -> None:
    """Refuse to listen beyond this machine without a password (uploads are private data)."""
    if (share or not is_loopback(host)) and not auth:
        raise InsightError(
            "Serving beyond this machine needs a password",
            "pass --auth user:password together with --share or a non-loopback --host",
        )


def is_loopback(host: str) -> bool:
    return host in ("127.0.0.1", "localhost", "::1") or host.startswith("127.")


def parse_auth(text: str | None) -> tuple[str, str] | None:
    """``user:password`` as Gradio's auth tuple; a malformed value is a user error."""
    if not text:
        return None
    user, sep, password = text.partition(":")
    if not sep or not user or not password:
        raise InsightError("--auth must look like user:password", "for example --auth analyst:s3cret")
    return user, password


def close_app(demo: gr.Blocks) -> None:
    """Stop the server and close every session (connections, upload folders)."""
    registry = getattr(demo, "insight_registry", None)
    try:
        demo.close()
    finally:
        if registry is not None:
            registry.close_all()
