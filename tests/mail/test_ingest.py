"""The ingest: stored first, then a new report or a comment on the report it answers."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import pytest

from tests.conftest import Personas
from tests.mail.conftest import mail
from vulndesk.mail.ingest import ingest_bytes, raw_store
from vulndesk.mail.models import Attachment, MessageRef, OutboxMessage, RawMessage
from vulndesk.reports.models import Comment, Report, Source, State

pytestmark = pytest.mark.django_db


def test_new_mail_becomes_a_new_report_with_the_sender_as_reporter(personas: Personas) -> None:
    raw = ingest_bytes(
        mail(sender="Sam Sender <sam@elsewhere.test>"), source="stdin", envelope_to=[]
    )
    assert raw.status == RawMessage.Status.PROCESSED, raw.flags
    assert raw.kind == RawMessage.Kind.NEW_REPORT
    report = Report.objects.get(pk=raw.report_id)
    assert report.team == personas.team
    assert report.state == State.NEW
    assert report.source == Source.EMAIL
    assert report.reporter.email == "sam@elsewhere.test"
    assert report.reporter.name == "Sam Sender"
    assert report.title == "Heap overflow in _pickle"
    assert "Crafted frames" in report.body
    ack = OutboxMessage.objects.get(report=report, template="ack")
    assert ack.to == ["sam@elsewhere.test"]
    assert f"[{report.key}]" in ack.subject
    assert ack.reply_to == f"security+{report.key}@example.test"


def test_same_bytes_delivered_twice_are_one_message_and_one_report(personas: Personas) -> None:
    data = mail()
    first = ingest_bytes(data, source="stdin")
    second = ingest_bytes(data, source="imap")
    assert first.pk == second.pk
    assert RawMessage.objects.count() == 1
    assert Report.objects.count() == 1


def test_redelivery_with_an_extra_received_header_is_recognised(personas: Personas) -> None:
    data = mail(message_id="<once@reporter.test>")
    ingest_bytes(data, source="stdin")
    again = ingest_bytes(b"Received: from relay2 by mx; Sat, 28 Nov 2026\r\n" + data, source="smtp")
    assert RawMessage.objects.count() == 2  # every byte kept
    assert Report.objects.count() == 1
    assert again.status == RawMessage.Status.FLAGGED
    assert [f["code"] for f in again.flags] == ["duplicate"]


def test_reply_threads_by_in_reply_to_onto_the_report(personas: Personas) -> None:
    first = ingest_bytes(mail(sender="sam@elsewhere.test"), source="stdin")
    ack = OutboxMessage.objects.get(report_id=first.report_id)
    reply = mail(
        sender="sam@elsewhere.test",
        subject="Re: something else entirely",
        body="More details.",
        headers={"In-Reply-To": ack.message_id},
    )
    raw = ingest_bytes(reply, source="stdin")
    assert raw.kind == RawMessage.Kind.COMMENT
    assert raw.report_id == first.report_id
    comment = Comment.objects.get(pk=raw.comment_id)
    assert comment.visibility == Comment.Visibility.SHARED
    assert comment.author_email == "sam@elsewhere.test"
    assert comment.body.startswith("More details.")
    assert Report.objects.count() == 1


def test_reply_threads_by_the_key_in_the_subject(personas: Personas, make_report: Any) -> None:
    report = make_report(State.TRIAGE)
    raw = ingest_bytes(
        mail(sender=personas.reporter.email, subject=f"Re: [{report.key}] my report"),
        source="stdin",
    )
    assert raw.report_id == report.pk
    comment = Comment.objects.get(pk=raw.comment_id)
    assert comment.author == personas.reporter
    assert comment.visibility == Comment.Visibility.SHARED


def test_reply_threads_by_the_per_report_reply_address(
    personas: Personas, make_report: Any
) -> None:
    report = make_report(State.TRIAGE)
    raw = ingest_bytes(
        mail(
            sender=personas.reporter.email, to=f"security+{report.key}@example.test", subject="hi"
        ),
        source="smtp",
        envelope_to=[f"security+{report.key.lower()}@example.test"],
    )
    assert raw.report_id == report.pk
    assert raw.kind == RawMessage.Kind.COMMENT


def test_a_strangers_mail_with_a_key_is_an_internal_flagged_comment(
    personas: Personas, make_report: Any
) -> None:
    report = make_report(State.TRIAGE)
    raw = ingest_bytes(
        mail(sender="mallory@evil.test", subject=f"[{report.key}] gimme"), source="stdin"
    )
    comment = Comment.objects.get(pk=raw.comment_id)
    assert comment.visibility == Comment.Visibility.INTERNAL
    assert "not-a-participant" in [f["code"] for f in raw.flags]
    assert all("mallory@evil.test" not in m.to for m in OutboxMessage.objects.all())


def test_key_of_another_team_does_not_thread(personas: Personas) -> None:
    from vulndesk.reports.services import report_create

    other = report_create(
        team=personas.other_team, reporter_email="x@example.test", title="theirs", source="api"
    )
    raw = ingest_bytes(mail(subject=f"[{other.key}] hello"), source="stdin")
    assert raw.kind == RawMessage.Kind.NEW_REPORT
    assert raw.report_id != other.pk


def test_team_member_reply_is_an_internal_comment_by_that_member(
    personas: Personas, make_report: Any
) -> None:
    report = make_report(State.TRIAGE)
    raw = ingest_bytes(
        mail(sender=personas.member.email, subject=f"[{report.key}] note"), source="stdin"
    )
    comment = Comment.objects.get(pk=raw.comment_id)
    assert comment.author == personas.member
    assert comment.visibility == Comment.Visibility.INTERNAL
    assert raw.status == RawMessage.Status.PROCESSED


def test_auto_reply_is_attached_and_never_answered(personas: Personas, make_report: Any) -> None:
    report = make_report(State.TRIAGE)
    before = OutboxMessage.objects.count()
    raw = ingest_bytes(
        mail(
            sender=personas.reporter.email,
            subject=f"Out of office: [{report.key}]",
            headers={"Auto-Submitted": "auto-replied"},
        ),
        source="stdin",
    )
    assert raw.kind == RawMessage.Kind.AUTO_REPLY
    assert raw.report_id == report.pk
    assert raw.comment_id is None
    assert OutboxMessage.objects.count() == before
    assert report.timeline.filter(action="mail:auto-reply:receive").exists()


def test_unrelated_auto_reply_makes_no_report(personas: Personas) -> None:
    raw = ingest_bytes(mail(headers={"Precedence": "bulk"}), source="stdin")
    assert raw.kind == RawMessage.Kind.AUTO_REPLY
    assert Report.objects.count() == 0


def test_bounce_of_our_mail_is_attached_to_its_report(personas: Personas) -> None:
    first = ingest_bytes(mail(sender="sam@elsewhere.test"), source="stdin")
    ack = OutboxMessage.objects.get(report_id=first.report_id)
    dsn = (
        "From: MAILER-DAEMON@mx.example.test\r\nTo: security@example.test\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn1@mx.example.test>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; "
        'boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nCould not deliver.\r\n'
        "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        "Final-Recipient: rfc822; sam@elsewhere.test\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        "--b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {ack.message_id}\r\nSubject: {ack.subject}\r\n\r\n--b--\r\n"
    ).encode()
    raw = ingest_bytes(dsn, source="stdin")
    assert raw.kind == RawMessage.Kind.BOUNCE
    assert raw.report_id == first.report_id
    assert Report.objects.count() == 1


def test_html_only_mail_becomes_text_never_markup(personas: Personas) -> None:
    msg = EmailMessage()
    msg["From"] = "h@example.test"
    msg["To"] = "security@example.test"
    msg["Subject"] = "HTML"
    msg["Message-ID"] = "<html1@example.test>"
    msg.set_content(
        "<html><head><style>p{}</style><script>alert(1)</script></head>"
        "<body><p>Hello <b>team</b></p><p>see <a href='https://x.test/poc'>poc</a></p></body></html>",
        subtype="html",
    )
    raw = ingest_bytes(msg.as_bytes(), source="stdin")
    report = Report.objects.get(pk=raw.report_id)
    assert "<" not in report.body.replace("<https://x.test/poc>", "")
    assert "Hello team" in report.body
    assert "alert" not in report.body


def test_attachments_are_kept_within_limits(personas: Personas, settings: Any) -> None:
    settings.VULNDESK_MAIL_MAX_ATTACHMENT_BYTES = 1000
    settings.VULNDESK_MAIL_MAX_ATTACHMENTS = 2
    msg = EmailMessage()
    msg["From"] = "a@example.test"
    msg["To"] = "security@example.test"
    msg["Subject"] = "PoC"
    msg["Message-ID"] = "<att@example.test>"
    msg.set_content("see attached")
    msg.add_attachment(b"print(1)\n", maintype="text", subtype="x-python", filename="../../poc.py")
    msg.add_attachment(b"x" * 5000, maintype="application", subtype="zip", filename="big.zip")
    msg.add_attachment(b"2", maintype="application", subtype="octet-stream", filename="two.bin")
    msg.add_attachment(b"3", maintype="application", subtype="octet-stream", filename="three.bin")
    raw = ingest_bytes(msg.as_bytes(), source="stdin")
    names = list(Attachment.objects.filter(report_id=raw.report_id).values_list("filename", "size"))
    assert names == [("poc.py", 9), ("two.bin", 1)]
    codes = sorted(f["code"] for f in raw.flags)
    assert codes == ["attachment-too-large", "too-many-attachments"]
    assert bytes(raw.data) == msg.as_bytes()  # every byte is still in the raw message


def test_mail_for_no_team_is_kept_and_flagged(personas: Personas) -> None:
    raw = ingest_bytes(mail(to="nobody@elsewhere.test"), source="stdin")
    assert raw.kind == RawMessage.Kind.UNROUTED
    assert raw.status == RawMessage.Status.FLAGGED
    assert "no-team" in raw.flags[0]["code"]
    assert Report.objects.count() == 0


def test_a_crash_in_processing_keeps_the_message_flagged(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vulndesk.mail import ingest

    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("parser bug")

    monkeypatch.setattr(ingest, "_thread", boom)
    data = mail()
    raw = ingest_bytes(data, source="stdin")
    assert raw.status == RawMessage.Status.FAILED
    assert "parser bug" in raw.flags[-1]["reason"]
    assert Report.objects.count() == 0
    assert bytes(RawMessage.objects.get().data) == data


def test_stored_but_unprocessed_message_is_recovered_by_the_worker(personas: Personas) -> None:
    from vulndesk.mail.ingest import process_pending

    raw, created = raw_store(mail(), source="stdin")
    assert created
    assert raw.status == RawMessage.Status.PENDING
    assert process_pending() == 1
    raw.refresh_from_db()
    assert raw.kind == RawMessage.Kind.NEW_REPORT
    assert MessageRef.objects.filter(report_id=raw.report_id, outgoing=False).exists()
