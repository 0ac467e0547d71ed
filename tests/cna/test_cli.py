"""`vulndesk cve …` against the fake CVE Services."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.cna.fake_cve_services import FakeCveServices
from tests.conftest import Personas, build_report
from vulndesk.cli import build_parser, main
from vulndesk.reports.models import State


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    code = main([*argv, "--json"])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def test_cve_commands_walk_the_pool(
    personas: Personas, fake_cve: FakeCveServices, capsys: Any, tmp_path: Any
) -> None:
    code, out, _ = run(
        capsys,
        "cve",
        "reserve",
        "--team",
        "psrt",
        "--amount",
        "2",
        "--batch",
        "sequential",
        "--year",
        "2026",
        "--as",
        "bob",
    )
    assert (code, out) == (0, {"reserved": ["CVE-2026-1000", "CVE-2026-1001"]})
    ids = tmp_path / "ids.txt"
    ids.write_text("CVE-2026-5000, CVE-2026-5001\nnot-an-id\n")
    code, out, _ = run(capsys, "cve", "load", "--team", "psrt", "--file", str(ids), "--as", "alice")
    assert out["added"] == ["CVE-2026-5000", "CVE-2026-5001"]
    assert list(out["skipped"]) == ["not-an-id"]
    code, out, _ = run(capsys, "cve", "quota", "--team", "psrt", "--as", "bob")
    assert out["quota"]["available"] == 48
    assert out["pool"]["available"] == 4
    code, out, _ = run(
        capsys,
        "cve",
        "policy",
        "--team",
        "psrt",
        "--auto-assign",
        "no",
        "--on-withdraw",
        "reject",
        "--as",
        "alice",
    )
    assert (out["auto_assign"], out["on_withdraw"]) == (False, "reject")
    report = build_report(personas, State.ACCEPTED)
    code, out, _ = run(capsys, "cve", "assign", report.key, "--as", "bob")
    assert (code, out["cve_id"]) == (0, "CVE-2026-1000")
    code, out, _ = run(
        capsys, "cve", "list", "--team", "psrt", "--state", "assigned", "--as", "bob"
    )
    assert [(r["cve_id"], r["report"]) for r in out["ids"]] == [("CVE-2026-1000", report.key)]
    code, out, _ = run(capsys, "cve", "release", report.key, "--as", "bob")
    assert out == {"key": report.key, "released": "CVE-2026-1000"}


def test_cve_commands_refuse_clearly(
    personas: Personas, fake_cve: FakeCveServices, capsys: Any
) -> None:
    code, out, err = run(capsys, "cve", "list", "--team", "psrt", "--as", "rita")
    assert code == 1
    assert out["error"]["code"] == "not_found"
    code, out, err = run(capsys, "cve", "load", "--team", "psrt", "CVE-2026-1", "--as", "bob")
    assert (code, out["error"]["code"]) == (1, "permission_denied")
    fake_cve.quota = 0
    code, out, err = run(capsys, "cve", "reserve", "--team", "psrt", "--as", "bob")
    assert code == 1
    assert "may reserve 0 more ID(s)" in err


def test_cve_help_lists_every_action() -> None:
    parser = build_parser()
    cve = parser._subparsers._group_actions[0].choices["cve"]  # type: ignore[union-attr]
    actions = cve._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert {
        "reserve",
        "load",
        "list",
        "quota",
        "policy",
        "assign",
        "release",
        "publish",
        "reject",
        "follow",
        "requests",
        "retry",
        "run",
    } <= set(actions)
