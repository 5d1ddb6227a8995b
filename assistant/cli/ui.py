"""``insightchat ui [FILE...]``: start the Gradio app.

The command's settings reach the app as arguments (``--llm`` becomes the model picker's options), never
through the environment. Listening beyond this machine is opt-in and needs a password.
"""

from __future__ import annotations

from typing import Optional

import typer

from insightchat.cli.common import FILES_HELP, err, guarded


def register(app: typer.Typer) -> None:
    app.command("ui")(ui_command)


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
    from insightchat.ui.planners import default_planner_options

    credentials = parse_auth(auth)
    check_exposure(host, share, credentials)
    options = default_planner_options(llm=llm)
    demo = build_app(
        files or [], planner_options=options
    )  # opens the files once: a bad path fails here, before serving
    shown = "localhost" if host in ("127.0.0.1", "::1") else host
    err.print(f"insightchat UI on http://{shown}:{port} (Ctrl-C to stop)", highlight=False)
    serve(demo, port=port, host=host, share=share, auth=credentials, prevent_thread_lock=False)
