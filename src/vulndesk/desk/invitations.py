"""Inviting a collaborator to one report by email address.

A person with an account becomes a collaborator at once
(``reports.services.collaborator_invite``, which mails them the invitation). A person
without one gets the same "invite" message with a link holding a signed token: it
expires after ``INVITATION_DAYS``, is used once, and only an account holding the
invited (verified) address may accept it — so the link is useless to anyone who sees
it (e.g. on the report's timeline, where the queued mail is recorded) but the invitee.
The link lets them sign up even when open signup is off (accounts.adapter).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse

from vulndesk.accounts.models import User
from vulndesk.accounts.permissions import is_team_member
from vulndesk.core import clock
from vulndesk.core.errors import NotFound, PermissionDenied, TransitionRefused, ValidationFailed
from vulndesk.desk.models import CollaboratorInvitation
from vulndesk.reports import permissions as perms
from vulndesk.reports import services as rs
from vulndesk.reports.models import Collaborator, Report
from vulndesk.reports.timeline import record

INVITATION_DAYS = 7
SALT = "vulndesk.desk.invitation"
SESSION_KEY = "vulndesk_invitation"  # the token of the invitation being followed
INVALID = "This invitation link is not valid or has expired; ask the team for a new one."


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def invitation_url(token: str) -> str:
    return f"{settings.BASE_URL}{reverse('desk:invitation', kwargs={'token': token})}"


def _locked(report: Report) -> Report:
    return (
        Report.objects.select_for_update(of=("self",))
        .select_related("team", "reporter", "coordinator", "project")
        .get(pk=report.pk)
    )


def invitation_send(
    report: Report, *, actor: User, email: str
) -> Collaborator | CollaboratorInvitation:
    """Invite ``email`` to ``report``: a collaborator now (an account uses the address),
    or a pending invitation mailed to the address (no account yet)."""
    email = email.strip()
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        return rs.collaborator_invite(report, actor=actor, user=user)
    from vulndesk.mail import templates
    from vulndesk.mail.services import outbox_queue

    with transaction.atomic():
        report = _locked(report)
        perms.require_coordinator_or_admin(actor, report)
        if not report.is_open:
            raise TransitionRefused(f"{report.key} is closed; no one new can be invited.")
        now = clock.now()
        pending = CollaboratorInvitation.objects.filter(
            report=report, email__iexact=email, accepted_at=None, expires_at__gt=now
        ).first()
        if pending is not None:
            raise ValidationFailed(
                f"{email} is already invited to {report.key} "
                f"(the invitation is valid until {pending.expires_at:%Y-%m-%d %H:%M} UTC)."
            )
        secret = secrets.token_urlsafe(32)
        invitation = CollaboratorInvitation.objects.create(
            report=report,
            email=email.lower(),
            secret_hash=_hash(secret),
            invited_by=actor,
            created_at=now,
            expires_at=now + dt.timedelta(days=INVITATION_DAYS),
        )
        token = signing.TimestampSigner(salt=SALT).sign(secret)
        record(
            report,
            actor=actor,
            action="report:collaborator:invite",
            after={"email": invitation.email, "pending": True},
            note=f"No account uses this address yet; the link is valid for {INVITATION_DAYS} days.",
        )
        rendered = templates.render(
            "invite", report, inviter=actor.display_name, report_url=invitation_url(token)
        )
        outbox_queue(
            team=report.team,
            to=[invitation.email],
            subject=rendered.subject,
            body=rendered.body,
            report=report,
            template="invite",
            actor=actor,
        )
    return invitation


def invitation_find(token: str) -> CollaboratorInvitation:
    """The invitation ``token`` names, if the token is genuine and not expired."""
    try:
        secret = signing.TimestampSigner(salt=SALT).unsign(
            token, max_age=dt.timedelta(days=INVITATION_DAYS)
        )
    except signing.BadSignature as exc:  # also SignatureExpired
        raise ValidationFailed(INVALID) from exc
    invitation = (
        CollaboratorInvitation.objects.select_related("report", "report__team", "invited_by")
        .filter(secret_hash=_hash(secret))
        .first()
    )
    if invitation is None or invitation.expires_at <= clock.now():
        raise ValidationFailed(INVALID)
    return invitation


def _has_verified_address(user: User, email: str) -> bool:
    from allauth.account.models import EmailAddress

    return bool(EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists())


def invitation_accept(token: str, *, user: User) -> Report:
    """``user`` accepts the invitation: they become a collaborator on its one report."""
    invitation = invitation_find(token)
    with transaction.atomic():
        invitation = CollaboratorInvitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at is not None:
            raise ValidationFailed("This invitation was already used.")
        if not _has_verified_address(user, invitation.email):
            raise PermissionDenied(
                "This invitation is for another email address. Log in with (or sign up "
                "with, and verify) the address the invitation was sent to."
            )
        report = _locked(invitation.report)
        inviter = invitation.invited_by
        try:
            perms.require_coordinator_or_admin(inviter, report)
        except (PermissionDenied, NotFound) as exc:
            raise TransitionRefused(
                f"{inviter} may no longer invite collaborators to this report, so the "
                "invitation lapsed; ask the team for a new one."
            ) from exc
        if not report.is_open:
            raise TransitionRefused(f"{report.key} is closed; the invitation lapsed.")
        if is_team_member(user, report.team):
            raise ValidationFailed(f"You are on {report.team.name} and see {report.key} already.")
        Collaborator.objects.get_or_create(
            report=report, user=user, defaults={"invited_by": inviter}
        )
        invitation.accepted_at = clock.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        record(
            report,
            actor=user,
            action="report:collaborator:accept",
            after={"user": user.email, "invited_by": inviter.email},
        )
    return report


def invited_email(request: HttpRequest) -> str:
    """The address of the invitation this browser session follows ("" for none); lets
    accounts.adapter open signup for it alone."""
    token = request.session.get(SESSION_KEY, "") if hasattr(request, "session") else ""
    if not token:
        return ""
    try:
        invitation = invitation_find(str(token))
    except ValidationFailed:
        return ""
    return "" if invitation.accepted_at else invitation.email


def pending_invitation_path(request: HttpRequest) -> str:
    """The invitation page this session was following, if still pending ("" for none)."""
    token = request.session.get(SESSION_KEY, "") if hasattr(request, "session") else ""
    if not token or not invited_email(request):
        return ""
    return reverse("desk:invitation", kwargs={"token": str(token)})
