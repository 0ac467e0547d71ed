"""The whole PSRT conversation for one report, by email, through real SMTP both ways:
report by email, the private-form reply, the on-behalf draft, acceptance with CVE ID and
the credit question, the reporter's answer threaded back, the announcement."""

from __future__ import annotations

import email
import email.policy
import smtplib
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest

from tests.conftest import LABELS, Personas
from tests.mail.conftest import Sink, free_port
from vulndesk.mail import listener, outbox
from vulndesk.mail.models import OutboxMessage, RawMessage
from vulndesk.mail.services import mail_preview, mail_send, report_draft_on_behalf
from vulndesk.reports import services as rs
from vulndesk.reports.models import Comment, Report, State

pytestmark = pytest.mark.django_db(transaction=True)

SAM = "sam@elsewhere.test"


@pytest.fixture
def inbound(personas: Personas) -> Iterator[int]:
    port = free_port()
    controller = listener.start("127.0.0.1", port)
    yield port
    controller.stop()


def _deliver(port: int, msg: EmailMessage) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.send_message(msg)


def _reply_to(received: Any, body: str) -> EmailMessage:
    """What the reporter's mail client sends when they press Reply."""
    reply = EmailMessage()
    reply["From"] = f"Sam Sender <{SAM}>"
    reply["To"] = received["Reply-To"] or received["From"]
    reply["Subject"] = "Re: " + received["Subject"]
    reply["Message-ID"] = email.utils.make_msgid(domain="elsewhere.test")
    reply["In-Reply-To"] = received["Message-ID"]
    reply["References"] = f"{received.get('References', '')} {received['Message-ID']}".strip()
    reply.set_content(body)
    return reply


def _deliver_outbox(sink: Sink) -> list[Any]:
    before = len(sink.capture.envelopes)
    while outbox.run_once()["claimed"]:
        pass
    return [
        email.message_from_bytes(e.content, policy=email.policy.default)
        for e in sink.capture.envelopes[before:]
    ]


def test_the_full_psrt_conversation_by_email(
    personas: Personas, inbound: int, sink: Sink, django_capture_on_commit_callbacks: Any
) -> None:
    alice, bob = personas.admin, personas.member
    # 1. The report arrives by email.
    first = EmailMessage()
    first["From"] = f"Sam Sender <{SAM}>"
    first["To"] = "security@example.test"
    first["Subject"] = "Buffer over-read in ipaddress"
    first["Message-ID"] = "<first@elsewhere.test>"
    first.set_content("ipaddress reads past the buffer for crafted strings. PoC: ...")
    _deliver(inbound, first)
    report = Report.objects.get()
    assert report.state == State.NEW
    assert report.reporter.email == SAM
    (ack,) = _deliver_outbox(sink)
    assert ack["Subject"].startswith(f"[{report.key}] Received")
    assert ack["In-Reply-To"] == "<first@elsewhere.test>"

    # 2. The admin finds it plausible and sends the private-form reply, edited.
    preview = mail_preview(report, actor=alice, template="use-private-form")
    mail_send(report, actor=alice, template="use-private-form", body=preview.body + "\nAlice\n")
    (form_reply,) = _deliver_outbox(sink)
    assert "https://example.test/report" in form_reply.get_content()
    assert form_reply["To"] == SAM
    assert report.key in form_reply["Subject"]

    # 3. The reporter can't use the form; their reply threads onto the report...
    _deliver(inbound, _reply_to(form_reply, "I have no account there, please file it for me."))
    comment = Comment.objects.get(report=report, author_email=SAM)
    assert comment.visibility == Comment.Visibility.SHARED
    assert "please file it for me" in comment.body
    # ...and the admin drafts it on their behalf.
    report_draft_on_behalf(report, actor=alice)
    report.refresh_from_db()
    assert report.state == State.TRIAGE
    assert report.timeline.filter(action="mail:draft:on-behalf").exists()

    # 4. Coordinator, acceptance with CVE ID and severity, the reporter is told.
    rs.report_assign(report, actor=alice, coordinator=bob)
    rs.report_accept(report, actor=bob, cve_id="CVE-2026-31337")
    rs.report_set_severity(report, actor=bob, severity="Low")
    rs.report_set_fix(report, actor=bob, approach="public", provider="reporter")
    rs.report_tell_reporter(report, actor=bob)
    (accept,) = _deliver_outbox(sink)
    text = accept.get_content()
    assert "CVE-2026-31337" in text
    assert "Low" in text
    assert "publicly credited" in text

    # 5. The reporter answers the credit question; it threads back as a shared comment.
    _deliver(inbound, _reply_to(accept, "Yes please, credit me as Sam Sender."))
    answer = Comment.objects.filter(report=report, author_email=SAM).latest("id")
    assert "credit me as Sam Sender" in answer.body
    assert RawMessage.objects.filter(report=report, kind="comment").count() == 2
    rs.report_set_credit(report, actor=bob, wanted=True, name="Sam Sender")

    # 6. Advisory, fix, publication: the announcement goes to the announce list.
    rs.report_set_advisory(
        report,
        actor=bob,
        title="Buffer over-read in ipaddress parsing",
        description="Parsing a crafted address string reads past the end of a buffer.",
        affected_versions="Python 3.13 and earlier",
        affected_components="ipaddress.ip_address",
    )
    url = "https://github.com/python/cpython/pull/4242"
    rs.report_add_pr(report, actor=bob, url=url, branch="main", labels=LABELS)
    rs.report_merge_pr(report, actor=bob, url=url, commit="f" * 40)
    with django_capture_on_commit_callbacks(execute=True):
        rs.report_publish(report, actor=bob)
    (announce,) = _deliver_outbox(sink)
    assert announce["To"] == "announce@example.test"
    assert announce["Subject"] == "[CVE-2026-31337] Buffer over-read in ipaddress parsing"
    body = announce.get_content()
    assert "LOW severity" in body
    assert "https://www.cve.org/CVERecord?id=CVE-2026-31337" in body
    assert url in body

    # Every mail went out once, in order, and the texts are on the timeline.
    templates = list(
        OutboxMessage.objects.filter(report=report).order_by("id").values_list("template", "status")
    )
    assert templates == [
        ("ack", "sent"),
        ("use-private-form", "sent"),
        ("accept", "sent"),
        ("announce", "sent"),
    ]
    assert report.timeline.filter(action="mail:queue").count() == 4
