"""Inviting a collaborator to one report by email address."""

from __future__ import annotations

from vulndesk.accounts.models import User
from vulndesk.core.errors import ValidationFailed
from vulndesk.reports import services as rs
from vulndesk.reports.models import Collaborator, Report


def invitation_send(report: Report, *, actor: User, email: str) -> Collaborator:
    """Invite ``email`` to ``report``: a person with an account becomes a collaborator
    at once (reports.services.collaborator_invite, which mails them the invitation)."""
    email = email.strip()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        raise ValidationFailed(f"No account uses {email}; ask them to sign up first.")
    return rs.collaborator_invite(report, actor=actor, user=user)
