"""Every workflow action of the report page: it works, and its refusal is shown next to it.

Each action is a POST to /desk/reports/<key>/<action>/ with the form's fields prefixed
by the action's name; success redirects back to the page (PRG), a refusal re-renders
the page with the service's message in #refusal-<action> (400 malformed, 409 refused).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tests.conftest import LABELS, Personas
from tests.web import login
from vulndesk.mail.models import OutboxMessage
from vulndesk.reports import services as rs
from vulndesk.reports.models import Collaborator, Comment, Report, State

pytestmark = pytest.mark.django_db

Make = Callable[..., Report]


def post(client: Client, report: Report, action: str, **fields: Any) -> Any:
    data = {f"{action}-{name}": value for name, value in fields.items()}
    return client.post(f"/desk/reports/{report.key}/{action}/", data)


def refusal(response: Any, action: str) -> str:
    """The text shown next to ``action``'s form (fails if there is none)."""
    html = response.content.decode()
    match = re.search(
        rf'<p class="refusal" role="alert" id="refusal-{action}">(.*?)</p>', html, re.S
    )
    assert match, f"no refusal shown for {action} (status {response.status_code})"
    return match.group(1)


def ok(response: Any, report: Report, action: str) -> None:
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == f"/desk/reports/{report.key}/#action-{action}"


def state(report: Report) -> str:
    report.refresh_from_db()
    return report.state


# ------------------------------------------------------------------ triage


@pytest.mark.parametrize(
    ("outcome", "to"),
    [("plausible", State.TRIAGE), ("spam", State.SPAM), ("misdirected", State.MISDIRECTED)],
)
def test_admin_triages(
    client: Client, personas: Personas, make_report: Make, outcome: str, to: str
) -> None:
    report = make_report(State.NEW)
    login(client, personas.admin)
    ok(post(client, report, "triage", outcome=outcome, note="looked"), report, "triage")
    assert state(report) == to


def test_member_cannot_triage_and_is_told_why(
    client: Client, personas: Personas, make_report: Make
) -> None:
    report = make_report(State.NEW)
    login(client, personas.member)
    response = post(client, report, "triage", outcome="plausible")
    assert response.status_code == 409
    assert "Only an admin of PSRT may do this." in refusal(response, "triage")
    assert state(report) == State.NEW


def test_triage_form_is_offered_to_admins_only(
    client: Client, personas: Personas, make_report: Make
) -> None:
    report = make_report(State.NEW)
    login(client, personas.admin)
    assert 'id="form-triage"' in client.get(f"/desk/reports/{report.key}/").content.decode()
    login(client, personas.member)
    assert 'id="form-triage"' not in client.get(f"/desk/reports/{report.key}/").content.decode()


def test_triaging_twice_is_refused(client: Client, personas: Personas, make_report: Make) -> None:
    report = make_report(State.TRIAGE)
    login(client, personas.admin)
    response = post(client, report, "triage", outcome="spam")
    assert response.status_code == 409
    assert "only new reports are triaged" in refusal(response, "triage")


def test_bad_triage_outcome_is_a_form_error(
    client: Client, personas: Personas, make_report: Make
) -> None:
    report = make_report(State.NEW)
    login(client, personas.admin)
    response = post(client, report, "triage", outcome="delete-everything")
    assert response.status_code == 400
    assert "Outcome" in refusal(response, "triage")


# ------------------------------------------------------------------ coordinator


def test_assign_and_hand_over(client: Client, personas: Personas, make_report: Make) -> None:
    report = make_report(State.TRIAGE)
    login(client, personas.admin)
    ok(post(client, report, "assign", coordinator="bob"), report, "assign")
    report.refresh_from_db()
    assert report.coordinator == personas.member

    response = post(client, report, "assign", coordinator="carol")
    assert response.status_code == 400
    assert "Say why" in refusal(response, "assign")

    ok(post(client, report, "assign", coordinator="carol", reason="Bob is away."), report, "assign")
    report.refresh_from_db()
    assert report.coordinator == personas.member2
    assert report.timeline.filter(action="report:coordinator:handover").exists()


def test_member_takes_an_unassigned_report_but_cannot_give_it_away(
    client: Client, personas: Personas, make_report: Make
) -> None:
    report = make_report(State.TRIAGE)
    login(client, personas.member2)
    response = post(client, report, "assign", coordinator="bob")
    assert response.status_code == 409
    assert "a member may take an unassigned report" in refusal(response, "assign")
    ok(post(client, report, "assign", coordinator="carol"), report, "assign")


def test_assigning_someone_outside_the_team_is_a_form_error(
    client: Client, personas: Personas, make_report: Make
) -> None:
    report = make_report(State.TRIAGE)
    login(client, personas.admin)
    response = post(client, report, "assign", coordinator="zed")
    assert response.status_code == 400
    assert "Coordinator" in refusal(response, "assign")


# ------------------------------------------------------------------ decision


def test_accept_before_triage_is_refused_next_to_the_form(
    client: Client, personas: Personas, make_report: Make
) -> None:
    report = make_report(State.NEW)
    login(client, personas.admin)
    response = post(client, report, "accept")
    assert response.status_code == 409
    text = refusal(response, "accept")
    assert "is new and cannot become accepted (asked to accept)" in text
    assert 'id="form-accept"' in response.content.decode()
    assert state(report) == State.NEW


def test_accept_without_coordinator_is_refused(
    client: Client, personas: Personas, make_report: Make
) -> None:
    report = make_report(State.TRIAGE)
    login(client, personas.admin)
    response = post(client, report, "accept")
    assert response.status_code == 409
    assert "has no coordinator" in refusal(response, "accept")


def test_coordinator_accepts_with_a_cve_id(
    client: Client, personas: Personas, make_report: Make
) -> None:
    report = make_report(State.TRIAGE)
    rs.report_assign(report, actor=personas.admin, coordinator=personas.member)
    login(client, personas.member)
    ok(post(client, report, "accept", cve_id="CVE-2026-31001", note="Real."), report, "accept")
    report.refresh_from_db()
    assert (report.state, report.cve_id) == (State.ACCEPTED, "CVE-2026-31001")


def test_member_who_is_not_coordinator_cannot_accept(
    client: Client, personas: Personas, make_report: Make
) -> None:
    report = make_report(State.TRIAGE)
    rs.report_assign(report, actor=personas.admin, coordinator=personas.member)
    login(client, personas.member2)
    page = client.get(f"/desk/reports/{report.key}/").content.decode()
    assert 'id="form-accept"' not in page
    response = post(client, report, "accept")
    assert response.status_code == 409
    assert "Only the coordinator of" in refusal(response, "accept")


def test_reject_needs_a_reason_then_reopen(
    client: Client, personas: Personas, make_report: Make
) -> None:
    report = make_report(State.TRIAGE)
    rs.report_assign(report, actor=personas.admin, coordinator=personas.member)
    login(client, personas.member)
    response = post(client, report, "reject", reason=" ")
    assert response.status_code == 400
    assert "Say why the report is not a vulnerability." in refusal(response, "reject")
    ok(post(client, report, "reject", reason="Documented behaviour."), report, "reject")
    assert state(report) == State.REJECTED
    assert OutboxMessage.objects.filter(report=report, template="reject").exists()

    response = post(client, report, "reopen", reason="")
    assert "Reopening needs the new evidence" in refusal(response, "reopen")
    ok(post(client, report, "reopen", reason="A new PoC."), report, "reopen")
    assert state(report) == State.TRIAGE


def test_reopen_of_an_open_report_is_refused(
    client: Client, personas: Personas, make_report: Make
) -> None:
    report = make_report(State.ACCEPTED)
    login(client, personas.member)
    response = post(client, report, "reopen", reason="why not")
    assert response.status_code == 409
    assert "only a rejected report is reopened" in refusal(response, "reopen")


def test_withdraw(client: Client, personas: Personas, make_report: Make) -> None:
    report = make_report(State.ACCEPTED)
    login(client, personas.member)
    assert "Say why the report is withdrawn." in refusal(
        post(client, report, "withdraw", reason=""), "withdraw"
    )
    ok(post(client, report, "withdraw", reason="Duplicate of upstream."), report, "withdraw")
    assert state(report) == State.WITHDRAWN
    response = post(client, report, "withdraw", reason="again")
    assert response.status_code == 409
    assert "it is final" in refusal(response, "withdraw")


# ------------------------------------------------------------------ CVE, severity, fix


def test_cve_id(client: Client, personas: Personas, make_report: Make) -> None:
    report = make_report(State.ACCEPTED)
    login(client, personas.member)
    response = post(client, report, "cve", cve_id="CVE-26-1")
    assert response.status_code == 400
    assert "is not a CVE ID" in refusal(response, "cve")
    ok(post(client, report, "cve", cve_id="cve-2026-31002"), report, "cve")
    report.refresh_from_db()
    assert report.cve_id == "CVE-2026-31002"


def test_cve_before_acceptance_is_refused(
    client: Client, personas: Personas, make_report: Make
) -> None:
    report = make_report(State.TRIAGE)
    login(client, personas.admin)
    response = post(client, report, "cve", cve_id="CVE-2026-31003")
    assert response.status_code == 409
    assert "once it is accepted" in refusal(response, "cve")


def test_cve_from_an_empty_pool_is_refused(
    client: Client, personas: Personas, make_report: Make
) -> None:
    report = make_report(State.ACCEPTED)
    login(client, personas.member)
    response = post(client, report, "cve-assign")
    assert response.status_code == 400
    assert "has no available ID" in refusal(response, "cve-assign")


def test_cve_reserve_without_cve_services_says_what_to_configure(
    client: Client, personas: Personas, make_report: Make, settings: Any
) -> None:
    settings.CVE_SERVICES = {}
    report = make_report(State.ACCEPTED)
    login(client, personas.member)
    response = post(client, report, "cve-reserve")
    assert response.status_code == 409
    assert "VULNDESK_CVE_API_KEY" in refusal(response, "cve-reserve")


def test_severity_from_a_cvss_vector_and_a_bad_vector_named(
    client: Client, personas: Personas, make_report: Make
) -> None:
    report = make_report(State.ACCEPTED)
    login(client, personas.member)
    bad = "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
    response = post(client, report, "severity", cvss_vector=bad)
    assert response.status_code == 400
    text = refusal(response, "severity")
    assert "AV:X" in text
    good = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N"
    ok(post(client, report, "severity", cvss_vector=good), report, "severity")
    report.refresh_from_db()
    assert (report.severity, report.cvss_vector) == ("Medium", good)
    response = post(client, report, "severity", severity="High", cvss_vector=good)
    assert "say why the severity is High" in refusal(response, "severity")


def test_public_fix_for_high_severity_is_refused(
    client: Client, personas: Personas, make_report: Make
) -> None:
    report = make_report(State.ACCEPTED)
    rs.report_set_severity(report, actor=personas.member, severity="High")
    login(client, personas.member)
    response = post(client, report, "fix", approach="public")
    assert response.status_code == 400
    assert "High severity requires a private fix" in refusal(response, "fix")
    ok(post(client, report, "fix", approach="private", provider="reporter"), report, "fix")
    report.refresh_from_db()
    assert report.fix_approach == "private"


def test_approve_private_fix_then_public_pr(
    client: Client, personas: Personas, make_report: Make
) -> None:
    report = make_report(State.FIXING, severity="High")
    login(client, personas.member)
    url = "https://github.com/python/cpython/pull/9001"
    response = post(client, report, "pr-add", url=url, labels=", ".join(LABELS))
    assert response.status_code == 409
    assert "approve the private fix before linking a public PR" in refusal(response, "pr-add")
    ok(post(client, report, "approve-fix"), report, "approve-fix")
    ok(post(client, report, "pr-add", url=url, labels=", ".join(LABELS)), report, "pr-add")
    response = post(client, report, "approve-fix")
    assert "already approved" in refusal(response, "approve-fix")


# ------------------------------------------------------------------ reporter


def test_tell_reporter_needs_cve_and_severity(
    client: Client, personas: Personas, make_report: Make
) -> None:
    report = make_report(State.ACCEPTED)
    login(client, personas.member)
    response = post(client, report, "tell")
    assert response.status_code == 409
    assert "still needs a CVE ID and a severity" in refusal(response, "tell")
    rs.report_set_cve(report, actor=personas.member, cve_id="CVE-2026-31004")
    rs.report_set_severity(report, actor=personas.member, severity="Low")
    ok(post(client, report, "tell"), report, "tell")
    mail = OutboxMessage.objects.get(report=report, template="accept")
    assert "CVE-2026-31004" in mail.body
    assert mail.to == [personas.reporter.email]


def test_record_credit(client: Client, personas: Personas, make_report: Make) -> None:
    report = make_report(State.FIXING)
    login(client, personas.member)
    ok(
        post(client, report, "credit", wanted="yes", name="Rita R.", credit_type="finder"),
        report,
        "credit",
    )
    report.refresh_from_db()
    assert (report.credit_wanted, report.credit_name) == (True, "Rita R.")


# ------------------------------------------------------------------ advisory, PRs, publish


def test_advisory_fields(client: Client, personas: Personas, make_report: Make) -> None:
    report = make_report(State.FIXING)
    login(client, personas.member2)  # any team member writes the advisory
    ok(
        post(
            client,
            report,
            "advisory",
            title="Buffer over-read in ssl",
            description="Reads past the end.",
            affected_versions="Python 3.12 and earlier",
            affected_components="ssl.SSLContext",
            mitigations="",
        ),
        report,
        "advisory",
    )
    report.refresh_from_db()
    assert report.advisory_title == "Buffer over-read in ssl"


def test_advisory_before_acceptance_is_refused(
    client: Client, personas: Personas, make_report: Make
) -> None:
    report = make_report(State.TRIAGE)
    login(client, personas.member)
    response = post(client, report, "advisory", title="Too early")
    assert response.status_code == 409
    assert "the advisory is set once it is accepted" in refusal(response, "advisory")


def test_pr_without_labels_is_refused_then_added_and_merged(
    client: Client, personas: Personas, make_report: Make
) -> None:
    report = make_report(State.FIXING)
    login(client, personas.member)
    url = "https://github.com/python/cpython/pull/9100"
    response = post(client, report, "pr-add", url=url, branch="main", labels="security")
    assert response.status_code == 400
    assert "lacks the label(s) release-blocker" in refusal(response, "pr-add")
    ok(
        post(client, report, "pr-add", url=url, branch="main", labels=",".join(LABELS)),
        report,
        "pr-add",
    )
    page = client.get(f"/desk/reports/{report.key}/").content.decode()
    assert "Mark merged" in page
    ok(post(client, report, "pr-merge", url=url, commit="deadbeef"), report, "pr-merge")
    assert state(report) == State.FIXED
    response = post(client, report, "pr-merge", url=url)
    assert "already recorded as merged" in refusal(response, "pr-merge")


def test_publish_refused_names_every_missing_piece_then_publishes(
    client: Client, personas: Personas, make_report: Make
) -> None:
    report = make_report(State.FIXED)
    login(client, personas.member)
    response = post(client, report, "publish")
    assert response.status_code == 409
    text = refusal(response, "publish")
    assert "the advisory lacks the advisory title" in text
    assert "the reporter has not been told" in text
    rs.report_tell_reporter(report, actor=personas.member)
    rs.report_set_credit(report, actor=personas.reporter, wanted=False)
    rs.report_set_advisory(
        report,
        actor=personas.member,
        title="Path traversal in zipfile.Path",
        description="Crafted names escape the target directory.",
        affected_versions="Python 3.12 and earlier",
        whole_project=True,
    )
    ok(post(client, report, "publish"), report, "publish")
    assert state(report) == State.PUBLISHED


# ------------------------------------------------------------------ comments and people


def test_comments_internal_and_shared(
    client: Client, personas: Personas, make_report: Make
) -> None:
    report = make_report(State.TRIAGE)
    login(client, personas.member)
    ok(
        post(client, report, "comment", body="Looks real.", visibility="internal"),
        report,
        "comment",
    )
    ok(
        post(client, report, "comment", body="Thanks, looking.", visibility="shared"),
        report,
        "comment",
    )
    assert list(report.comments.values_list("visibility", flat=True)) == ["internal", "shared"]
    assert OutboxMessage.objects.filter(report=report, template="comment").count() == 1
    response = post(client, report, "comment", body=" ", visibility="internal")
    assert response.status_code == 400
    assert "Comment" in refusal(response, "comment")


def test_collaborator_comments_internally_only(
    client: Client, personas: Personas, make_report: Make
) -> None:
    report = make_report(State.TRIAGE)
    rs.collaborator_invite(report, actor=personas.admin, user=personas.collaborator)
    login(client, personas.collaborator)
    page = client.get(f"/desk/reports/{report.key}/").content.decode()
    assert 'value="shared"' not in page  # the form offers internal only
    response = post(client, report, "comment", body="Sneaky", visibility="shared")
    assert response.status_code == 400  # not even a choice of their form
    ok(
        post(client, report, "comment", body="Patch ready.", visibility="internal"),
        report,
        "comment",
    )
    assert report.comments.get().author == personas.collaborator


def test_collaborator_is_offered_no_workflow_action_and_every_post_is_refused(
    client: Client, personas: Personas, make_report: Make
) -> None:
    report = make_report(State.TRIAGE)
    rs.collaborator_invite(report, actor=personas.admin, user=personas.collaborator)
    login(client, personas.collaborator)
    page = client.get(f"/desk/reports/{report.key}/").content.decode()
    assert re.findall(r'<form id="form-([a-z-]+)"', page) == ["comment"]
    response = post(client, report, "accept")
    assert response.status_code == 409
    assert "Only members of PSRT may do this." in refusal(response, "accept")
    response = post(client, report, "withdraw", reason="mine now")
    assert response.status_code == 409
    assert state(report) == State.TRIAGE


def test_invite_an_existing_user_and_remove_them(
    client: Client, personas: Personas, make_report: Make
) -> None:
    report = make_report(State.TRIAGE)
    login(client, personas.admin)
    ok(post(client, report, "invite", email="ERIN@example.test"), report, "invite")
    assert Collaborator.objects.filter(report=report, user=personas.collaborator).exists()
    mail = OutboxMessage.objects.get(report=report, template="invite")
    assert mail.to == [personas.collaborator.email]
    assert f"/desk/reports/{report.key}/" in mail.body
    response = post(client, report, "invite", email="erin@example.test")
    assert "already invited" in refusal(response, "invite")
    response = post(client, report, "invite", email="bob@example.test")
    assert "is on the team" in refusal(response, "invite")
    ok(
        post(client, report, "collaborator-remove", email="erin@example.test"),
        report,
        "collaborator-remove",
    )
    assert not Collaborator.objects.filter(report=report).exists()


def test_member_who_is_not_coordinator_cannot_invite(
    client: Client, personas: Personas, make_report: Make
) -> None:
    report = make_report(State.ACCEPTED)  # coordinated by bob
    login(client, personas.member2)
    response = post(client, report, "invite", email="erin@example.test")
    assert response.status_code == 409
    assert "Only the coordinator" in refusal(response, "invite")


# ------------------------------------------------------------------ access to the actions


@pytest.mark.parametrize("who", ["reporter", "other_reporter", "other_admin"])
def test_outsiders_posting_get_404_and_change_nothing(
    client: Client, personas: Personas, make_report: Make, who: str
) -> None:
    report = make_report(State.NEW)
    login(client, getattr(personas, who))
    assert post(client, report, "triage", outcome="spam").status_code == 404
    assert post(client, report, "comment", body="hi", visibility="shared").status_code == 404
    assert state(report) == State.NEW
    assert not Comment.objects.filter(report=report).exists()


def test_anonymous_post_goes_to_login(client: Client, make_report: Make) -> None:
    report = make_report(State.NEW)
    response = post(client, report, "triage", outcome="spam")
    assert response.status_code == 302
    assert "login" in response["Location"]
    assert state(report) == State.NEW


def test_actions_take_post_only(client: Client, personas: Personas, make_report: Make) -> None:
    report = make_report(State.NEW)
    login(client, personas.admin)
    assert client.get(f"/desk/reports/{report.key}/triage/").status_code == 405
    assert state(report) == State.NEW


def test_every_form_has_csrf_and_labels(
    client: Client, personas: Personas, make_report: Make
) -> None:
    report = make_report(State.FIXING)
    login(client, personas.admin)
    html = client.get(f"/desk/reports/{report.key}/").content.decode()
    forms = re.findall(r"<form .*?</form>", html, re.S)
    assert len(forms) > 8
    for form in forms:
        assert "csrfmiddlewaretoken" in form
        fields = re.findall(r"<(?:input|select|textarea)[^>]*>", form)
        for field in fields:
            if 'type="hidden"' in field or 'type="submit"' in field:
                continue
            field_id = re.search(r'\bid="([^"]+)"', field)
            assert field_id, field
            assert f'for="{field_id.group(1)}"' in form, field
