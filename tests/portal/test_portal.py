"""The reporter's portal: their own reports in plain words, the conversation shared with
them (never an internal comment), their replies and credit answer; nobody else's."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from tests.conftest import Personas
from tests.web import login
from vulndesk.mail.services import mail_send
from vulndesk.reports import services as rs
from vulndesk.reports.models import Comment, Report, State


def page(client: Client, report: Report) -> str:
    response = client.get(f"/portal/reports/{report.key}/")
    assert response.status_code == 200
    return response.content.decode()


def test_my_reports_say_where_each_stands_in_plain_words(
    client: Client, personas: Personas, make_report: Callable[..., Report]
) -> None:
    looking = make_report(State.TRIAGE, title="Being looked at")
    fixing = make_report(State.FIXING, title="Being fixed")
    rejected = make_report(State.REJECTED, title="Not one")
    published = make_report(State.PUBLISHED, title="Out")
    login(client, personas.reporter)
    html = client.get("/portal/").content.decode()
    assert "We are looking at your report" in html
    assert "Accepted: we are fixing it" in html  # the CVE ID was not told yet
    assert "Not accepted: we found it is not a vulnerability" in html
    assert f"Published as {published.cve_id}" in html
    assert "Works as documented." not in html  # the rejection's internal reason
    for report in (looking, fixing, rejected, published):
        assert report.key in html
    assert f"Accepted as {fixing.cve_id}" not in html

    login(client, personas.other_reporter)
    html = client.get("/portal/").content.decode()
    assert looking.key not in html
    assert "You have not sent a report yet." in html


def test_reporter_sees_shared_comments_and_mail_never_internal_ones(
    client: Client, personas: Personas, make_report: Callable[..., Report]
) -> None:
    report = make_report(State.TRIAGE)
    rs.report_assign(report, actor=personas.admin, coordinator=personas.member)
    rs.comment_add(report, actor=personas.member, body="INTERNAL: looks like a dup of 42")
    rs.comment_add(
        report,
        actor=personas.member,
        body="Thanks, could you share the archive?",
        visibility=Comment.Visibility.SHARED,
    )
    rs.comment_add(report, actor=personas.member2, body="INTERNAL 2")
    mail_send(report, actor=personas.member, template="use-private-form")
    login(client, personas.reporter)
    html = page(client, report)
    assert "Thanks, could you share the archive?" in html
    assert "INTERNAL" not in html
    assert "by mail:" in html  # the templated mail sent to the reporter
    assert "Steps to reproduce." in html  # the report as filed


def test_reporter_replies_and_the_team_sees_a_shared_comment(
    client: Client, personas: Personas, make_report: Callable[..., Report]
) -> None:
    report = make_report(State.TRIAGE)
    login(client, personas.reporter)
    response = client.post(f"/portal/reports/{report.key}/reply/", {"body": "Here is more."})
    assert response.status_code == 302
    comment = report.comments.get()
    assert comment.visibility == Comment.Visibility.SHARED
    assert comment.author == personas.reporter
    assert comment.body == "Here is more."
    assert "Here is more." in page(client, report)

    empty = client.post(f"/portal/reports/{report.key}/reply/", {"body": "  "})
    assert empty.status_code == 400
    assert report.comments.count() == 1


def test_reporter_answers_the_credit_question(
    client: Client, personas: Personas, make_report: Callable[..., Report]
) -> None:
    report = make_report(State.FIXING)
    login(client, personas.reporter)
    response = client.post(
        f"/portal/reports/{report.key}/credit/",
        {"credit": "yes", "credit_name": "Rita Example Org", "credit_type": "finder"},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.credit_wanted is True
    assert report.credit_name == "Rita Example Org"
    assert report.credit_answered_at is not None
    assert "Rita Example Org" in page(client, report)


def test_other_people_get_404_for_a_report_they_did_not_file(
    client: Client, personas: Personas, make_report: Callable[..., Report]
) -> None:
    report = make_report(State.TRIAGE, title="Secret title")
    for person in (personas.other_reporter, personas.member, personas.admin, personas.other_admin):
        login(client, person)
        for url in (f"/portal/reports/{report.key}/",):
            response = client.get(url)
            assert response.status_code == 404, person
            assert "Secret title" not in response.content.decode()
        reply = client.post(f"/portal/reports/{report.key}/reply/", {"body": "sneaky"})
        assert reply.status_code == 404
    assert not report.comments.exists()
    anonymous = Client().get(f"/portal/reports/{report.key}/")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")


PAYLOAD = (
    '<script>alert("x")</script><img src=x onerror=alert(1)>'
    "[click](javascript:alert(1)) </pre><b>bold</b>"
)


def test_html_and_script_payloads_are_shown_as_text(
    client: Client, personas: Personas, make_report: Callable[..., Report]
) -> None:
    report = make_report(State.TRIAGE, title=f"T {PAYLOAD}", body=PAYLOAD)
    rs.comment_add(report, actor=personas.admin, body=PAYLOAD, visibility=Comment.Visibility.SHARED)
    login(client, personas.reporter)
    for html in (page(client, report), client.get("/portal/").content.decode()):
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "<b>bold</b>" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_payloads_through_the_form_are_inert_on_the_way_back(
    client: Client, personas: Personas
) -> None:
    login(client, personas.reporter)
    client.post(
        "/report/psrt/",
        {
            "title": f"T {PAYLOAD}",
            "project": str(personas.project.pk),
            "versions": PAYLOAD,
            "description": PAYLOAD,
            "impact": PAYLOAD,
            "ai_used": "no",
            "credit": "later",
            "credit_type": "finder",
        },
    )
    report = Report.objects.get()
    html = page(client, report)
    assert "<script>alert" not in html
    assert "<img src=x" not in html
