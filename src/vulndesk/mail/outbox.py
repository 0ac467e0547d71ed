"""The outbox worker: claim due rows with a lease, send over SMTP, record every attempt.

Nothing is lost: a row leaves the outbox only as "sent" (after the server's 250) or
"failed" (after the last attempt, with its error). Nothing is sent twice: a row is
claimed by one worker at a time (conditional UPDATE under a row lock); a worker killed
between the server's 250 and its commit leaves a lease that expires, and the re-send
carries the very same bytes and Message-ID, so receivers see one message.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.policy
import email.utils
import logging
import os
import smtplib
import socket
import ssl
import threading
import uuid
from email.message import EmailMessage

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q

from vulndesk.core import clock
from vulndesk.mail.ingest import fault, process_pending
from vulndesk.mail.models import OutboxAttempt, OutboxMessage

log = logging.getLogger(__name__)
Status = OutboxMessage.Status


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def build_message(message: OutboxMessage) -> bytes:
    """The exact bytes of ``message``: headers for threading, optional OpenPGP."""
    from vulndesk.mail.pgp import protect_outgoing

    mail = EmailMessage(policy=email.policy.SMTP)
    mail["From"] = message.from_address
    mail["To"] = ", ".join(message.to)
    mail["Subject"] = message.subject
    mail["Date"] = email.utils.format_datetime(message.created_at)
    mail["Message-ID"] = message.message_id
    if message.in_reply_to:
        mail["In-Reply-To"] = message.in_reply_to
    if message.references:
        mail["References"] = message.references
    if message.reply_to:
        mail["Reply-To"] = message.reply_to
    if message.template in {"ack"}:
        mail["Auto-Submitted"] = "auto-replied"
    elif message.template in {"comment", "invite"}:
        mail["Auto-Submitted"] = "auto-generated"
    if message.report_id and message.report is not None:
        mail["X-Vulndesk-Report"] = message.report.key
    mail.set_content(message.body)
    return protect_outgoing(mail, message)


def claim(*, worker: str, limit: int = 50) -> list[OutboxMessage]:
    """Lease up to ``limit`` due rows (queued, awaiting retry, or with an expired lease)."""
    now = clock.now()
    lease = dt.timedelta(seconds=settings.VULNDESK_MAIL_LEASE_SECONDS)
    due = Q(status__in=[Status.QUEUED, Status.RETRY], next_attempt_at__lte=now) | Q(
        status=Status.SENDING, leased_until__lt=now
    )
    with transaction.atomic():
        qs = OutboxMessage.objects.filter(due).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        ids = list(qs.values_list("id", flat=True)[:limit])
        if not ids:
            return []
        # Conditional: only rows still due are taken (a concurrent worker may have won).
        OutboxMessage.objects.filter(due, id__in=ids).update(
            status=Status.SENDING,
            leased_by=worker,
            leased_until=now + lease,
            attempts=F("attempts") + 1,
        )
    return list(
        OutboxMessage.objects.filter(id__in=ids, leased_by=worker, status=Status.SENDING)
        .select_related("report", "team")
        .order_by("id")
    )


def _mine(message: OutboxMessage, worker: str) -> Q:
    return Q(pk=message.pk, leased_by=worker, status=Status.SENDING)


def _record(message: OutboxMessage, worker: str, *, ok: bool, error: str = "") -> None:
    OutboxAttempt.objects.create(
        message=message, worker=worker, ok=ok, error=error[:2000], at=clock.now()
    )


def _payload(message: OutboxMessage, worker: str) -> bytes:
    if message.payload:
        return bytes(message.payload)
    data = build_message(message)
    # Fixed once: a re-send after a crash sends these same bytes.
    OutboxMessage.objects.filter(_mine(message, worker), payload=None).update(payload=data)
    message.refresh_from_db(fields=["payload"])
    return bytes(message.payload or data)


def _failed(message: OutboxMessage, worker: str, error: str, *, permanent: bool) -> None:
    now = clock.now()
    with transaction.atomic():
        _record(message, worker, ok=False, error=error)
        if permanent or message.attempts >= settings.VULNDESK_MAIL_MAX_ATTEMPTS:
            OutboxMessage.objects.filter(_mine(message, worker)).update(
                status=Status.FAILED, last_error=error, leased_until=None
            )
            return
        delay = min(settings.VULNDESK_MAIL_RETRY_BASE_SECONDS * 2 ** (message.attempts - 1), 3600.0)
        OutboxMessage.objects.filter(_mine(message, worker)).update(
            status=Status.RETRY,
            last_error=error,
            leased_until=None,
            next_attempt_at=now + dt.timedelta(seconds=delay),
        )


def _sent(message: OutboxMessage, worker: str) -> None:
    with transaction.atomic():
        _record(message, worker, ok=True)
        OutboxMessage.objects.filter(_mine(message, worker)).update(
            status=Status.SENT, sent_at=clock.now(), leased_until=None, last_error=""
        )


def smtp_connect() -> smtplib.SMTP:
    timeout = 30
    if settings.EMAIL_USE_SSL:
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.EMAIL_HOST,
            settings.EMAIL_PORT,
            timeout=timeout,
            context=ssl.create_default_context(),
        )
    else:
        client = smtplib.SMTP(settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=timeout)
        if settings.EMAIL_USE_TLS:
            client.starttls(context=ssl.create_default_context())
    if settings.EMAIL_HOST_USER:
        client.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)
    return client


def send_batch(messages: list[OutboxMessage], *, worker: str) -> tuple[int, int]:
    """Send leased ``messages`` over one SMTP connection: (sent, failed or retried)."""
    sent = problems = 0
    try:
        client = smtp_connect()
    except (OSError, smtplib.SMTPException) as exc:
        for message in messages:
            _failed(message, worker, f"cannot connect to the SMTP server: {exc}", permanent=False)
        return 0, len(messages)
    try:
        for message in messages:
            try:
                data = _payload(message, worker)
                fault("worker:before-send")
                refused = client.sendmail(message.from_address, message.to, data)
                fault("worker:after-send")
            except smtplib.SMTPRecipientsRefused as exc:
                _failed(
                    message,
                    worker,
                    f"every recipient was refused: {exc.recipients}",
                    permanent=True,
                )
                problems += 1
                continue
            except smtplib.SMTPResponseException as exc:
                permanent = 500 <= exc.smtp_code < 600
                text = (
                    exc.smtp_error.decode("utf-8", "replace")
                    if isinstance(exc.smtp_error, bytes)
                    else str(exc.smtp_error)
                )
                _failed(message, worker, f"SMTP {exc.smtp_code}: {text}", permanent=permanent)
                problems += 1
                if not permanent:
                    client = _reconnect(client)
                continue
            except (OSError, smtplib.SMTPException) as exc:
                _failed(message, worker, f"{type(exc).__name__}: {exc}", permanent=False)
                problems += 1
                client = _reconnect(client)
                continue
            _sent(message, worker)
            if refused:
                log.warning("mail: %s refused %s", message.message_id, refused)
            sent += 1
    finally:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            client.quit()
    return sent, problems


def _reconnect(client: smtplib.SMTP) -> smtplib.SMTP:
    with contextlib.suppress(OSError):
        client.close()
    try:
        return smtp_connect()
    except (OSError, smtplib.SMTPException):
        return client  # the next message fails fast and is retried later


def run_once(*, worker: str | None = None, limit: int = 50) -> dict[str, int]:
    """One pass: pending ingests, then due outbox rows. Returns counts."""
    worker = worker or worker_name()
    recovered = process_pending(older_than_seconds=5)
    messages = claim(worker=worker, limit=limit)
    sent, problems = send_batch(messages, worker=worker) if messages else (0, 0)
    return {"recovered": recovered, "claimed": len(messages), "sent": sent, "problems": problems}


def run_forever(
    *, interval: float = 2.0, stop: threading.Event | None = None, limit: int = 50
) -> None:
    worker = worker_name()
    stop = stop or threading.Event()
    log.info("mail worker %s started", worker)
    while not stop.is_set():
        result = run_once(worker=worker, limit=limit)
        if not result["claimed"] and not result["recovered"]:
            stop.wait(interval)
