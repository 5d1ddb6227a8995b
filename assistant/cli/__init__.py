"""The ``insightchat`` command line (typer + rich): one app, each command family adding its commands.

Every command that prints data takes ``--json``. The families (``data``: tables/sql, ``ask``: ask/chat,
``text``: sentiment/classify/topics/similar, ``triage``: support tickets, ``ui``: the Gradio app) only import
``insightchat.cli.common``;
this module is the one place that puts them together, so a new command family is one more entry below.
"""

from __future__ import annotations

import typer

from insightchat.cli import ask, clean, data, report, text, triage, ui
from insightchat.cli.common import new_app

COMMAND_FAMILIES = (data, clean, ask, text, report, triage, ui)


def build_app() -> typer.Typer:
    """The ``insightchat`` app with every command family registered, in the order ``--help`` lists them."""
    app = new_app()
    for family in COMMAND_FAMILIES:
        family.register(app)
    return app


app = build_app()


def main() -> None:  # pragma: no cover - console entry point alternative
    app()
