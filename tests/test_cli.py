"""The `vulndesk` command: the whole PSRT process from new to published using only the
CLI, --json output, refusals exit 1 with the reason, bad usage exits 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.conftest import Personas
from vulndesk.cli import main
from vulndesk.reports.models import Report

PR = "https://github.com/python/cpython/pull/777"


class Cli:
    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys

    def run(self, *argv: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse's usage errors
            code = int(exc.code or 0)
        out, err = self.capsys.readouterr()
        return code, out, err

    def json(self, *argv: str) -> Any:
        code, out, err = self.run(*argv, "--json")
        assert code == 0, err
        return json.loads(out)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], personas: Personas) -> Cli:
    return Cli(capsys)


def test_walk_from_new_to_published_with_the_cli_only(cli: Cli) -> None:
    created = cli.json(
        "report", "create", "--team", "psrt", "--reporter", "rita@example.test",
        "--title", "Path traversal in zipfile.Path", "--body", "PoC attached.",
        "--project", "cpython", "--as", "rita",
    )  # fmt: skip
    key = created["key"]
    assert created["state"] == "new"

    def step(*argv: str, who: str = "bob") -> Any:
        return cli.json("report", argv[0], key, *argv[1:], "--as", who)

    assert step("triage", "--outcome", "plausible", who="alice")["state"] == "triage"
    assert step("assign", "--to", "bob", who="alice")["coordinator"] == "bob"
    accepted = step("accept", "--cve", "CVE-2026-4242")
    assert (accepted["state"], accepted["cve_id"]) == ("accepted", "CVE-2026-4242")
    assert step("set-severity", "Medium")["severity"] == "Medium"
    fixing = step("set-fix", "--approach", "public", "--provider", "reporter")
    assert (fixing["state"], fixing["fix_approach"]) == ("fixing", "public")
    step("tell-reporter")
    assert step("set-credit", "--name", "Rita R.", who="rita")["credit"]["name"] == "Rita R."
    step(
        "set-advisory", "--title", "Path traversal in zipfile.Path",
        "--description", "Crafted names escape the target directory.",
        "--affected-versions", "Python 3.12 and earlier", "--components", "zipfile.Path",
        "--mitigations", "Do not extract untrusted archives.",
    )  # fmt: skip
    step("add-pr", PR, "--branch", "main", "--label", "security", "--label", "release-blocker")
    assert step("merge-pr", PR, "--commit", "abc123")["state"] == "fixed"
    assert step("publish")["state"] == "published"

    shown = cli.json("report", "show", key, "--as", "alice")
    for field in ("key", "state", "team", "coordinator", "cve_id", "severity", "fix_approach"):
        assert field in shown
    assert (shown["team"], shown["coordinator"], shown["severity"]) == ("psrt", "bob", "Medium")
    assert shown["advisory"] == {
        "title": "Path traversal in zipfile.Path",
        "description": "Crafted names escape the target directory.",
        "affected_versions": "Python 3.12 and earlier",
        "affected_components": "zipfile.Path",
        "whole_project": False,
        "mitigations": "Do not extract untrusted archives.",
    }
    assert shown["fix_prs"][0]["merged"] is True
    moves = [e["after"]["state"] for e in shown["timeline"] if e["action"] == "report:state:change"]
    assert moves == ["triage", "accepted", "fixing", "fixed", "published"]
    assert all(e["at"] and e["actor"] for e in shown["timeline"])

    listed = cli.json("report", "list", "--as", "alice")
    assert [(r["key"], r["state"], r["cve_id"]) for r in listed] == [
        (key, "published", "CVE-2026-4242")
    ]
    assert listed[0]["team"] == "psrt"
    assert listed[0]["severity"] == "Medium"
    assert listed[0]["fix_approach"] == "public"


def _new_key(cli: Cli) -> str:
    return cli.json(
        "report", "create", "--team", "psrt", "--reporter", "rita@example.test",
        "--title", "A bug", "--as", "alice",
    )["key"]  # fmt: skip


def test_a_refused_action_exits_1_with_the_reason(cli: Cli) -> None:
    key = _new_key(cli)
    code, out, err = cli.run("report", "publish", key, "--as", "alice")
    assert code == 1
    assert out == ""
    assert err.startswith(f"vulndesk: {key} is new and cannot become published (asked to publish)")
    code, out, err = cli.run("report", "publish", key, "--as", "alice", "--json")
    assert code == 1
    assert json.loads(out)["error"]["code"] == "transition_refused"
    assert "cannot become published" in json.loads(out)["error"]["message"]


def test_unknown_people_and_invisible_reports_exit_1(cli: Cli) -> None:
    key = _new_key(cli)
    assert cli.run("report", "show", key, "--as", "nobody")[2] == (
        "vulndesk: There is no user 'nobody'.\n"
    )
    code, _out, err = cli.run("report", "show", key, "--as", "zed")
    assert (code, err) == (1, f"vulndesk: There is no report {key}.\n")
    code, _out, err = cli.run("report", "show", key)
    assert (code, err) == (1, "vulndesk: Say who acts: --as USER (or set VULNDESK_AS).\n")


@pytest.mark.parametrize(
    "argv",
    [
        ["report", "triage", "PSRT-2026-0001", "--outcome", "maybe", "--as", "alice"],
        ["report", "frobnicate"],
        ["report", "set-severity", "PSRT-2026-0001", "Severe", "--as", "bob"],
        ["report", "create", "--team", "psrt"],
    ],
)
def test_bad_usage_exits_2(cli: Cli, argv: list[str]) -> None:
    code, _out, err = cli.run(*argv)
    assert code == 2
    assert "usage: vulndesk" in err


def test_list_without_json_is_a_table(cli: Cli) -> None:
    key = _new_key(cli)
    code, out, _err = cli.run("report", "list", "--as", "alice")
    assert code == 0
    assert out.startswith(key)
    assert "new" in out


def test_team_commands(cli: Cli) -> None:
    teams = cli.json("team", "list")
    assert [t["slug"] for t in teams] == ["other", "psrt"]
    cli.json("user", "create", "dora", "--email", "dora@example.test", "--name", "Dora D")
    team = cli.json(
        "team", "create", "pypa", "--name", "PyPA", "--prefix", "PYPA", "--admin", "dora"
    )
    assert (team["key_prefix"], team["members"][0]["role"]) == ("PYPA", "admin")
    team = cli.json("team", "add-member", "pypa", "erin", "--as", "dora")
    assert {m["username"] for m in team["members"]} == {"dora", "erin"}
    code, _out, err = cli.run("team", "add-member", "pypa", "erin", "--as", "erin")
    assert code == 1
    assert "Only an admin of PyPA" in err


def test_help_lists_every_report_action(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["report", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    actions = (
        "create list show triage assign accept reject reopen withdraw comment set-severity "
        "set-fix set-advisory add-pr merge-pr publish"
    )
    missing = [action for action in actions.split(" ") if action not in out]
    assert missing == []


# ------------------------------------------------------------------ a real process


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_the_installed_command_in_a_real_process(personas: Personas) -> None:
    from vulndesk.reports import services as rs

    report = rs.report_create(team=personas.team, reporter_email="r@example.test", title="Bug")
    command = Path(sys.executable).with_name("vulndesk")
    env = {**os.environ, "DATABASE_URL": _database_url()}

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(command), *argv], check=False, capture_output=True, text=True, env=env, timeout=120
        )

    done = run("report", "triage", report.key, "--outcome", "plausible", "--as", "alice", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["state"] == "triage"
    report.refresh_from_db()
    assert report.state == "triage"

    refused = run("report", "publish", report.key, "--as", "alice")
    assert refused.returncode == 1
    assert "cannot become published" in refused.stderr
    assert Report.objects.get(pk=report.pk).state == "triage"
