"""The PSRT checklist (vulndesk.reports.checklist): done / next / waiting from real data."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from tests.conftest import LABELS, Personas
from tests.web import login
from vulndesk.mail.models import OutboxMessage
from vulndesk.mail.services import mail_send
from vulndesk.reports import services as rs
from vulndesk.reports.checklist import DONE, NEXT, WAITING, psrt_checklist
from vulndesk.reports.models import FixPR, Report, State

pytestmark = pytest.mark.django_db

Make = Callable[..., Report]
ORDER = [
    "cve_id",
    "severity",
    "reporter_told",
    "credit_asked",
    "advisory_complete",
    "fix_approach",
    "pr_labelled",
    "merged",
    "published",
]


def statuses(report: Report) -> dict[str, str]:
    report.refresh_from_db()
    return {step.code: step.status for step in psrt_checklist(report)}


def test_order_is_the_psrt_process(make_report: Make) -> None:
    assert [s.code for s in psrt_checklist(make_report(State.NEW))] == ORDER


def test_nothing_is_next_before_acceptance(make_report: Make) -> None:
    steps = psrt_checklist(make_report(State.TRIAGE))
    assert {s.status for s in steps} == {WAITING}
    assert all(s.detail.startswith("after acceptance") for s in steps)


def test_just_accepted(make_report: Make) -> None:
    assert statuses(make_report(State.ACCEPTED)) == {
        "cve_id": NEXT,
        "severity": NEXT,
        "reporter_told": WAITING,
        "credit_asked": WAITING,
        "advisory_complete": NEXT,
        "fix_approach": WAITING,
        "pr_labelled": WAITING,
        "merged": WAITING,
        "published": WAITING,
    }


def test_walk_to_publication(personas: Personas, make_report: Make) -> None:
    report = make_report(State.FIXING)
    s = statuses(report)
    assert (s["cve_id"], s["severity"], s["fix_approach"]) == (DONE, DONE, DONE)
    assert (s["reporter_told"], s["pr_labelled"], s["merged"]) == (NEXT, NEXT, WAITING)

    rs.report_tell_reporter(report, actor=personas.member)
    s = statuses(report)
    assert (s["reporter_told"], s["credit_asked"]) == (DONE, DONE)
    detail = {step.code: step.detail for step in psrt_checklist(report)}
    assert detail["reporter_told"] == "acceptance reply queued"
    assert detail["credit_asked"] == "asked; no answer yet"

    url = "https://github.com/python/cpython/pull/7001"
    rs.report_add_pr(report, actor=personas.member, url=url, labels=LABELS)
    s = statuses(report)
    assert (s["pr_labelled"], s["merged"]) == (DONE, NEXT)
    rs.report_merge_pr(report, actor=personas.member, url=url)
    assert statuses(report)["merged"] == DONE
    assert statuses(report)["published"] == WAITING  # the advisory is not complete

    rs.report_set_advisory(
        report,
        actor=personas.member,
        title="T",
        description="D",
        affected_versions="all versions",
        whole_project=True,
    )
    s = statuses(report)
    assert s["advisory_complete"] == DONE
    assert s["published"] == NEXT
    assert [code for code, status in s.items() if status != DONE] == ["published"]


def test_reporter_told_by_the_accept_template_sent_by_hand(
    personas: Personas, make_report: Make
) -> None:
    """An acceptance reply sent through the mail app (not the tell action) counts too."""
    report = make_report(State.FIXING)
    mail_send(report, actor=personas.member, template="accept")
    assert statuses(report)["reporter_told"] == DONE
    OutboxMessage.objects.filter(report=report).update(status=OutboxMessage.Status.SENT)
    step = next(s for s in psrt_checklist(report) if s.code == "reporter_told")
    assert step.detail == "acceptance reply sent"


def test_other_mail_does_not_count_as_telling(personas: Personas, make_report: Make) -> None:
    report = make_report(State.FIXING)
    rs.comment_add(report, actor=personas.member, body="We look at it.", visibility="shared")
    assert statuses(report)["reporter_told"] == NEXT


def test_advisory_names_what_is_missing(personas: Personas, make_report: Make) -> None:
    report = make_report(State.ACCEPTED)
    rs.report_set_advisory(report, actor=personas.member, title="Only a title")
    report.refresh_from_db()
    step = next(s for s in psrt_checklist(report) if s.code == "advisory_complete")
    assert step.status == NEXT
    assert "the advisory description" in step.detail
    assert "the affected components" in step.detail


def test_pr_without_the_policy_labels_is_not_labelled(make_report: Make) -> None:
    report = make_report(State.FIXING)
    FixPR.objects.create(report=report, url="https://github.com/o/r/pull/1", labels=["security"])
    step = next(s for s in psrt_checklist(report) if s.code == "pr_labelled")
    assert step.status == NEXT
    assert "lacks security and release-blocker" in step.detail


def test_credit_answer_is_shown(personas: Personas, make_report: Make) -> None:
    report = make_report(State.FIXING)
    rs.report_tell_reporter(report, actor=personas.member)
    rs.report_set_credit(report, actor=personas.reporter, wanted=True, name="Rita R.")
    report.refresh_from_db()
    step = next(s for s in psrt_checklist(report) if s.code == "credit_asked")
    assert (step.status, step.detail) == (DONE, "answered: credit Rita R.")


def test_page_shows_checklist_on_open_reports_only(
    client: Client, personas: Personas, make_report: Make
) -> None:
    login(client, personas.member)
    report = make_report(State.FIXING)
    html = client.get(f"/desk/reports/{report.key}/").content.decode()
    assert 'id="checklist"' in html
    assert 'id="check-cve_id" class="check-done" data-status="done"' in html
    assert 'id="check-reporter_told" class="check-next" data-status="next"' in html
    assert '<a href="#action-tell">Tell reporter</a>' in html
    closed = make_report(State.REJECTED)
    assert 'id="checklist"' not in client.get(f"/desk/reports/{closed.key}/").content.decode()
