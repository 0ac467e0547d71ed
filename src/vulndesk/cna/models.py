"""The CVE ID pool of a team, its CNA policy, and the outbox of CVE Services requests."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from vulndesk.accounts.models import Team
from vulndesk.core import clock
from vulndesk.core.models import TimeStampedModel
from vulndesk.reports.models import Report


class CveIdState(models.TextChoices):
    AVAILABLE = "available", "Available (reserved, not given to a report)"
    ASSIGNED = "assigned", "Assigned to a report"
    PUBLISHED = "published", "Published"
    REJECTED = "rejected", "Rejected"


class CveIdSource(models.TextChoices):
    RESERVED = "reserved", "Reserved through CVE Services"
    LOADED = "loaded", "Loaded (reserved elsewhere)"
    MANUAL = "manual", "Entered on a report"
    SYNCED = "synced", "Found on CVE Services"


class CveId(TimeStampedModel):
    """One CVE ID a team holds. ``report`` is set while it is assigned or published.

    An ID is unique across the whole deployment, so it can never be held by two teams,
    and at most one ID row points at a report while it is assigned.
    """

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="cve_ids")
    cve_id = models.CharField("CVE ID", max_length=32, unique=True)
    year = models.PositiveIntegerField()
    # 64-bit: the sequence part may have up to 19 digits (see services.NUMBER_CEILING).
    number = models.PositiveBigIntegerField(help_text="The sequence part, for ordering.")
    state = models.CharField(max_length=10, choices=CveIdState.choices)
    source = models.CharField(max_length=10, choices=CveIdSource.choices)
    reserved_at = models.DateTimeField(default=clock.now)
    report = models.ForeignKey(
        Report, null=True, blank=True, on_delete=models.PROTECT, related_name="cve_ids"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    remote_state = models.CharField(
        max_length=12, blank=True, help_text="State last seen on CVE Services (RESERVED, …)."
    )

    class Meta:
        ordering = ["year", "number", "cve_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["report"],
                condition=models.Q(state="assigned"),
                name="cna_cveid_one_assigned_per_report",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="assigned") | models.Q(report__isnull=False),
                name="cna_cveid_assigned_has_report",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="available") | models.Q(report__isnull=True),
                name="cna_cveid_available_has_no_report",
            ),
        ]
        indexes = [models.Index(fields=["team", "state", "year", "number"], name="cna_pool_idx")]

    def __str__(self) -> str:
        return f"{self.cve_id} ({self.state})"


class WithdrawPolicy(models.TextChoices):
    RELEASE = "release", "Release the ID back to the pool"
    REJECT = "reject", "Reject the ID at CVE Services"
    KEEP = "keep", "Keep it on the withdrawn report"


class CnaSettings(TimeStampedModel):
    """A team's CNA policy. A team without a row uses the defaults below."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="cna_settings")
    auto_assign = models.BooleanField(
        default=True, help_text="Give a pool ID to a report when it is accepted."
    )
    on_withdraw = models.CharField(
        max_length=10, choices=WithdrawPolicy.choices, default=WithdrawPolicy.RELEASE
    )
    require_pool = models.BooleanField(
        default=False,
        help_text="Refuse CVE IDs that are not in the team's pool (IDs typed on a report).",
    )
    pool_min = models.PositiveIntegerField(
        default=0, help_text="Top up from CVE Services when fewer IDs are available."
    )
    pool_target = models.PositiveIntegerField(default=0, help_text="Top up to this many.")
    sequential = models.BooleanField(
        default=False, help_text="Reserve blocks sequentially (else non-sequentially)."
    )
    publish_records = models.BooleanField(
        default=False,
        help_text="Create the CVE record at CVE Services when a report is published.",
    )

    def __str__(self) -> str:
        return f"CNA settings of {self.team_id}"


class CveRequestKind(models.TextChoices):
    PUBLISH = "publish", "Publish the record"
    UPDATE = "update", "Update the published record"
    REJECT = "reject", "Reject the ID"


class CveRequestState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RETRY = "retry", "Awaiting retry"
    FAILED = "failed", "Failed (needs a person)"
    DONE = "done", "Done"


class CveRequest(TimeStampedModel):
    """An outbox row: one write to CVE Services, stored before it is sent.

    Written in the same transaction as the change that causes it, sent afterwards;
    a failure keeps the row (and the payload) with the error, to retry.
    """

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    cve = models.ForeignKey(CveId, on_delete=models.PROTECT, related_name="requests")
    kind = models.CharField(max_length=10, choices=CveRequestKind.choices)
    state = models.CharField(
        max_length=10, choices=CveRequestState.choices, default=CveRequestState.QUEUED
    )
    payload = models.JSONField(default=dict, help_text="The CNA container sent.")
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(default=clock.now)
    done_at = models.DateTimeField(null=True, blank=True)
    response = models.JSONField(default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="cna_request_due_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.cve.cve_id} ({self.state})"
