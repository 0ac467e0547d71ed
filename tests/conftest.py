"""Personas and report builders shared by every test.

Personas (one team, PSRT, plus an outsider team):
admin (alice), member (bob), member2 (carol), collaborator (erin, invited per report),
reporter (rita, owns the reports built here), other_reporter (oscar),
other_admin (zed, admin of another team).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from vulndesk.accounts.models import Membership, Project, Team, User
from vulndesk.accounts.services import project_create, team_add_member, team_create, user_create
from vulndesk.reports import services as rs
from vulndesk.reports.models import Report, State

LABELS = ["security", "release-blocker"]


def pytest_configure(config: pytest.Config) -> None:
    # The SMTP servers the tests start (aiosmtpd) log every connection at INFO from
    # their own thread, after the test that used them has ended: noise, not news.
    logging.getLogger("mail.log").setLevel(logging.WARNING)


@dataclass
class Personas:
    team: Team
    project: Project
    admin: User
    member: User
    member2: User
    collaborator: User
    reporter: User
    other_reporter: User
    other_team: Team
    other_admin: User


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: Any) -> None:
    """Hash passwords cheaply in tests: the real hasher costs ~0.3 s per user."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _user(username: str) -> User:
    return user_create(
        username=username,
        email=f"{username}@example.test",
        password=f"pw-{username}-long-enough",
        name=username.capitalize(),
    )


@pytest.fixture
def personas(db: Any) -> Personas:
    return build_personas()


def build_personas() -> Personas:
    """The personas, outside a fixture (the access matrix builds them once per module)."""
    admin = _user("alice")
    team = team_create(
        slug="psrt",
        name="PSRT",
        admin=admin,
        security_address="security@example.test",
        announce_address="announce@example.test",
        private_reporting_url="https://example.test/report",
    )
    member, member2 = _user("bob"), _user("carol")
    team_add_member(team, user=member, role=Membership.Role.MEMBER, actor=admin)
    team_add_member(team, user=member2, role=Membership.Role.MEMBER, actor=admin)
    project = project_create(
        team,
        slug="cpython",
        name="CPython",
        repository_url="https://github.com/python/cpython",
        actor=admin,
    )
    other_admin = _user("zed")
    other_team = team_create(slug="other", name="Other", key_prefix="OTH", admin=other_admin)
    return Personas(
        team=team,
        project=project,
        admin=admin,
        member=member,
        member2=member2,
        collaborator=_user("erin"),
        reporter=_user("rita"),
        other_reporter=_user("oscar"),
        other_team=other_team,
        other_admin=other_admin,
    )


# The shortest service path into each state, for the report the personas share.
PATH_TO: dict[str, list[str]] = {
    State.NEW: [],
    State.TRIAGE: ["triage"],
    State.SPAM: ["spam"],
    State.MISDIRECTED: ["misdirected"],
    State.REJECTED: ["triage", "assign", "reject"],
    State.WITHDRAWN: ["withdraw_new"],
    State.ACCEPTED: ["triage", "assign", "accept"],
    State.FIXING: ["triage", "assign", "accept", "cve", "severity", "fix"],
    State.FIXED: ["triage", "assign", "accept", "cve", "severity", "fix", "pr", "merge"],
    State.PUBLISHED: [
        "triage",
        "assign",
        "accept",
        "cve",
        "severity",
        "fix",
        "tell",
        "credit",
        "advisory",
        "pr",
        "merge",
        "publish",
    ],
}

_counter = {"cve": 20000}


def _next_cve() -> str:
    _counter["cve"] += 1
    return f"CVE-2026-{_counter['cve']}"


def build_report(p: Personas, state: str, *, severity: str = "Medium", **extra: Any) -> Report:
    """A report of ``p.reporter`` walked by the services into ``state`` (coordinator: member)."""
    report = rs.report_create(
        team=p.team,
        reporter_email=p.reporter.email,
        title=extra.pop("title", f"A report that is {state}"),
        body=extra.pop("body", "Steps to reproduce."),
        project=p.project,
        actor=p.reporter,
    )
    url = f"https://github.com/python/cpython/pull/{report.number}"
    steps: dict[str, Callable[[], Any]] = {
        "triage": lambda: rs.report_triage(report, actor=p.admin, outcome="plausible"),
        "spam": lambda: rs.report_triage(report, actor=p.admin, outcome="spam"),
        "misdirected": lambda: rs.report_triage(report, actor=p.admin, outcome="misdirected"),
        "withdraw_new": lambda: rs.report_withdraw(report, actor=p.admin, reason="Retracted."),
        "assign": lambda: rs.report_assign(report, actor=p.admin, coordinator=p.member),
        "reject": lambda: rs.report_reject(report, actor=p.member, reason="Works as documented."),
        "accept": lambda: rs.report_accept(report, actor=p.member),
        "cve": lambda: rs.report_set_cve(report, actor=p.member, cve_id=_next_cve()),
        "severity": lambda: rs.report_set_severity(report, actor=p.member, severity=severity),
        "fix": lambda: rs.report_set_fix(
            report,
            actor=p.member,
            approach="private" if severity in ("High", "Critical") else "public",
        ),
        "approve": lambda: rs.report_approve_private_fix(report, actor=p.member),
        "tell": lambda: rs.report_tell_reporter(report, actor=p.member),
        "credit": lambda: rs.report_set_credit(report, actor=p.reporter, wanted=True, name="Rita"),
        "advisory": lambda: rs.report_set_advisory(
            report,
            actor=p.member,
            title="Path traversal in zipfile.Path",
            description="Crafted names escape the target directory.",
            affected_versions="Python 3.12 and earlier",
            affected_components="zipfile.Path",
        ),
        "pr": lambda: rs.report_add_pr(
            report, actor=p.member, url=url, branch="main", labels=LABELS
        ),
        "merge": lambda: rs.report_merge_pr(report, actor=p.member, url=url, commit="abc123"),
        "publish": lambda: rs.report_publish(report, actor=p.member),
    }
    path = list(PATH_TO[state])
    if severity in ("High", "Critical") and "pr" in path:
        path.insert(path.index("pr"), "approve")
    for step in path:
        steps[step]()
    report.refresh_from_db()
    assert report.state == state
    return report


@pytest.fixture
def make_report(personas: Personas) -> Callable[..., Report]:
    def make(state: str = State.NEW, **kwargs: Any) -> Report:
        return build_report(personas, state, **kwargs)

    return make


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """Tests marked ``postgres`` run only when the suite runs on PostgreSQL."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
