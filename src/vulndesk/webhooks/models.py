"""Outgoing webhooks: a team's subscriptions, the deliveries (an outbox) and their attempts."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from vulndesk.accounts.models import Team
from vulndesk.core import clock


class EventType(models.TextChoices):
    REPORT_CREATED = "report.created", "A report was filed"
    STATE_CHANGED = "report.state_changed", "A report changed state"
    REPORT_UPDATED = "report.updated", "Coordinator, CVE ID, severity, fix, advisory or credit"
    COMMENT_ADDED = "comment.added", "A comment was added"
    REPORT_PUBLISHED = "report.published", "An advisory was published"


class Webhook(models.Model):
    """A team's subscription: which events go to which URL, signed with ``secret``.

    Only hooks marked ``private`` receive internal details (titles of unpublished reports,
    notes, comment text); the others get the report key, the event and the state.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=100, help_text="HMAC-SHA256 key; shown once.")
    events = models.JSONField(default=list)
    private = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.team.slug} -> {self.url}"


class Delivery(models.Model):
    """One event for one hook. Written in the transaction of the change that caused it;
    a worker claims it with a conditional UPDATE (a lease) and posts it until it lands."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        IN_FLIGHT = "in_flight", "In flight"
        RETRY = "retry", "Awaiting retry"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed (gave up)"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40, choices=EventType.choices)
    body = models.TextField(help_text="The exact JSON sent (and signed) on every attempt.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=clock.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhooks_delivery_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event} -> {self.webhook_id} ({self.status})"


class DeliveryAttempt(models.Model):
    """The delivery log: every POST, its answer or error, and how long it took."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField(default=clock.now)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} at {self.at}: {self.status_code or self.error}"
