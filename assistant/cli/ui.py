"""``insightchat ui [FILE...]``: start the Gradio app (registered on the CLI's typer ``app``).

Kept beside the UI, like ``assistant/cli_text.py`` keeps the text commands, so the main CLI module
only imports it. Listening beyond this machine is opt-in and needs a password.
"""

from __future__ import annotations

import os
from typing import Optional

import typer

from insightchat.cli import FILES_HELP, app, err, guarded


@app.command("ui")
@guarded
def ui_command(
    files: Optional[list[str]] = typer.Argument(
        None, help=FILES_HELP + " Optional: data can also be uploaded in the app."
    ),
    port: int = typer.Option(7860, "--port", help="Port to listen on."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on; anything but loopback needs --auth."),
    share: bool = typer.Option(False, "--share", help="Make a public Gradio share link (needs --auth and a network)."),
    auth: Optional[str] = typer.Option(
        None, "--auth", help="user:password required to open the app (required with --share or a non-loopback --host)."
    ),
    llm: Optional[str] = typer.Option(
        None, "--llm", help="Chat model as provider:model, offered beside the offline planner."
    ),
) -> None:
    """Open the chat UI in the browser: upload data, ask, see the steps, the table and the chart."""
    from insightchat.ui.app import build_app, check_exposure, parse_auth, serve

    if llm:
        os.environ["INSIGHTCHAT_LLM"] = llm  # read by ui.planners through assistant.config
    credentials = parse_auth(auth)
    check_exposure(host, share, credentials)
    demo = build_app(files or [])  # opens the files once: a bad path fails here, before serving
    shown = "localhost" if host in ("127.0.0.1", "::1") else host
    err.print(f"insightchat UI on http://{shown}:{port} (Ctrl-C to stop)", highlight=False)
    serve(demo, port=port, host=host, share=share, auth=credentials, prevent_thread_lock=False)
