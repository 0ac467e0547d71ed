"""Mail: every message that came in (kept raw), what it became, and the outbox."""

from __future__ import annotations

from django.db import models

from vulndesk.accounts.models import Team
from vulndesk.core import clock
from vulndesk.reports.models import Comment, Report


class RawMessage(models.Model):
    """One received message, every byte as delivered, stored before any parsing.

    Content-addressed: the same bytes delivered twice are one row (``sha256``).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Stored, not processed yet"
        PROCESSED = "processed", "Processed"
        FLAGGED = "flagged", "Processed, with problems flagged"
        FAILED = "failed", "Could not be processed; kept raw for an admin"

    class Kind(models.TextChoices):
        UNKNOWN = "", "Not decided yet"
        NEW_REPORT = "new_report", "Became a new report"
        COMMENT = "comment", "Threaded onto a report"
        AUTO_REPLY = "auto_reply", "Auto-reply (not answered)"
        BOUNCE = "bounce", "Delivery status notification"
        UNROUTED = "unrouted", "No team for its recipients"

    sha256 = models.CharField(max_length=64, unique=True)
    data = models.BinaryField()
    size = models.PositiveIntegerField()
    source = models.CharField(max_length=10)  # stdin, imap, smtp, lmtp
    envelope_to = models.JSONField(default=list, blank=True)
    message_id = models.CharField(max_length=998, blank=True, db_index=True)
    received_at = models.DateTimeField(default=clock.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.UNKNOWN, blank=True)
    flags = models.JSONField(default=list, blank=True)  # [{"code": ..., "reason": ...}]
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL)
    report = models.ForeignKey(
        Report, null=True, blank=True, on_delete=models.SET_NULL, related_name="raw_messages"
    )
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.SET_NULL)
    sender = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    encrypted = models.BooleanField(default=False)
    signature = models.CharField(max_length=20, blank=True)  # good, bad, no-public-key, ""
    signer_fingerprint = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["status", "received_at"], name="mail_raw_status_idx")]

    def __str__(self) -> str:
        return f"{self.sha256[:12]} {self.subject[:40]} ({self.status})"


class MessageRef(models.Model):
    """A Message-ID vulndesk received or sent for a report: what replies are threaded by."""

    message_id = models.CharField(max_length=998, db_index=True)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="+")
    outgoing = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message_id", "report"], name="mail_messageref_unique")
        ]

    def __str__(self) -> str:
        return f"{self.message_id} -> {self.report_id}"


class Attachment(models.Model):
    """A file that came with a message; served only as a download to those who see the report."""

    raw = models.ForeignKey(RawMessage, on_delete=models.CASCADE, related_name="attachments")
    report = models.ForeignKey(
        Report, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    data = models.BinaryField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.size} bytes)"


class OutboxMessage(models.Model):
    """One mail to send, written in the same transaction as the change that caused it.

    The worker claims rows with a lease (``leased_until``); a crashed worker's lease
    expires and another takes the row over. ``message_id`` is fixed when queued so a
    re-send after a crash carries the same Message-ID (receivers drop the duplicate).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Being sent (leased)"
        RETRY = "retry", "Awaiting retry"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed for good"

    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL)
    report = models.ForeignKey(
        Report, null=True, blank=True, on_delete=models.SET_NULL, related_name="outbox"
    )
    template = models.CharField(max_length=64, blank=True)
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    from_address = models.CharField(max_length=320)
    to = models.JSONField(default=list)
    subject = models.CharField(max_length=998)
    body = models.TextField()
    message_id = models.CharField(max_length=998, unique=True)
    in_reply_to = models.CharField(max_length=998, blank=True)
    references = models.TextField(blank=True)
    reply_to = models.CharField(max_length=320, blank=True)
    payload = models.BinaryField(null=True, blank=True)  # the exact bytes, fixed at 1st attempt
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=clock.now)
    leased_until = models.DateTimeField(null=True, blank=True)
    leased_by = models.CharField(max_length=100, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=clock.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="mail_outbox_due_idx")]

    def __str__(self) -> str:
        return f"{self.subject[:50]} -> {', '.join(self.to)} ({self.status})"


class OutboxAttempt(models.Model):
    """Every try to send an outbox message, with its outcome."""

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="tries")
    at = models.DateTimeField(default=clock.now)
    worker = models.CharField(max_length=100)
    ok = models.BooleanField(default=False)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {'ok' if self.ok else self.error[:60]}"


class TemplateOverride(models.Model):
    """A team's own text for one message template (the shipped file is the default)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="template_overrides")
    name = models.CharField(max_length=64)
    subject = models.TextField()
    body = models.TextField()
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="mail_templateoverride_unique")
        ]

    def __str__(self) -> str:
        return f"{self.team_id}/{self.name}"


class TeamKey(models.Model):
    """The team's OpenPGP key: public part here (downloadable), secret part in GnuPG's home."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="pgp_key")
    fingerprint = models.CharField(max_length=64)
    public_key = models.TextField()
    created_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return self.fingerprint


class ReporterKey(models.Model):
    """A reporter's OpenPGP public key: replies to that address are encrypted to it."""

    email = models.EmailField(unique=True)
    fingerprint = models.CharField(max_length=64)
    public_key = models.TextField()
    created_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"{self.email} {self.fingerprint}"
