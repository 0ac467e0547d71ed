"""Writes of the mail app: queueing mail (always in the caller's transaction), templates,
team keys. Ingest lives in ingest.py, the sending worker in outbox.py."""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.db import IntegrityError, transaction

from vulndesk.accounts.models import Team, User
from vulndesk.accounts.permissions import is_team_admin, is_team_member
from vulndesk.core import clock
from vulndesk.core.errors import PermissionDenied, TransitionRefused, ValidationFailed
from vulndesk.core.messages import RenderedMessage
from vulndesk.mail import templates
from vulndesk.mail.models import MessageRef, OutboxMessage, TemplateOverride
from vulndesk.reports import permissions as perms
from vulndesk.reports.models import Comment, Report
from vulndesk.reports.timeline import record

ADDRESS_RE = re.compile(r"^[^@\s<>\"(),;:]+@[^@\s<>\"(),;:]+\.[^@\s<>\"(),;:]+$")


def team_domain(team: Team | None) -> str:
    address = team.security_address if team else ""
    return address.rpartition("@")[2] or "vulndesk.invalid"


def report_reply_address(report: Report) -> str:
    """security+PSRT-2026-0042@example.org: replies land on the report whatever the subject."""
    address = report.team.security_address
    if not address:
        return ""
    local, _, domain = address.partition("@")
    return f"{local}+{report.key}@{domain}"


def new_message_id(team: Team | None, seed: str = "") -> str:
    token = uuid.uuid5(uuid.NAMESPACE_URL, seed).hex if seed else uuid.uuid4().hex
    return f"<{token}.vulndesk@{team_domain(team)}>"


def _check_address(address: str) -> str:
    address = address.strip()
    if not ADDRESS_RE.match(address):
        raise ValidationFailed(f"{address!r} is not an email address vulndesk can send to.")
    return address


def outbox_queue(
    *,
    team: Team | None,
    to: list[str],
    subject: str,
    body: str,
    report: Report | None = None,
    template: str = "",
    dedupe_key: str | None = None,
    actor: User | None = None,
    shared: bool = False,
) -> OutboxMessage:
    """Queue one mail; call inside the transaction of the change that causes it.

    With ``dedupe_key``, queueing the same mail twice returns the first (e.g. the
    announcement of one report). The final text goes on the report's timeline.
    """
    recipients = [_check_address(a) for a in to]
    if not recipients:
        raise ValidationFailed("A mail needs at least one recipient.")
    subject = " ".join(subject.split())  # one line: no header injection through a subject
    if not subject:
        raise ValidationFailed("A mail needs a subject.")
    if report is not None and report.key not in subject and template != "announce":
        subject = f"[{report.key}] {subject}"
    if dedupe_key:
        existing = OutboxMessage.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    in_reply_to, references = "", ""
    if report is not None:
        refs = list(
            MessageRef.objects.filter(report=report)
            .order_by("id")
            .values_list("message_id", "outgoing")
        )
        incoming = [m for m, out in refs if not out]
        in_reply_to = incoming[-1] if incoming else (refs[-1][0] if refs else "")
        references = " ".join(m for m, _ in refs[-20:])
    sender = team.security_address if team and team.security_address else ""
    if not sender:
        from django.conf import settings

        sender = settings.DEFAULT_FROM_EMAIL
    message = OutboxMessage(
        team=team,
        report=report,
        template=template,
        dedupe_key=dedupe_key or None,
        from_address=sender,
        to=recipients,
        subject=subject[:998],
        body=body,
        message_id=new_message_id(team, dedupe_key or ""),
        in_reply_to=in_reply_to,
        references=references,
        reply_to=report_reply_address(report) if report is not None else "",
        created_at=clock.now(),
        next_attempt_at=clock.now(),
    )
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        if dedupe_key:
            return OutboxMessage.objects.get(dedupe_key=dedupe_key)
        raise
    if report is not None:
        MessageRef.objects.get_or_create(
            message_id=message.message_id, report=report, defaults={"outgoing": True}
        )
        record(
            report,
            actor=actor,
            action="mail:queue",
            after={
                "template": template,
                "to": recipients,
                "subject": message.subject,
                "message_id": message.message_id,
            },
            note=body,
            shared=shared,
        )
    return message


# ------------------------------------------------------------------- templated mail


def recipients_for(report: Report, template: str) -> list[str]:
    if template == "announce":
        if not report.team.announce_address:
            raise ValidationFailed(
                f"{report.team.name} has no announce address; set it to send announcements."
            )
        return [report.team.announce_address]
    return [report.reporter.email]


def mail_preview(report: Report, *, actor: User, template: str, **extra: Any) -> RenderedMessage:
    """What ``template`` says for ``report``: shown to the sender to edit before queueing."""
    perms.require_team_member(actor, report)
    return templates.render(template, report, **extra)


def mail_send(
    report: Report,
    *,
    actor: User,
    template: str,
    subject: str | None = None,
    body: str | None = None,
) -> OutboxMessage:
    """Queue a templated mail for ``report``, as previewed or as the sender edited it."""
    templates.check_name(template)
    with transaction.atomic():
        locked = (
            Report.objects.select_for_update(of=("self",))
            .select_related("team", "reporter", "project")
            .get(pk=report.pk)
        )
        perms.require_team_member(actor, locked)
        if template == "announce" and locked.state != "published":
            raise TransitionRefused(
                f"{locked.key} is not published; the announcement goes out when it is."
            )
        rendered = templates.render(template, locked)
        return outbox_queue(
            team=locked.team,
            to=recipients_for(locked, template),
            subject=subject if subject is not None else rendered.subject,
            body=body if body is not None else rendered.body,
            report=locked,
            template=template,
            actor=actor,
            shared=template != "announce",
            dedupe_key=f"announce:{locked.pk}" if template == "announce" else None,
        )


def template_set(
    team: Team, *, actor: User | None, name: str, subject: str, body: str
) -> TemplateOverride:
    """The team's own text for ``name`` (actor None: the operator's CLI)."""
    if actor is not None and not is_team_admin(actor, team):
        raise PermissionDenied(f"Only an admin of {team.name} may change its templates.")
    templates.check_name(name)
    if not subject.strip() or not body.strip():
        raise ValidationFailed("A template needs a subject and a body.")
    templates.compile_check(subject, body)
    override, _ = TemplateOverride.objects.update_or_create(
        team=team, name=name, defaults={"subject": subject, "body": body, "updated_at": clock.now()}
    )
    return override


def template_reset(team: Team, *, actor: User | None, name: str) -> bool:
    if actor is not None and not is_team_admin(actor, team):
        raise PermissionDenied(f"Only an admin of {team.name} may change its templates.")
    templates.check_name(name)
    deleted, _ = TemplateOverride.objects.filter(team=team, name=name).delete()
    return bool(deleted)


def report_draft_on_behalf(report: Report, *, actor: User, note: str = "") -> Report:
    """The reporter cannot or will not use the private form: an admin takes the emailed
    report in on their behalf (it leaves the inbox for triage, as drafted from the mail)."""
    from vulndesk.reports.services import report_triage

    perms.require_admin(actor, report)
    if report.source != "email":
        raise ValidationFailed(f"{report.key} did not come by email; there is nothing to draft.")
    with transaction.atomic():
        report_triage(
            report,
            actor=actor,
            outcome="plausible",
            note=note or "Drafted on the reporter's behalf from their email.",
        )
        record(report, actor=actor, action="mail:draft:on-behalf", note=note, shared=True)
    return report


# ------------------------------------------------------------------- workflow hooks
# Called by vulndesk.reports.services inside the action's transaction (lazy import).


def on_report_event(event: str, report: Report, *, actor: User | None, **extra: Any) -> None:
    """Queue the mail a workflow action causes: one line in the report service each."""
    if event == "reject":
        _to_reporter(report, "reject", actor=actor)
    elif event == "tell-reporter":
        _to_reporter(report, "accept", actor=actor, body=extra.get("body") or None)
    elif event == "invite":
        user: User = extra["user"]
        rendered = templates.render(
            "invite", report, inviter=actor.display_name if actor else report.team.name
        )
        outbox_queue(
            team=report.team,
            to=[user.email],
            subject=rendered.subject,
            body=rendered.body,
            report=report,
            template="invite",
            actor=actor,
        )
    elif event == "shared-comment":
        comment: Comment = extra["comment"]
        if actor is not None and is_team_member(actor, report.team):
            _to_reporter(report, "comment", actor=actor, comment=comment)


def _to_reporter(
    report: Report, template: str, *, actor: User | None, body: str | None = None, **extra: Any
) -> OutboxMessage:
    rendered = templates.render(template, report, **extra)
    return outbox_queue(
        team=report.team,
        to=[report.reporter.email],
        subject=rendered.subject,
        body=body if body is not None else rendered.body,
        report=report,
        template=template,
        actor=actor,
        shared=True,
    )


def announcement_queue(
    report: Report, *, actor: User | None = None, revision: int = 1
) -> OutboxMessage | None:
    """Queue the advisory announcement of a published report, once per revision
    (idempotent: queueing it again returns the first).

    None when the team has no announce address (recorded on the timeline).
    """
    if not report.team.announce_address:
        record(
            report,
            actor=actor,
            action="mail:announce:skip",
            note=f"{report.team.name} has no announce address.",
        )
        return None
    rendered = templates.render("announce", report)
    return outbox_queue(
        team=report.team,
        to=[report.team.announce_address],
        subject=rendered.subject,
        body=rendered.body,
        report=report,
        template="announce",
        dedupe_key=f"announce:{report.pk}" + (f":r{revision}" if revision > 1 else ""),
        actor=actor,
    )


def step_announcement(report: Report, context: Any) -> dict[str, Any]:
    """The "announcement" publication step (vulndesk.public.publication): queue the mail.

    Idempotent (the dedupe key); an update after publication is announced only when
    the publisher asked for it.
    """
    if context.is_update and not context.announce_update:
        return {"skipped": "an update without a new announcement"}
    message = announcement_queue(report, actor=context.actor, revision=context.revision)
    if message is None:
        return {"skipped": f"{report.team.name} has no announce address"}
    return {"message_id": message.message_id, "to": message.to, "outbox": message.pk}
