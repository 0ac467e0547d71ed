"""API tokens and the rate-limit counters they are held to."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from vulndesk.accounts.models import Team
from vulndesk.core import clock


class Scope(models.TextChoices):
    """What a token may do; each scope includes the ones before it."""

    READ = "read", "Read what the user may see"
    ACT = "act", "Act: workflow actions, comments, new reports"
    ADMIN = "admin", "Administer teams: members, projects, webhooks"


SCOPE_RANK = {Scope.READ: 0, Scope.ACT: 1, Scope.ADMIN: 2}


class ApiToken(models.Model):
    """A personal API token. The secret is shown once and stored only as a SHA-256 hash.

    The token never sees more than its user; ``team`` narrows it to one team's reports.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True, help_text="Shown to tell tokens apart.")
    secret_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix} ({self.name}, {self.user})"

    @property
    def rank(self) -> int:
        return max((SCOPE_RANK.get(Scope(s), -1) for s in self.scopes), default=-1)

    def allows(self, scope: str) -> bool:
        return self.rank >= SCOPE_RANK[Scope(scope)]


class RateCounter(models.Model):
    """Requests per key (token or client address) in one fixed window.

    In the database so that every app server process counts against the same limit.
    """

    key = models.CharField(max_length=100)
    window = models.BigIntegerField(help_text="Window start, seconds since the epoch.")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window"], name="api_ratecounter_unique"),
        ]
        indexes = [models.Index(fields=["window"], name="api_ratecounter_window_idx")]

    def __str__(self) -> str:
        return f"{self.key}@{self.window}: {self.count}"
