"""Who may see and do what, per DESIGN.md's role table, and that nothing crosses teams."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Personas, build_report
from tests.reports.conftest import ready_report
from vulndesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from vulndesk.reports import permissions as perms
from vulndesk.reports import services as rs
from vulndesk.reports.models import State
from vulndesk.reports.selectors import report_detail, report_get, report_list

ROLES = [
    "anonymous",
    "admin",
    "coordinator",
    "member",
    "invited",
    "uninvited",
    "reporter",
    "other_reporter",
    "other_admin",
]
SEES = {"admin", "coordinator", "member", "invited", "reporter"}
SEES_INTERNAL = {"admin", "coordinator", "member", "invited"}


def _who(p: Personas, role: str) -> Any:
    return {
        "anonymous": None,
        "admin": p.admin,
        "coordinator": p.member,
        "member": p.member2,
        "invited": p.collaborator,
        "uninvited": p.collaborator,
        "reporter": p.reporter,
        "other_reporter": p.other_reporter,
        "other_admin": p.other_admin,
    }[role]


@pytest.fixture
def case(personas: Personas) -> Any:
    """A fixing report coordinated by bob, erin invited, with an internal and a shared note;
    and a second report erin is *not* invited to."""
    report = build_report(personas, State.FIXING)
    rs.collaborator_invite(report, actor=personas.member, user=personas.collaborator)
    rs.comment_add(report, actor=personas.member, body="Internal: the fix is in _path.py.")
    rs.comment_add(report, actor=personas.member, body="Thanks, confirmed.", visibility="shared")
    other = build_report(personas, State.FIXING)
    return report, other


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_a_report(personas: Personas, case: Any, role: str) -> None:
    invited_to, not_invited_to = case
    report = not_invited_to if role == "uninvited" else invited_to
    user = _who(personas, role)
    assert perms.can_view_report(user, report) == (role in SEES)
    assert perms.can_view_internal(user, report) == (role in SEES_INTERNAL)
    visible = set(perms.visible_reports(user).values_list("key", flat=True))
    assert (report.key in visible) == (role in SEES)
    if role in SEES:
        detail = report_detail(report_get(report.key, user=user), user=user)
        bodies = " ".join(c["body"] for c in detail["comments"])
        assert ("Internal:" in bodies) == (role in SEES_INTERNAL)
        assert "Thanks, confirmed." in bodies
    else:
        with pytest.raises(NotFound, match=f"There is no report {report.key}"):
            report_get(report.key, user=user)


def test_an_invisible_report_and_a_missing_one_look_the_same(personas: Personas, case: Any) -> None:
    report, _ = case
    with pytest.raises(NotFound) as hidden:
        report_get(report.key, user=personas.other_admin)
    with pytest.raises(NotFound) as missing:
        report_get("PSRT-2026-9999", user=personas.other_admin)
    assert str(hidden.value).replace(report.key, "KEY") == str(missing.value).replace(
        "PSRT-2026-9999", "KEY"
    )


# role -> (accept a triaged report, link a PR, write the advisory, comment internally)
ACTS: dict[str, Any] = {
    "decide": lambda p, r, u: rs.report_reject(r, actor=u, reason="Not a bug."),
    "advisory": lambda p, r, u: rs.report_set_advisory(r, actor=u, title="T"),
    "comment": lambda p, r, u: rs.comment_add(r, actor=u, body="Hello."),
    "share": lambda p, r, u: rs.comment_add(r, actor=u, body="Hello.", visibility="shared"),
    "triage": lambda p, r, u: rs.report_triage(r, actor=u, outcome="spam"),
    "invite": lambda p, r, u: rs.collaborator_invite(r, actor=u, user=p.other_reporter),
}
STATE_FOR = {
    "decide": State.TRIAGE,
    "advisory": State.FIXING,
    "comment": State.TRIAGE,
    "share": State.TRIAGE,
    "triage": State.NEW,
    "invite": State.TRIAGE,
}
ALLOWED = {
    "decide": {"admin", "coordinator"},
    "advisory": {"admin", "coordinator", "member"},
    "comment": {"admin", "coordinator", "member", "invited"},
    "share": {"admin", "coordinator", "member", "reporter"},
    "triage": {"admin"},
    "invite": {"admin", "coordinator"},
}


@pytest.mark.parametrize("act", list(ACTS))
def test_who_may_act(personas: Personas, act: str) -> None:
    refusals = []
    for role in ROLES:
        if role == "uninvited":
            continue
        report = ready_report(personas, STATE_FOR[act])
        if role == "invited":
            rs.collaborator_invite(report, actor=personas.admin, user=personas.collaborator)
        user = _who(personas, role)
        try:
            ACTS[act](personas, report, user)
            outcome = "done"
        except NotFound:
            outcome = "not found"
        except (PermissionDenied, ValidationFailed) as exc:
            outcome = "refused" if str(exc) else "refused without a message"
        expected = "done" if role in ALLOWED[act] else ("refused" if role in SEES else "not found")
        if outcome != expected:
            refusals.append(f"{role}: {outcome}, expected {expected}")
    assert refusals == []


def test_a_reporter_answers_the_credit_question_but_another_reporter_cannot(
    personas: Personas,
) -> None:
    report = build_report(personas, State.FIXING)
    rs.report_set_credit(report, actor=personas.reporter, wanted=True, name="Rita R.")
    with pytest.raises(NotFound):
        rs.report_set_credit(report, actor=personas.other_reporter, wanted=False)
    rs.collaborator_invite(report, actor=personas.member, user=personas.collaborator)
    with pytest.raises(PermissionDenied, match="Only the reporter or the team"):
        rs.report_set_credit(report, actor=personas.collaborator, wanted=False)


def test_drafting_on_a_reporters_behalf_is_for_admins(personas: Personas) -> None:
    with pytest.raises(PermissionDenied, match="Only a team admin may draft"):
        rs.report_create(
            team=personas.team,
            reporter_email="sam@example.test",
            title="Drafted",
            source="drafted",
            actor=personas.member,
        )
    report = rs.report_create(
        team=personas.team,
        reporter_email="sam@example.test",
        title="Drafted",
        source="drafted",
        actor=personas.admin,
    )
    assert (report.source, report.reporter.email) == ("drafted", "sam@example.test")


# ------------------------------------------------------------------ teams


def test_nothing_crosses_teams(personas: Personas) -> None:
    ours = build_report(personas, State.FIXING)
    theirs = rs.report_create(
        team=personas.other_team, reporter_email="x@example.test", title="Theirs"
    )
    assert list(report_list(user=personas.admin)) == [ours]
    assert list(report_list(user=personas.other_admin)) == [theirs]
    assert list(report_list(user=personas.admin, team=personas.other_team)) == []
    for act in (
        lambda: rs.report_triage(theirs, actor=personas.admin, outcome="spam"),
        lambda: rs.comment_add(theirs, actor=personas.admin, body="Hi"),
        lambda: rs.report_withdraw(ours, actor=personas.other_admin, reason="x"),
        lambda: rs.report_assign(
            ours, actor=personas.other_admin, coordinator=personas.other_admin
        ),
    ):
        with pytest.raises(NotFound):
            act()
    with pytest.raises(ValidationFailed, match="only team members can coordinate"):
        rs.report_assign(ours, actor=personas.admin, coordinator=personas.other_admin, reason="x")
    with pytest.raises(ValidationFailed, match="is not a project of Other"):
        rs.report_create(
            team=personas.other_team,
            reporter_email="x@example.test",
            title="Wrong project",
            project=personas.project,
        )


def test_team_admin_rights_stay_in_the_team(personas: Personas) -> None:
    from vulndesk.accounts.services import team_add_member

    with pytest.raises(NotFound):
        team_add_member(personas.team, user=personas.other_admin, actor=personas.other_admin)
    with pytest.raises(PermissionDenied, match="Only an admin of PSRT"):
        team_add_member(personas.team, user=personas.collaborator, actor=personas.member)
