"""`vulndesk publication …` end to end through the CLI entry point."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import Personas, build_report
from vulndesk.cli import main
from vulndesk.reports.models import State


def _run(capsys: Any, *argv: str) -> tuple[int, Any]:
    code = main([*argv, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else None


def test_status_run_revise_and_settings(personas: Personas, capsys: Any) -> None:
    report = build_report(personas, State.PUBLISHED)
    code, data = _run(capsys, "publication", "status", report.key, "--as", "bob")
    assert code == 0
    assert data["steps"][0] == {
        "name": "public-page",
        "order": 10,
        "status": "pending",
        "attempts": 0,
        "revision": 1,
        "error": "",
        "result": {},
    }
    code, data = _run(capsys, "publication", "run", report.key, "--as", "bob")
    page = next(s for s in data["steps"] if s["name"] == "public-page")
    assert page["status"] == "done"
    code, data = _run(
        capsys, "publication", "revise", report.key, "--as", "bob", "--note", "Fixed range."
    )
    assert code == 0
    page = next(s for s in data["steps"] if s["name"] == "public-page")
    assert (page["status"], page["revision"]) == ("done", 2)
    code, data = _run(capsys, "publication", "status", report.key, "--as", "rita")
    assert code == 1  # the reporter does not see the team's publication machinery
    assert data["error"]["code"] == "permission_denied"
    code, data = _run(
        capsys,
        "publication",
        "settings",
        "psrt",
        "--as",
        "alice",
        "--contact",
        "mailto:security@example.test",
        "--policy",
        "https://example.test/policy",
        "--default-site",
    )
    assert code == 0
    assert data["contact"] == ["mailto:security@example.test"]
    code, data = _run(capsys, "publication", "settings", "psrt", "--as", "bob", "--policy", "x")
    assert code == 1


def test_embargo_via_cli_shows_the_time_zone(personas: Personas, capsys: Any) -> None:
    report = build_report(personas, State.FIXING)
    code, data = _run(
        capsys,
        "publication",
        "embargo",
        report.key,
        "--as",
        "bob",
        "--until",
        "2031-01-15 15:00",
        "--tz",
        "America/New_York",
    )
    assert code == 0
    assert data["embargo"] == "2031-01-15 15:00 EST (America/New_York)"
    code, data = _run(
        capsys, "publication", "embargo", report.key, "--as", "bob", "--until", "soon"
    )
    assert code == 1
    assert "not a date" in data["error"]["message"]
