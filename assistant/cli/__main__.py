"""``python -m insightchat.cli``: the same as the ``insightchat`` command."""

from insightchat.cli import main

main()
