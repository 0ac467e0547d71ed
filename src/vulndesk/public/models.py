"""What the public sees, and how publishing got there.

Public pages, feeds and security.txt read only :class:`PublishedAdvisory` (a snapshot of
the advisory's public fields, taken by the ``public-page`` publication step) and
:class:`PublicSettings`: never a report, its comments or its reporter. That is what
keeps a private report from leaking: there is nothing private to render.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.db import models

from vulndesk.accounts.models import Project, Team
from vulndesk.core import clock
from vulndesk.core.models import TimeStampedModel
from vulndesk.reports.models import Report


class StepStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed (will be retried)"


class PublicationStep(TimeStampedModel):
    """One registered step of publishing one report: its state, attempts and last error."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="publication_steps")
    name = models.CharField(max_length=64)
    order = models.IntegerField()
    status = models.CharField(max_length=10, choices=StepStatus.choices, default=StepStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    revision = models.PositiveIntegerField(default=1)
    change_note = models.TextField(blank=True)
    announce_update = models.BooleanField(default=False)

    class Meta:
        ordering = ["report", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["report", "name"], name="public_step_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id}/{self.name}: {self.status}"


class PublishedAdvisory(TimeStampedModel):
    """The public snapshot of a published report's advisory. Only this is ever rendered."""

    report = models.OneToOneField(Report, on_delete=models.PROTECT, related_name="published")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="published_advisories")
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    key = models.CharField(max_length=32, unique=True, help_text="The team's advisory id.")
    cve_id = models.CharField(max_length=32, blank=True)
    title = models.CharField(max_length=300)
    description = models.TextField()
    severity = models.CharField(max_length=10)
    cvss_vector = models.CharField(max_length=200, blank=True)
    affected_versions = models.TextField()
    affected_components = models.TextField(blank=True)
    mitigations = models.TextField(blank=True)
    credits = models.JSONField(default=list, blank=True)
    references = models.JSONField(default=list, blank=True)
    # Machine-readable ranges for OSV/CSAF: [{"introduced": "0", "fixed": "3.12.5"}, ...]
    ranges = models.JSONField(default=list, blank=True)
    revision = models.PositiveIntegerField(default=1)
    # The CSAF 2.0 document built at publication (empty when the advisory has no
    # machine-readable affected versions yet).
    csaf = models.JSONField(default=dict, blank=True)
    published_at = models.DateTimeField(default=clock.now)
    modified_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return f"{self.public_id}: {self.title}"

    @property
    def public_id(self) -> str:
        return self.cve_id or self.key

    def snapshot(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in PUBLIC_FIELDS}


PUBLIC_FIELDS = (
    "cve_id",
    "title",
    "description",
    "severity",
    "cvss_vector",
    "affected_versions",
    "affected_components",
    "mitigations",
    "credits",
    "references",
    "ranges",
)


class AdvisoryRevision(models.Model):
    """One published version of an advisory (1 = first publication), with its change note."""

    advisory = models.ForeignKey(
        PublishedAdvisory, on_delete=models.CASCADE, related_name="revisions"
    )
    number = models.PositiveIntegerField()
    at = models.DateTimeField(default=clock.now)
    change_note = models.TextField()
    snapshot = models.JSONField(default=dict)

    class Meta:
        ordering = ["advisory", "number"]
        constraints = [
            models.UniqueConstraint(fields=["advisory", "number"], name="public_revision_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.advisory_id} revision {self.number}"


class Embargo(TimeStampedModel):
    """Not before this moment: publishing is refused until then. Shown with its time zone."""

    report = models.OneToOneField(Report, on_delete=models.CASCADE, related_name="embargo")
    until = models.DateTimeField()
    timezone = models.CharField(max_length=64, default="UTC")

    def __str__(self) -> str:
        return f"{self.report_id} until {self.display()}"

    def local(self) -> dt.datetime:
        return self.until.astimezone(zoneinfo.ZoneInfo(self.timezone))

    def display(self) -> str:
        return self.local().strftime("%Y-%m-%d %H:%M %Z") + f" ({self.timezone})"


class PublicSettings(TimeStampedModel):
    """What the team's public site and /.well-known/security.txt say (RFC 9116)."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="public_settings")
    contact = models.JSONField(
        default=list, blank=True, help_text="Contact URIs (mailto:, https:); first is preferred."
    )
    encryption = models.URLField(blank=True, help_text="Where the OpenPGP key is.")
    policy = models.URLField(blank=True)
    acknowledgments = models.URLField(blank=True)
    preferred_languages = models.CharField(max_length=100, default="en")
    expires_days = models.PositiveIntegerField(default=180)
    base_url = models.URLField(
        blank=True, help_text="Public base URL, e.g. https://security.example.org"
    )
    default_site = models.BooleanField(
        default=False, help_text="Serve this team's security.txt at /.well-known/security.txt."
    )

    def __str__(self) -> str:
        return f"public settings of {self.team_id}"
