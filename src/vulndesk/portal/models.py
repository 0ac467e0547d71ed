"""Portal records: a report sent through the private form by someone not logged in,
held until they prove they own the email address they gave."""

from __future__ import annotations

from django.db import models

from vulndesk.accounts.models import Team
from vulndesk.core import clock
from vulndesk.reports.models import Report


class PendingReport(models.Model):
    """A submission of the private form waiting for its email address to be verified.

    Nobody on the team sees it: it becomes a report (``report``) only when the link
    mailed to ``email`` is followed and confirmed. The link carries a signed token; only
    the SHA-256 of its secret part is stored. It expires (``expires_at``) and is used
    once (``filed_at``); once filed, ``data`` is emptied (the report holds the text).
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField()
    data = models.JSONField(default=dict, help_text="The form's cleaned fields.")
    secret_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()
    filed_at = models.DateTimeField(null=True, blank=True)
    report = models.ForeignKey(
        Report, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["expires_at"], name="portal_pending_expires_idx")]

    def __str__(self) -> str:
        return f"{self.email} to {self.team_id} ({'filed' if self.filed_at else 'pending'})"
