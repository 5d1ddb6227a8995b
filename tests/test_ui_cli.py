"""``insightchat ui`` in a subprocess: it serves the app on loopback and refuses to expose it bare."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request

import pytest
from ui_helpers import EXAMPLES, free_port

pytestmark = pytest.mark.timeout(120)

CLI = [sys.executable, "-c", "from insightchat.cli import app; app()"]


def test_ui_command_serves_the_app_on_loopback():
    port = free_port()
    proc = subprocess.Popen(
        [*CLI, "ui", str(EXAMPLES / "reviews.csv"), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        body = ""
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as resp:
                    body = resp.read().decode("utf-8", "replace")
                    break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(proc.stderr.read())
                time.sleep(0.5)
        assert "insightchat" in body
    finally:
        proc.terminate()
        proc.wait(20)


@pytest.mark.parametrize("args", [["--share"], ["--host", "0.0.0.0"]])
def test_ui_command_needs_auth_beyond_loopback(args):
    res = subprocess.run([*CLI, "ui", *args, "--port", str(free_port())], capture_output=True, text=True, timeout=60)
    assert res.returncode == 1
    assert "needs a password" in res.stderr and "Traceback" not in res.stderr


def test_ui_command_bad_file_is_one_line():
    res = subprocess.run([*CLI, "ui", "no-such-file.csv"], capture_output=True, text=True, timeout=60)
    assert res.returncode == 1 and "File not found" in res.stderr and "Traceback" not in res.stderr
