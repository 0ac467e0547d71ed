"""The outbox and its worker, against a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import smtplib
from typing import Any

import pytest

from tests.conftest import Personas
from tests.mail.conftest import Sink
from vulndesk.mail import outbox
from vulndesk.mail.models import OutboxAttempt, OutboxMessage
from vulndesk.mail.services import outbox_queue
from vulndesk.reports.models import State

pytestmark = pytest.mark.django_db


def _queue(personas: Personas, n: int = 1, **kw: Any) -> list[OutboxMessage]:
    return [
        outbox_queue(
            team=personas.team,
            to=[f"r{i}@example.test"],
            subject=f"Message {i}",
            body=f"Body {i}\n",
            **kw,
        )
        for i in range(n)
    ]


def test_worker_sends_queued_mail_with_threading_headers(
    personas: Personas, make_report: Any, sink: Sink
) -> None:
    report = make_report(State.TRIAGE)
    message = outbox_queue(
        team=personas.team, to=["rita@example.test"], subject="Hello", body="Hi\n", report=report
    )
    result = outbox.run_once()
    assert result["sent"] == 1
    (envelope,) = sink.capture.envelopes
    assert envelope.mail_from == "security@example.test"
    assert envelope.rcpt_tos == ["rita@example.test"]
    got = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert got["Subject"] == f"[{report.key}] Hello"
    assert got["Message-ID"] == message.message_id
    assert got["Reply-To"] == f"security+{report.key}@example.test"
    assert got.get_content().strip() == "Hi"
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert list(message.tries.values_list("ok", flat=True)) == [True]


def test_nothing_is_sent_twice(personas: Personas, sink: Sink) -> None:
    _queue(personas, 3)
    assert outbox.run_once()["sent"] == 3
    assert outbox.run_once()["claimed"] == 0
    assert len(sink.capture.envelopes) == 3


def test_server_down_then_back_200_messages_arrive_exactly_once(
    personas: Personas, sink: Sink
) -> None:
    queued = _queue(personas, 200)
    sink.stop()
    result = outbox.run_once(limit=500)
    assert result == {"recovered": 0, "claimed": 200, "sent": 0, "problems": 200}
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"retry"}
    assert OutboxAttempt.objects.filter(ok=False).count() == 200
    assert "cannot connect" in OutboxMessage.objects.first().last_error  # type: ignore[union-attr]
    sink.start()
    while outbox.run_once(limit=500)["claimed"]:
        pass
    ids = sink.capture.message_ids()
    assert len(ids) == 200
    assert sorted(ids) == sorted(m.message_id for m in queued)
    assert OutboxMessage.objects.filter(status="sent").count() == 200


def test_server_dropping_the_connection_midway_loses_nothing(
    personas: Personas, sink: Sink, monkeypatch: pytest.MonkeyPatch
) -> None:
    queued = _queue(personas, 10)
    real = smtplib.SMTP.sendmail
    calls = {"n": 0}

    def flaky(self: smtplib.SMTP, *args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 4:
            self.sock.close()  # type: ignore[union-attr]  # the server "drops" us
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(smtplib.SMTP, "sendmail", flaky)
    first = outbox.run_once()
    assert first["sent"] == 9
    assert first["problems"] == 1
    outbox.run_once()
    ids = sink.capture.message_ids()
    assert sorted(ids) == sorted(m.message_id for m in queued)


def test_permanent_refusal_fails_the_message_with_the_error(personas: Personas, sink: Sink) -> None:
    from aiosmtpd.handlers import Sink as _  # noqa: F401 - aiosmtpd is the server here

    message = outbox_queue(team=personas.team, to=["rita@example.test"], subject="x", body="y")

    async def refuse(server: Any, session: Any, envelope: Any) -> str:
        return "554 5.7.1 Rejected by policy"

    sink.capture.handle_DATA = refuse  # type: ignore[method-assign]
    try:
        outbox.run_once()
    finally:
        del sink.capture.handle_DATA
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.FAILED
    assert "554" in message.last_error


def test_expired_lease_is_taken_over_with_the_same_bytes(
    personas: Personas, sink: Sink, settings: Any
) -> None:
    (message,) = _queue(personas, 1)
    claimed = outbox.claim(worker="dead-worker")
    assert [m.pk for m in claimed] == [message.pk]
    assert outbox.claim(worker="other") == []  # leased: not taken
    OutboxMessage.objects.filter(pk=message.pk).update(
        leased_until=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    )
    assert outbox.run_once(worker="rescuer")["sent"] == 1
    message.refresh_from_db()
    assert message.attempts == 2
    assert message.status == OutboxMessage.Status.SENT


def test_dedupe_key_queues_once(personas: Personas) -> None:
    a = outbox_queue(
        team=personas.team, to=["x@example.test"], subject="s", body="b", dedupe_key="k"
    )
    b = outbox_queue(
        team=personas.team, to=["x@example.test"], subject="s", body="b", dedupe_key="k"
    )
    assert a.pk == b.pk


def test_header_injection_through_subject_or_address_is_refused(personas: Personas) -> None:
    from vulndesk.core.errors import ValidationFailed

    message = outbox_queue(
        team=personas.team, to=["x@example.test"], subject="hi\r\nBcc: all@example.test", body="b"
    )
    assert "\n" not in message.subject
    with pytest.raises(ValidationFailed):
        outbox_queue(
            team=personas.team, to=["x@example.test\r\nBcc: y@example.test"], subject="s", body="b"
        )
