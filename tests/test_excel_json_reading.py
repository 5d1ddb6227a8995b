"""Excel sheets laid out for people (a title block, merged header cells, notes below) and JSON with
nested records, read by tools/excel_reading.py and tools/json_reading.py from files the tests write."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import openpyxl
import pytest

from insightchat.tools.excel_reading import read_workbook
from insightchat.tools.json_reading import plan_json


def test_a_title_block_and_a_two_row_header_with_merged_cells(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sales"
    ws["A1"] = "Quarterly report"
    ws.merge_cells("A1:E1")
    ws["A2"] = "Prepared 2024-01-05"
    ws["A4"] = "Region"
    ws.merge_cells("A4:A5")
    ws["B4"], ws["D4"] = "Q1", "Q2"
    ws.merge_cells("B4:C4")
    ws.merge_cells("D4:E4")
    for col, label in zip("BCDE", ["sales", "units", "sales", "units"], strict=True):
        ws[f"{col}5"] = label
    for i, row in enumerate([("EU", 10, 1, 20, 2), ("US", 30, 3, 40, 4)]):
        for col, value in zip("ABCDE", row, strict=True):
            ws[f"{col}{6 + i}"] = value
    for col, value in zip("ABCDE", ("Total", 40, 4, 60, 6), strict=True):
        ws[f"{col}8"] = value
    ws["A9"] = "* provisional figures"
    wb.create_sheet("Notes")
    path = tmp_path / "report.xlsx"
    wb.save(path)

    sales, notes_sheet = read_workbook(path)
    assert sales.frame is not None
    assert list(sales.frame.columns) == ["Region", "Q1 sales", "Q1 units", "Q2 sales", "Q2 units"]
    assert sales.frame.values.tolist() == [["EU", 10, 1, 20, 2], ["US", 30, 3, 40, 4]]
    joined = " ".join(sales.notes)
    assert "Quarterly report" in joined and "two rows" in joined and "Total 40 4 60 6" in joined
    assert notes_sheet.frame is None  # an empty sheet


def test_a_plain_sheet_reads_as_it_is(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["name", "score", "name"])
    ws.append(["Ann", 3, "x"])
    ws.append(["Bob", 4, "y"])
    path = tmp_path / "plain.xlsx"
    wb.save(path)
    (sheet,) = read_workbook(path)
    assert list(sheet.frame.columns) == ["name", "score", "name_1"]
    assert sheet.frame.values.tolist() == [["Ann", 3, "x"], ["Bob", 4, "y"]]
    assert any("repeat" in n for n in sheet.notes)


@pytest.mark.parametrize("ndjson", [False, True])
def test_nested_json_records_become_columns(tmp_path: Path, ndjson: bool) -> None:
    records = [
        {"id": 1, "user": {"name": "Ann", "address": {"city": "Oslo"}}, "tags": ["a", "b"]},
        {"id": 2, "user": {"name": "Bob", "address": {"city": "Rome"}}, "tags": []},
    ]
    path = tmp_path / ("orders.jsonl" if ndjson else "orders.json")
    path.write_text("\n".join(json.dumps(r) for r in records) if ndjson else json.dumps(records), encoding="utf-8")
    con = duckdb.connect()
    plan = plan_json(con, f"read_json_auto(['{path}'])")
    result = con.execute(plan.select_sql)
    assert [d[0] for d in result.description] == ["id", "user_name", "user_address_city", "tags"]
    assert result.fetchall() == [(1, "Ann", "Oslo", ["a", "b"]), (2, "Bob", "Rome", [])]
    assert any("flattened" in n for n in plan.notes) and any("lists" in n for n in plan.notes)
