"""Every guard of DESIGN.md refuses with a message that says why, and the hand-over rules."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import LABELS, Personas, build_report
from tests.reports.conftest import ready_report
from vulndesk.accounts.services import team_remove_member
from vulndesk.core.errors import (
    ApplicationError,
    PermissionDenied,
    TransitionRefused,
    ValidationFailed,
)
from vulndesk.reports import services as rs
from vulndesk.reports.models import FixPR, Report, State

PR = "https://github.com/python/cpython/pull/4242"


def _events(report: Report, action: str) -> list[Any]:
    return list(report.timeline.filter(action=action))


# ------------------------------------------------------------------ coordinator


def test_no_decision_before_a_coordinator_is_assigned(personas: Personas) -> None:
    report = build_report(personas, State.TRIAGE)
    with pytest.raises(TransitionRefused) as refused:
        rs.report_accept(report, actor=personas.admin)
    assert str(refused.value) == (
        f"Cannot accept {report.key}: {report.key} has no coordinator; "
        "assign a team member as coordinator first."
    )
    with pytest.raises(TransitionRefused, match="has no coordinator"):
        rs.report_reject(report, actor=personas.admin, reason="Not a bug.")
    # A member may not decide on an unassigned report at all.
    with pytest.raises(PermissionDenied, match="an admin must assign one before any decision"):
        rs.report_accept(report, actor=personas.member)


def test_only_team_members_can_coordinate(personas: Personas) -> None:
    report = build_report(personas, State.TRIAGE)
    for outsider in (personas.collaborator, personas.reporter, personas.other_admin):
        with pytest.raises(ValidationFailed, match="only team members can coordinate reports"):
            rs.report_assign(report, actor=personas.admin, coordinator=outsider)
    report.refresh_from_db()
    assert report.coordinator is None


def test_a_member_may_take_an_unassigned_report_but_not_give_it_away(
    personas: Personas,
) -> None:
    report = build_report(personas, State.TRIAGE)
    with pytest.raises(PermissionDenied, match="a member may take an unassigned report"):
        rs.report_assign(report, actor=personas.member, coordinator=personas.member2)
    rs.report_assign(report, actor=personas.member, coordinator=personas.member)
    report.refresh_from_db()
    assert report.coordinator == personas.member
    (event,) = _events(report, "report:coordinator:assign")
    assert (event.before, event.after) == ({"coordinator": None}, {"coordinator": "bob"})


def test_hand_over_records_from_whom_to_whom_and_why(personas: Personas) -> None:
    report = ready_report(personas, State.TRIAGE)  # coordinated by bob
    with pytest.raises(ValidationFailed, match=r"Say why .* is handed over from Bob to Carol"):
        rs.report_assign(report, actor=personas.member, coordinator=personas.member2)
    with pytest.raises(PermissionDenied, match="Only a team admin or the current coordinator"):
        rs.report_assign(
            report, actor=personas.member2, coordinator=personas.member2, reason="Mine now."
        )
    with pytest.raises(ValidationFailed, match="already coordinates"):
        rs.report_assign(report, actor=personas.admin, coordinator=personas.member, reason="x")
    rs.report_assign(
        report, actor=personas.member, coordinator=personas.member2, reason="On vacation."
    )
    report.refresh_from_db()
    assert report.coordinator == personas.member2
    (event,) = _events(report, "report:coordinator:handover")
    assert event.actor == personas.member
    assert event.before == {"coordinator": "bob"}
    assert event.after == {"coordinator": "carol"}
    assert event.note == "On vacation."
    # The new coordinator decides now; the old one no longer may.
    with pytest.raises(PermissionDenied, match="Only the coordinator"):
        rs.report_reject(report, actor=personas.member, reason="Not a bug.")
    rs.report_reject(report, actor=personas.member2, reason="Not a bug.")


def test_a_closed_report_has_no_coordinator_to_change(personas: Personas) -> None:
    report = build_report(personas, State.PUBLISHED)
    with pytest.raises(TransitionRefused, match="a closed report has no coordinator to change"):
        rs.report_assign(report, actor=personas.admin, coordinator=personas.member2, reason="x")


@pytest.mark.parametrize(
    ("state", "move"),
    [
        (State.TRIAGE, lambda p, r: rs.report_accept(r, actor=p.admin)),
        (State.TRIAGE, lambda p, r: rs.report_reject(r, actor=p.admin, reason="No.")),
        (State.REJECTED, lambda p, r: rs.report_reopen(r, actor=p.admin, reason="New PoC.")),
        (State.FIXED, lambda p, r: rs.report_publish(r, actor=p.admin)),
    ],
)
def test_a_coordinator_who_left_the_team_blocks_every_move(
    personas: Personas, state: str, move: Any
) -> None:
    report = ready_report(personas, state)
    team_remove_member(personas.team, user=personas.member, actor=personas.admin)
    with pytest.raises(TransitionRefused) as refused:
        move(personas, report)
    assert "The coordinator Bob is no longer a member of PSRT" in str(refused.value)
    assert "hand the report over to a current member first" in str(refused.value)
    # Only an admin can hand it over now (the old coordinator is not on the team).
    rs.report_assign(
        report, actor=personas.admin, coordinator=personas.member2, reason="Bob left the PSRT."
    )
    move(personas, report)
    report.refresh_from_db()
    assert report.state != state


# ------------------------------------------------------------------ decision and fixing


def test_accepted_moves_to_fixing_only_with_cve_severity_and_fix_approach(
    personas: Personas,
) -> None:
    report = build_report(personas, State.ACCEPTED)
    rs.report_set_cve(report, actor=personas.member, cve_id="cve-2026-1234")
    report.refresh_from_db()
    assert (report.state, report.cve_id) == (State.ACCEPTED, "CVE-2026-1234")
    rs.report_set_severity(report, actor=personas.member, severity="Medium")
    report.refresh_from_db()
    assert report.state == State.ACCEPTED
    rs.report_set_fix(report, actor=personas.member, approach="public", provider="reporter")
    report.refresh_from_db()
    assert report.state == State.FIXING
    assert report.fix_started_at is not None


def test_telling_the_reporter_needs_cve_and_severity(personas: Personas) -> None:
    report = build_report(personas, State.ACCEPTED)
    with pytest.raises(TransitionRefused, match="still needs a CVE ID and a severity"):
        rs.report_tell_reporter(report, actor=personas.member)
    rs.report_set_cve(report, actor=personas.member, cve_id="CVE-2026-1235")
    rs.report_set_severity(report, actor=personas.member, severity="Low")
    comment = rs.report_tell_reporter(report, actor=personas.member)
    assert "CVE-2026-1235" in comment.body
    assert "Low" in comment.body
    assert "credited" in comment.body
    report.refresh_from_db()
    assert report.reporter_told_at is not None
    assert report.credit_asked_at is not None


@pytest.mark.parametrize("bad", ["CVE-26-1", "CVE-2026-12", "2026-1234", "CVE-2026-12a4", ""])
def test_a_malformed_cve_id_is_refused_with_the_format(personas: Personas, bad: str) -> None:
    report = build_report(personas, State.ACCEPTED)
    with pytest.raises(ValidationFailed, match="the format is CVE-YYYY-NNNN"):
        rs.report_set_cve(report, actor=personas.member, cve_id=bad)


def test_a_cve_id_belongs_to_one_report(personas: Personas) -> None:
    first = build_report(personas, State.ACCEPTED)
    second = build_report(personas, State.ACCEPTED)
    rs.report_set_cve(first, actor=personas.member, cve_id="CVE-2026-7777")
    with pytest.raises(ValidationFailed, match="CVE-2026-7777 is already assigned"):
        rs.report_set_cve(second, actor=personas.member, cve_id="CVE-2026-7777")


def test_severity_is_one_of_the_policy_levels_or_from_a_cvss_vector(personas: Personas) -> None:
    report = build_report(personas, State.ACCEPTED)
    with pytest.raises(ValidationFailed, match="Severity must be one of Low, Medium, High"):
        rs.report_set_severity(report, actor=personas.member, severity="Severe")
    vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
    rs.report_set_severity(report, actor=personas.member, cvss_vector=vector)
    report.refresh_from_db()
    assert (report.severity, report.cvss_vector) == ("Critical", vector)
    with pytest.raises(ValidationFailed, match="suggests Critical; say why the severity is Low"):
        rs.report_set_severity(report, actor=personas.member, severity="Low", cvss_vector=vector)
    rs.report_set_severity(
        report, actor=personas.member, severity="Low", cvss_vector=vector, reason="Local only."
    )
    with pytest.raises(ValidationFailed, match=re.escape("Bad CVSS vector 'CVSS:3.1/AV:Q")):
        rs.report_set_severity(report, actor=personas.member, cvss_vector="CVSS:3.1/AV:Q")


def test_high_severity_cannot_be_fixed_in_public(personas: Personas) -> None:
    report = build_report(personas, State.ACCEPTED)
    rs.report_set_severity(report, actor=personas.member, severity="High")
    with pytest.raises(ValidationFailed, match="High severity requires a private fix"):
        rs.report_set_fix(report, actor=personas.member, approach="public")
    report.refresh_from_db()
    assert report.fix_approach == ""


def test_raising_severity_on_a_public_fix_in_progress_is_refused(personas: Personas) -> None:
    report = build_report(personas, State.FIXING, severity="Low")
    with pytest.raises(TransitionRefused, match="change the fix approach to private first"):
        rs.report_set_severity(report, actor=personas.member, severity="Critical")


def test_a_public_pr_for_high_severity_waits_for_the_private_fix_approval(
    personas: Personas,
) -> None:
    report = build_report(personas, State.FIXING, severity="High")
    assert report.fix_approach == "private"
    with pytest.raises(TransitionRefused) as refused:
        rs.report_add_pr(report, actor=personas.member, url=PR, labels=LABELS)
    assert str(refused.value) == (
        "High severity requires a private fix; approve the private fix before linking a public PR."
    )
    assert not report.fix_prs.exists()
    rs.report_approve_private_fix(report, actor=personas.member, note="Tested on 3.12.")
    rs.report_add_pr(report, actor=personas.member, url=PR, labels=LABELS)
    assert report.fix_prs.count() == 1


def test_approving_needs_a_private_fix(personas: Personas) -> None:
    report = build_report(personas, State.FIXING, severity="Low")
    with pytest.raises(TransitionRefused, match="is not fixed in private"):
        rs.report_approve_private_fix(report, actor=personas.member)


def test_a_fix_pr_must_carry_the_policy_labels(personas: Personas) -> None:
    report = build_report(personas, State.FIXING)
    with pytest.raises(ValidationFailed) as refused:
        rs.report_add_pr(report, actor=personas.member, url=PR, labels=["security"])
    assert "lacks the label(s) release-blocker" in str(refused.value)
    with pytest.raises(ValidationFailed, match="is not a URL"):
        rs.report_add_pr(report, actor=personas.member, url="pull/1", labels=LABELS)
    rs.report_add_pr(report, actor=personas.member, url=PR, branch="3.12", labels=LABELS)
    with pytest.raises(ValidationFailed, match="already linked"):
        rs.report_add_pr(report, actor=personas.member, url=PR, labels=LABELS)


def test_fixed_when_every_pr_is_merged_and_a_backport_reopens_the_fix(
    personas: Personas,
) -> None:
    report = build_report(personas, State.FIXING)
    rs.report_add_pr(report, actor=personas.member, url=PR, branch="main", labels=LABELS)
    rs.report_add_pr(report, actor=personas.member, url=PR + "1", branch="3.12", labels=LABELS)
    rs.report_merge_pr(report, actor=personas.member, url=PR)
    report.refresh_from_db()
    assert report.state == State.FIXING  # the backport is still open
    rs.report_merge_pr(report, actor=personas.member, url=PR + "1")
    report.refresh_from_db()
    assert report.state == State.FIXED
    rs.report_add_pr(report, actor=personas.member, url=PR + "2", branch="3.11", labels=LABELS)
    report.refresh_from_db()
    assert report.state == State.FIXING
    assert sorted(report.fix_prs.values_list("branch", flat=True)) == ["3.11", "3.12", "main"]


def test_a_held_fix_completes_when_the_coordinator_is_replaced(personas: Personas) -> None:
    report = build_report(personas, State.FIXING)
    rs.report_add_pr(report, actor=personas.member, url=PR, labels=LABELS)
    team_remove_member(personas.team, user=personas.member, actor=personas.admin)
    rs.report_merge_pr(report, actor=personas.admin, url=PR, commit="f00")
    report.refresh_from_db()
    assert report.state == State.FIXING
    (held,) = _events(report, "report:state:held")
    assert "no longer a member" in held.note
    rs.report_assign(report, actor=personas.admin, coordinator=personas.member2, reason="Left.")
    report.refresh_from_db()
    assert report.state == State.FIXED


def test_a_held_fix_completes_when_the_private_fix_is_approved(personas: Personas) -> None:
    report = build_report(personas, State.ACCEPTED)
    rs.report_set_cve(report, actor=personas.member, cve_id="CVE-2026-5151")
    rs.report_set_severity(report, actor=personas.member, severity="Low")
    rs.report_set_fix(report, actor=personas.member, approach="private")
    rs.report_add_pr(report, actor=personas.member, url=PR, labels=LABELS)
    rs.report_set_severity(report, actor=personas.member, severity="High")  # re-assessed
    rs.report_merge_pr(report, actor=personas.member, url=PR)
    report.refresh_from_db()
    assert report.state == State.FIXING
    (held,) = _events(report, "report:state:held")
    assert "High severity requires the private fix to be approved first" in held.note
    rs.report_approve_private_fix(report, actor=personas.member)
    report.refresh_from_db()
    assert report.state == State.FIXED


# ------------------------------------------------------------------ publishing


PUBLISH_GAPS: dict[str, tuple[dict[str, Any], str]] = {
    "cve": ({"cve_id": ""}, "it has no CVE ID"),
    "severity": ({"severity": ""}, "it has no severity"),
    "title": ({"advisory_title": " "}, "the advisory lacks the advisory title"),
    "description": ({"advisory_description": ""}, "the advisory description"),
    "versions": ({"affected_versions": ""}, "the affected versions"),
    "components": (
        {"affected_components": ""},
        "the affected components (or mark it as affecting the whole project)",
    ),
    "told": ({"reporter_told_at": None}, "the reporter has not been told"),
    "credit": ({"credit_wanted": None}, "has not answered whether they want to be credited"),
    "credit-name": ({"credit_name": ""}, "wants credit but no credit name is recorded"),
}


@pytest.mark.parametrize("gap", list(PUBLISH_GAPS))
def test_publishing_refuses_each_missing_piece_by_name(personas: Personas, gap: str) -> None:
    report = ready_report(personas, State.FIXED)
    change, expected = PUBLISH_GAPS[gap]
    Report.objects.filter(pk=report.pk).update(**change)
    with pytest.raises(TransitionRefused) as refused:
        rs.report_publish(report, actor=personas.member)
    message = str(refused.value)
    assert message.startswith(f"Cannot publish {report.key}: ")
    assert expected in message
    report.refresh_from_db()
    assert report.state == State.FIXED
    assert report.published_at is None


def test_publishing_needs_every_fix_pr_merged(personas: Personas) -> None:
    report = ready_report(personas, State.FIXED)
    FixPR.objects.create(report=report, url=PR + "9", labels=LABELS)
    with pytest.raises(TransitionRefused, match=f"these fix PRs are not merged yet: {PR}9"):
        rs.report_publish(report, actor=personas.member)


def test_publishing_lists_every_problem_at_once(personas: Personas) -> None:
    report = ready_report(personas, State.FIXED)
    Report.objects.filter(pk=report.pk).update(advisory_title="", affected_versions="")
    with pytest.raises(TransitionRefused) as refused:
        rs.report_publish(report, actor=personas.member)
    assert "the advisory lacks the advisory title, the affected versions." in str(refused.value)


def test_components_may_be_omitted_when_the_whole_project_is_affected(
    personas: Personas,
) -> None:
    report = ready_report(personas, State.FIXED)
    rs.report_set_advisory(report, actor=personas.member, affected_components="")
    with pytest.raises(TransitionRefused, match="affected components"):
        rs.report_publish(report, actor=personas.member)
    rs.report_set_advisory(report, actor=personas.member, whole_project=True)
    rs.report_publish(report, actor=personas.member)
    report.refresh_from_db()
    assert report.state == State.PUBLISHED
    assert report.published_at is not None


def test_only_the_coordinator_or_an_admin_publishes(personas: Personas) -> None:
    report = ready_report(personas, State.FIXED)
    with pytest.raises(PermissionDenied, match="Only the coordinator"):
        rs.report_publish(report, actor=personas.member2)
    rs.report_publish(report, actor=personas.admin)


@pytest.mark.parametrize(
    "call",
    [
        lambda p, r: rs.report_reject(r, actor=p.member, reason="  "),
        lambda p, r: rs.report_withdraw(r, actor=p.member, reason=""),
    ],
)
def test_closing_needs_a_reason(personas: Personas, call: Any) -> None:
    report = ready_report(personas, State.TRIAGE)
    with pytest.raises(ValidationFailed, match="Say why"):
        call(personas, report)


def test_reopening_needs_the_new_evidence(personas: Personas) -> None:
    report = build_report(personas, State.REJECTED)
    with pytest.raises(ValidationFailed, match="new evidence"):
        rs.report_reopen(report, actor=personas.member, reason="")
    rs.report_reopen(report, actor=personas.member, reason="A working exploit.")
    report.refresh_from_db()
    assert (report.state, report.close_reason) == (State.TRIAGE, "")
    event = report.timeline.filter(action="report:state:change").last()
    assert event is not None
    assert event.note == "A working exploit."


def test_every_refusal_is_an_application_error_with_a_code(personas: Personas) -> None:
    report = build_report(personas, State.NEW)
    with pytest.raises(ApplicationError) as refused:
        rs.report_publish(report, actor=personas.admin)
    assert refused.value.code == "transition_refused"
