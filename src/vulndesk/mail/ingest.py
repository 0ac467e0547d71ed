"""One ingest for every way mail comes in (stdin pipe, IMAP poll, SMTP/LMTP listener).

1. ``raw_store``: the bytes are committed first, content-addressed (sha256), before any
   parsing: a crash or a parser bug afterwards never loses the message, and a re-delivery
   of the same bytes finds the row that is already there.
2. ``raw_process``: in one transaction, parse, route to a team, thread onto a report or
   file a new one, keep attachments, and mark the row processed (or flagged). A crash
   rolls it back to "pending"; the next delivery or the worker picks it up again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import signal
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from vulndesk.accounts.models import Membership, Team, User
from vulndesk.core import clock
from vulndesk.mail.models import Attachment, MessageRef, RawMessage
from vulndesk.mail.parse import Parsed, clean_text, parse_message
from vulndesk.reports.models import Collaborator, Comment, Report, Source
from vulndesk.reports.timeline import record

log = logging.getLogger(__name__)

KEY_IN_SUBJECT = re.compile(r"\[([A-Z][A-Z0-9]{1,11}-\d{4}-\d{4,})\]")
KEY_IN_ADDRESS = re.compile(r"^[^@+]+\+([A-Za-z][A-Za-z0-9]{1,11}-\d{4}-\d{4,})@")


def fault(point: str) -> None:
    """Die like kill -9 at ``point`` when VULNDESK_FAULT names it (tests of crash safety).

    Honoured only outside production.
    """
    if not settings.PRODUCTION and os.environ.get("VULNDESK_FAULT") == point:
        os.kill(os.getpid(), signal.SIGKILL)


def raw_store(
    data: bytes, *, source: str, envelope_to: Iterable[str] = ()
) -> tuple[RawMessage, bool]:
    """Commit the bytes; (row, created). The same bytes twice are one row."""
    digest = hashlib.sha256(data).hexdigest()
    existing = RawMessage.objects.filter(sha256=digest).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            raw = RawMessage.objects.create(
                sha256=digest,
                data=data,
                size=len(data),
                source=source,
                envelope_to=[clean_text(a, 320).lower() for a in envelope_to],
                received_at=clock.now(),
            )
    except IntegrityError:  # a concurrent delivery of the same bytes won the race
        return RawMessage.objects.get(sha256=digest), False
    return raw, True


def ingest_bytes(
    data: bytes, *, source: str, envelope_to: Iterable[str] = (), team: Team | None = None
) -> RawMessage:
    """Store, then process, one received message. Returns its (possibly earlier) row."""
    raw, _created = raw_store(data, source=source, envelope_to=envelope_to)
    fault("ingest:after-store")
    if raw.status == RawMessage.Status.PENDING:
        raw = raw_process(raw.pk, team=team)
    return raw


def raw_process(pk: int, *, team: Team | None = None) -> RawMessage:
    """Process a stored message once (a row already processed is left alone)."""
    with transaction.atomic():
        raw = RawMessage.objects.select_for_update().get(pk=pk)
        if raw.status != RawMessage.Status.PENDING:
            return raw
        try:
            with transaction.atomic():
                _process(raw, team)
                fault("ingest:before-commit")
        except Exception as exc:  # a bug of ours: keep the message, flag it for an admin
            log.exception("mail: could not process raw message %s", raw.sha256)
            raw.refresh_from_db()
            raw.status = RawMessage.Status.FAILED
            raw.flags = [
                *raw.flags,
                {
                    "code": "processing-error",
                    "reason": f"vulndesk could not process it ({type(exc).__name__}: {exc}); "
                    "it is kept raw for an admin.",
                },
            ]
            raw.processed_at = clock.now()
            raw.save()
    return raw


def process_pending(*, older_than_seconds: float = 0, limit: int = 100) -> int:
    """Process stored messages a crash left pending (the worker calls this)."""
    import datetime as dt

    cutoff = clock.now() - dt.timedelta(seconds=older_than_seconds)
    ids = list(
        RawMessage.objects.filter(status=RawMessage.Status.PENDING, received_at__lte=cutoff)
        .order_by("received_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    for pk in ids:
        raw_process(pk)
    return len(ids)


# ------------------------------------------------------------------- processing


def _process(raw: RawMessage, team_hint: Team | None) -> None:
    data = bytes(raw.data)
    parsed = parse_message(data)
    if parsed.encrypted_parts or parsed.signed or parsed.inline_signed:
        from vulndesk.mail.pgp import open_incoming

        open_incoming(raw, parsed)
    raw.message_id = clean_text(parsed.message_id, 998)
    raw.sender = parsed.sender
    raw.subject = clean_text(parsed.subject, 300)
    raw.processed_at = clock.now()
    team, key_from_address = _route(parsed, raw.envelope_to, team_hint)
    raw.team = team
    if team is None:
        addresses = ", ".join(sorted(set(raw.envelope_to + parsed.recipients))) or "none"
        parsed.flag("no-team", f"None of the recipients ({addresses}) is a team's address.")
        raw.kind = RawMessage.Kind.UNROUTED
        _finish(raw, parsed)
        return
    duplicate = _duplicate_of(raw, parsed)
    if duplicate is not None:
        parsed.flag(
            "duplicate",
            f"A re-delivery of {parsed.message_id} (first stored as {duplicate.sha256[:12]}).",
        )
        raw.kind = duplicate.kind
        raw.report = duplicate.report
        _finish(raw, parsed)
        return
    report = _thread(parsed, team, key_from_address)
    if parsed.bounce or parsed.auto_reply:
        raw.kind = RawMessage.Kind.BOUNCE if parsed.bounce else RawMessage.Kind.AUTO_REPLY
        raw.report = report
        if report is not None:
            record(
                report,
                actor=None,
                action=f"mail:{'bounce' if parsed.bounce else 'auto-reply'}:receive",
                after={"from": parsed.sender, "subject": raw.subject, "raw": raw.sha256},
                label=parsed.sender or "mail",
            )
        _finish(raw, parsed)
        return
    if report is not None:
        raw.kind = RawMessage.Kind.COMMENT
        raw.report = report
        raw.comment = _comment(report, parsed)
    elif not parsed.sender:
        raw.kind = RawMessage.Kind.UNROUTED
        parsed.flag("no-report", "Without a sender address it cannot become a report.")
    else:
        raw.kind = RawMessage.Kind.NEW_REPORT
        raw.report = _new_report(team, parsed)
    _finish(raw, parsed)


def _finish(raw: RawMessage, parsed: Parsed) -> None:
    raw.flags = [f.as_dict() for f in parsed.flags]
    raw.status = RawMessage.Status.FLAGGED if parsed.flags else RawMessage.Status.PROCESSED
    raw.save()
    if raw.report is not None:
        for attachment in parsed.attachments:
            Attachment.objects.create(
                raw=raw,
                report=raw.report,
                filename=attachment.filename,
                content_type=attachment.content_type,
                size=len(attachment.data),
                sha256=hashlib.sha256(attachment.data).hexdigest(),
                data=attachment.data,
            )
        if parsed.message_id:
            MessageRef.objects.get_or_create(message_id=parsed.message_id, report=raw.report)


def _team_addresses() -> dict[str, Team]:
    return {t.security_address.lower(): t for t in Team.objects.exclude(security_address="").all()}


def _route(parsed: Parsed, envelope_to: list[str], hint: Team | None) -> tuple[Team | None, str]:
    """The team the message is for, and a report key from a security+KEY@ address."""
    addresses = _team_addresses()
    key = ""
    found: Team | None = None
    for given in [*envelope_to, *parsed.recipients]:
        address = given.lower()
        match = KEY_IN_ADDRESS.match(address)
        base = address
        if match:
            local, _, domain = address.partition("@")
            base = f"{local.split('+', 1)[0]}@{domain}"
        team = addresses.get(base)
        if team is not None and (hint is None or team.pk == hint.pk):
            found = found or team
            if match and not key:
                key = match.group(1).upper()
    if hint is not None:
        return hint, key
    if found is None and len(addresses) == 1 and Team.objects.count() == 1:
        found = next(iter(addresses.values()))
    return found, key


def _duplicate_of(raw: RawMessage, parsed: Parsed) -> RawMessage | None:
    if not parsed.message_id:
        return None
    return (
        RawMessage.objects.filter(message_id=parsed.message_id, sender=parsed.sender)
        .exclude(pk=raw.pk)
        .exclude(status=RawMessage.Status.PENDING)
        .order_by("id")
        .first()
    )


def _thread(parsed: Parsed, team: Team, key_from_address: str) -> Report | None:
    """The report this message answers: by Message-ID, then reply address, then subject tag."""
    ids = [*parsed.references, *parsed.bounced_message_ids]
    if parsed.in_reply_to:
        ids.append(parsed.in_reply_to)
    if ids:
        ref = (
            MessageRef.objects.filter(message_id__in=ids, report__team=team)
            .select_related("report")
            .order_by("-id")
            .first()
        )
        if ref is not None:
            return ref.report
    keys = [key_from_address] if key_from_address else []
    keys += KEY_IN_SUBJECT.findall(parsed.subject.upper())
    for key in keys:
        report = Report.objects.filter(team=team, key=key).first()
        if report is not None:
            return report
    return None


def _user_for(address: str) -> User | None:
    if not address:
        return None
    return User.objects.filter(email__iexact=address).first()


def _comment(report: Report, parsed: Parsed) -> Comment:
    """The message as a comment from its sender: shared when the reporter wrote it."""
    sender = parsed.sender
    user = _user_for(sender)
    is_reporter = sender and sender == report.reporter.email.lower()
    on_team = user is not None and Membership.objects.filter(team=report.team, user=user).exists()
    invited = user is not None and Collaborator.objects.filter(report=report, user=user).exists()
    if not (is_reporter or on_team or invited):
        parsed.flag(
            "not-a-participant",
            f"{sender or 'An unknown sender'} is neither the reporter nor on the team; "
            "the message is an internal comment only the team sees.",
        )
    visibility = Comment.Visibility.SHARED if is_reporter else Comment.Visibility.INTERNAL
    body = parsed.body.strip() or "(no text)"
    if parsed.attachments:
        names = ", ".join(a.filename for a in parsed.attachments)
        body += f"\n\n[attachments: {names}]"
    comment = Comment.objects.create(
        report=report,
        author=user,
        author_email="" if user else sender,
        visibility=visibility,
        body=body,
        created_at=clock.now(),
    )
    record(
        report,
        actor=user,
        action=f"comment:{visibility}:add",
        after={"comment": comment.pk, "via": "email"},
        shared=visibility == Comment.Visibility.SHARED,
        label="" if user else (sender or "mail"),
    )
    return comment


def _new_report(team: Team, parsed: Parsed) -> Report:
    from vulndesk.mail.services import outbox_queue
    from vulndesk.mail.templates import render
    from vulndesk.reports.services import report_create

    body = parsed.body.strip()
    if parsed.html_only:
        body = "(converted from HTML mail)\n\n" + body
    report = report_create(
        team=team,
        reporter_email=parsed.sender,
        reporter_name=parsed.sender_name,
        title=parsed.subject or "(no subject)",
        body=body,
        source=Source.EMAIL,
        actor=None,
    )
    serious = {"header-injection", "unparseable", "no-headers", "not-a-participant"}
    if settings.VULNDESK_MAIL_ACKNOWLEDGE and not serious & {f.code for f in parsed.flags}:
        if parsed.message_id:
            MessageRef.objects.get_or_create(message_id=parsed.message_id, report=report)
        rendered = render("ack", report)
        outbox_queue(
            team=team,
            to=[parsed.sender],
            subject=rendered.subject,
            body=rendered.body,
            report=report,
            template="ack",
            shared=True,
        )
    return report


def ingest_summary(raw: RawMessage) -> dict[str, Any]:
    return {
        "sha256": raw.sha256,
        "status": raw.status,
        "kind": raw.kind,
        "report": raw.report.key if raw.report_id and raw.report else None,
        "message_id": raw.message_id,
        "flags": raw.flags,
    }
