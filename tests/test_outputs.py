"""The output guard (tools/outputs.py): ``--out`` never overwrites an input, by any path, and never half-writes.

Every case uses real files in ``tmp_path`` (hard and symbolic links, globs, folders, read-only folders) and,
where a command is involved, the real CLI: exit code 1, one clear error line, no traceback, input bytes kept.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from insightchat.cli import app
from insightchat.tools.errors import InsightError
from insightchat.tools.outputs import TABLE_SUFFIXES, checked_output, input_files, write_frame

runner = CliRunner()

ROWS = pd.DataFrame({"id": [1, 2, 3], "city": ["Berlin", "Paris", "Rome"], "amount": ["10", "20.5", "x"]})


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "data.csv"
    ROWS.to_csv(path, index=False)
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def refused(path: str | Path, inputs: list[str | Path], **kw: object) -> str:
    with pytest.raises(InsightError) as info:
        checked_output(path, inputs, **kw)  # type: ignore[arg-type]
    return str(info.value)


# ------------------------------------------------------------------------------------ the guard itself


def test_hard_link_symlink_and_other_spellings_of_an_input_are_refused(data: Path, tmp_path: Path, monkeypatch):
    hard = tmp_path / "hard.csv"
    os.link(data, hard)
    soft = tmp_path / "soft.csv"
    soft.symlink_to(data)
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    for spelling in (hard, soft, "../data.csv", f"{tmp_path}/sub/../data.csv", data):
        assert "is an input file" in refused(spelling, [data])
    assert "is an input file" in refused(data, ["../hard.csv"])  # the input named by its link, --out by its name
    assert checked_output(tmp_path / "new.csv", [data]) == tmp_path / "new.csv"


def test_a_file_a_glob_input_matched_is_refused(data: Path, tmp_path: Path):
    other = tmp_path / "other.csv"
    ROWS.to_csv(other, index=False)
    assert sorted(input_files([str(tmp_path / "*.csv")])) == sorted([data, other])
    message = refused(other, [str(tmp_path / "*.csv")])
    assert "is an input file" in message and "other.csv" in message
    assert "is an input file" in refused(data, [str(tmp_path / "d?ta.*")])
    assert checked_output(tmp_path / "out.parquet", [str(tmp_path / "*.csv")]).name == "out.parquet"


def test_folders_suffixes_and_missing_places_are_refused(data: Path, tmp_path: Path):
    (tmp_path / "folder.csv").mkdir()
    assert "is a folder" in refused(tmp_path / "folder.csv", [data])
    assert "is a folder" in refused(tmp_path, [data])
    assert "cannot write .xyz" in refused(tmp_path / "out.xyz", [data])
    assert "without a suffix" in refused(tmp_path / "out", [data])
    assert "does not exist" in refused(tmp_path / "missing" / "out.csv", [data])
    assert "is not a folder" in refused(data / "out.csv", [data])
    assert "is empty" in refused("", [data])
    assert "use .html" in refused(tmp_path / "r.csv", [data], suffixes=(".html", ".md"))


@pytest.fixture
def locked(tmp_path: Path):
    """A folder nobody may write to (skipped as root, where chmod does not stop writes)."""
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running as root: chmod does not stop writes here")
        yield folder
    finally:
        folder.chmod(0o755)


def test_an_unwritable_folder_is_refused(data: Path, locked: Path):
    assert "not writable" in refused(locked / "out.csv", [data])


@pytest.mark.parametrize("suffix", TABLE_SUFFIXES)
def test_write_frame_round_trips_every_format(data: Path, tmp_path: Path, suffix: str):
    target = write_frame(ROWS, tmp_path / f"out{suffix}", [data])
    readers = {
        ".csv": pd.read_csv,
        ".tsv": lambda p: pd.read_csv(p, sep="\t"),
        ".parquet": pd.read_parquet,
        ".json": pd.read_json,
        ".jsonl": lambda p: pd.read_json(p, lines=True),
        ".xlsx": pd.read_excel,
    }
    back = readers[suffix](target)
    assert back["city"].tolist() == ROWS["city"].tolist() and back["id"].tolist() == [1, 2, 3]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp file left
    assert target.stat().st_mode & 0o777 != 0o600  # a normal file, not mkstemp's private mode


def test_a_failed_write_leaves_the_old_file_whole_and_no_temp_file(tmp_path: Path):
    target = tmp_path / "out.parquet"
    target.write_bytes(b"the old contents")
    mixed = pd.DataFrame({"x": [1, "a", 2.5, b"\x00"]})  # pyarrow cannot hold one column of these
    with pytest.raises(InsightError) as info:
        write_frame(mixed, target, [])
    assert "Could not write" in str(info.value) and "try another format" in str(info.value)
    assert target.read_bytes() == b"the old contents"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.parquet"]


# ------------------------------------------------------------------------------------ through the CLI


def _one_error(result) -> str:
    """The CLI's error: exit 1, on stderr one 'Error:' line (plus at most its hint), no traceback anywhere."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith("Note:")]
    errors = [line for line in lines if line.startswith("Error:")]
    assert len(errors) == 1, result.output
    assert all(line.startswith(("Error:", "Hint:")) for line in lines), result.output
    return errors[0]


@pytest.mark.parametrize("command", ["clean", "sentiment", "topics", "triage"])
def test_cli_refuses_an_input_by_hard_link_symlink_or_glob(data: Path, tmp_path: Path, command: str):
    before = digest(data)
    hard = tmp_path / "hard.csv"
    os.link(data, hard)
    soft = tmp_path / "soft.csv"
    soft.symlink_to(data)
    extra = {"clean": [], "sentiment": ["--column", "city"], "topics": ["--column", "city"]}
    extra["triage"] = ["--text-column", "city"]
    for source, out in ((str(data), hard), (str(data), soft), (str(tmp_path / "*.csv"), data)):
        if command != "clean" and "*" in source:
            source = str(data)  # the text commands take one FILE; their glob case is the same guard
        result = runner.invoke(app, [command, source, *extra[command], "--out", str(out)])
        assert "is an input file" in _one_error(result)
    assert digest(data) == before and os.stat(data).st_nlink == 2  # the hard link was never replaced


def test_cli_refuses_a_folder_and_an_unknown_suffix(data: Path, tmp_path: Path):
    (tmp_path / "outdir").mkdir()
    assert "is a folder" in _one_error(runner.invoke(app, ["clean", str(data), "--out", str(tmp_path / "outdir")]))
    assert "cannot write" in _one_error(runner.invoke(app, ["clean", str(data), "--out", str(tmp_path / "x.xyz")]))
    report_dir = runner.invoke(app, ["report", str(data), "--out", str(tmp_path / "outdir")])
    assert "is a folder" in _one_error(report_dir)
    report_csv = runner.invoke(app, ["report", str(data), "--out", str(data)])
    assert "cannot write .csv" in _one_error(report_csv) and "Hint: use .html, .md, .pdf" in report_csv.output
    parts = runner.invoke(
        app,
        ["sentiment", str(data), "-c", "city", "--per", "sentence", "--out", str(tmp_path / "a.csv")]
        + ["--parts-out", str(tmp_path / "a.csv")],
    )
    assert "same file" in _one_error(parts)


def test_cli_refuses_an_unwritable_folder(data: Path, locked: Path):
    result = runner.invoke(app, ["clean", str(data), "--out", str(locked / "out.csv")])
    assert "not writable" in _one_error(result)


def test_cli_reports_a_folder_the_system_will_not_write_to(data: Path):
    for folder in ("/proc", "/sys"):  # refused by the kernel even for root
        if Path(folder).is_dir():
            result = runner.invoke(app, ["clean", str(data), "--out", f"{folder}/out.csv"])
            assert "Could not write" in _one_error(result)


def test_cli_writes_a_new_file_and_leaves_the_input(data: Path, tmp_path: Path):
    before = digest(data)
    out = tmp_path / "cleaned.parquet"
    result = runner.invoke(app, ["clean", str(data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = pd.read_parquet(out)
    assert written["city"].tolist() == ["Berlin", "Paris", "Rome"] and len(written.columns) > len(ROWS.columns)
    assert digest(data) == before
    report = runner.invoke(app, ["report", str(data), "--out", str(tmp_path / "report.html")])
    assert report.exit_code == 0, report.output
    assert "<html" in (tmp_path / "report.html").read_text(encoding="utf-8").lower()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
