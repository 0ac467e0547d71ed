"""The triage, reminders and metrics commands."""

from __future__ import annotations

import json
from typing import Any

import pytest

from vulndesk.cli import main
from vulndesk.reports.models import State


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code = main(list(argv))
    out = capsys.readouterr().out
    try:
        return code, json.loads(out)
    except json.JSONDecodeError:
        return code, out


def test_triage_commands(personas: Any, new_report: Any, capsys: Any, tmp_path: Any) -> None:
    junk = new_report("RCE in json.loads_unsafe", "Dear Security Team, json.loads_unsafe")
    code, rows = run(capsys, "triage", "inbox", "psrt", "--as", "alice", "--json")
    assert code == 0
    assert rows[0]["key"] == junk.key
    code, advice = run(capsys, "triage", "assess", junk.key, "--as", "bob", "--json")
    assert "invented-names" in [s["code"] for s in advice["signals"]]
    code, _ = run(capsys, "triage", "assess", junk.key, "--as", "zed", "--json")
    assert code == 1
    code, result = run(capsys, "triage", "outcome", junk.key, "spam", "--as", "alice", "--json")
    assert (code, result["state"]) == (0, State.SPAM)
    code, flag = run(
        capsys, "triage", "flag", "psrt", "rita@example.test", "--reason", "junk", "--as", "alice"
    )
    assert flag["flagged"] is True
    code, policy = run(
        capsys, "triage", "policy", "psrt", "--acknowledge-days", "2", "--as", "alice", "--json"
    )
    assert policy["acknowledge_days"] == 2
    code, rota = run(capsys, "triage", "rota", "psrt", "set", "bob", "--as", "alice", "--json")
    assert [r["user"] for r in rota] == ["bob"]
    names = tmp_path / "names.txt"
    names.write_text("cpython.thing\n")
    code, loaded = run(
        capsys, "triage", "load-index", "psrt", "cpython", str(names), "--as", "alice", "--json"
    )
    assert loaded == {"project": "cpython", "names": 1}


def test_reminders_and_metrics_commands(personas: Any, new_report: Any, capsys: Any) -> None:
    new_report()
    code, summary = run(capsys, "reminders", "run", "--json")
    assert code == 0
    assert summary["reminders"] == 0
    code, metrics = run(capsys, "metrics", "psrt", "--as", "bob", "--json")
    assert metrics["total"] == 1
    code, text = run(capsys, "metrics", "psrt", "--as", "bob", "--csv")
    assert text.startswith("metric,group,value\n")
    code, _ = run(capsys, "metrics", "psrt", "--as", "zed")
    assert code == 1
