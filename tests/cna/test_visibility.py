"""Who sees a CVE ID before publication, and who sees the pool: every role."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Personas, build_report
from vulndesk.accounts.models import User
from vulndesk.cna import services as cna
from vulndesk.cna.permissions import can_see_cve_id, cve_public_id
from vulndesk.core.errors import NotFound
from vulndesk.reports import services as rs
from vulndesk.reports.models import Report, State
from vulndesk.reports.selectors import report_detail, report_list, report_summary

ROLES = [
    "anonymous",
    "reporter",
    "other_reporter",
    "collaborator",
    "uninvited",
    "member",
    "admin",
    "other_admin",
]


def _who(p: Personas, role: str, uninvited: User) -> User | None:
    return {
        "anonymous": None,
        "reporter": p.reporter,
        "other_reporter": p.other_reporter,
        "collaborator": p.collaborator,
        "uninvited": uninvited,
        "member": p.member2,  # a member who is not the coordinator
        "admin": p.admin,
        "other_admin": p.other_admin,
    }[role]


@pytest.fixture
def case(personas: Personas, django_user_model: Any) -> tuple[Personas, Report, User]:
    p = personas
    cna.cve_pool_load(p.team, actor=p.admin, cve_ids=["CVE-2026-1001"])
    report = build_report(p, State.ACCEPTED)
    rs.collaborator_invite(report, actor=p.member, user=p.collaborator)
    uninvited = django_user_model.objects.create_user(
        username="uma", email="uma@example.test", password="pw-uma-long-enough"
    )
    report.refresh_from_db()
    assert report.cve_id == "CVE-2026-1001"
    return p, report, uninvited


BEFORE_TOLD = {"member", "admin", "collaborator"}


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_the_id_of_an_accepted_report(case: Any, role: str) -> None:
    p, report, uninvited = case
    user = _who(p, role, uninvited)
    assert can_see_cve_id(user, report) is (role in BEFORE_TOLD)
    assert cve_public_id(report) == ""


@pytest.mark.parametrize("role", ROLES)
def test_the_reporter_sees_the_id_once_told(case: Any, role: str) -> None:
    p, report, uninvited = case
    rs.report_set_severity(report, actor=p.member, severity="Low")
    rs.report_tell_reporter(report, actor=p.member)
    report.refresh_from_db()
    assert can_see_cve_id(_who(p, role, uninvited), report) is (role in BEFORE_TOLD | {"reporter"})


def test_report_views_hide_the_id_from_the_reporter_until_told(case: Any) -> None:
    p, report, _ = case
    assert report_detail(report, user=p.reporter)["cve_id"] is None
    assert report_detail(report, user=p.member2)["cve_id"] == "CVE-2026-1001"
    (row,) = [report_summary(r, viewer=p.reporter) for r in report_list(user=p.reporter)]
    assert row["cve_id"] is None
    assert "CVE-2026-1001" not in str(report_detail(report, user=p.reporter))
    rs.report_set_severity(report, actor=p.member, severity="Low")
    rs.report_tell_reporter(report, actor=p.member)
    report.refresh_from_db()
    assert report_detail(report, user=p.reporter)["cve_id"] == "CVE-2026-1001"


def test_everyone_sees_the_id_once_published(personas: Personas) -> None:
    report = build_report(personas, State.PUBLISHED)
    assert cve_public_id(report) == report.cve_id
    assert can_see_cve_id(None, report)
    assert can_see_cve_id(personas.other_admin, report)


@pytest.mark.parametrize("role", ROLES)
def test_only_the_team_sees_the_pool(case: Any, role: str) -> None:
    p, _report, uninvited = case
    user = _who(p, role, uninvited)
    if role in {"member", "admin"}:
        assert user is not None
        rows = cna.cve_pool_list(p.team, actor=user)
        assert [r.cve_id for r in rows] == ["CVE-2026-1001"]
    else:
        with pytest.raises(NotFound):
            cna.cve_pool_list(p.team, actor=user)  # type: ignore[arg-type]
