"""Desk records: invitations to collaborate on one report, sent to people without an account."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from vulndesk.core import clock
from vulndesk.reports.models import Report


class CollaboratorInvitation(models.Model):
    """A pending invitation of an email address to one report.

    The link carries a signed token; only the SHA-256 of its secret part is stored.
    It expires (``expires_at``), is used once (``accepted_at``), and only an account
    holding the invited, verified address may accept it. Accepting makes a
    ``reports.Collaborator``: from then on the person is an ordinary collaborator.
    """

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    secret_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["report", "email"], name="desk_invitation_report_idx")]

    def __str__(self) -> str:
        return f"{self.email} to {self.report_id}"
