"""The fix plan per branch, what GitHub says of each fix PR, and the GitHub advisory link."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from vulndesk.core.models import TimeStampedModel
from vulndesk.reports.models import FixPR, Report


class FixTarget(TimeStampedModel):
    """A branch that needs the fix (every supported branch the advisory lists as affected).

    Publishing needs, per target, a merged PR carrying the policy's labels, or a waiver
    with a reason (e.g. "3.9 is end of life, security fixes only by request")."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="fix_targets")
    branch = models.CharField(max_length=100)
    waived_reason = models.TextField(blank=True)
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    waived_at = models.DateTimeField(null=True, blank=True)
    first_release = models.CharField(
        max_length=64, blank=True, help_text="The first release that contains the fix."
    )

    class Meta:
        ordering = ["report", "branch"]
        constraints = [
            models.UniqueConstraint(fields=["report", "branch"], name="fixes_target_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id}@{self.branch}"

    @property
    def waived(self) -> bool:
        return self.waived_at is not None


class PRStatus(TimeStampedModel):
    """What GitHub last said of a fix PR (its labels and merge live on FixPR itself)."""

    fix_pr = models.OneToOneField(FixPR, on_delete=models.CASCADE, related_name="github")
    state = models.CharField(max_length=20, blank=True)
    title = models.CharField(max_length=300, blank=True)
    base_ref = models.CharField(max_length=100, blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.fix_pr_id}: {self.state}"


class AdvisoryLink(TimeStampedModel):
    """The GitHub repository security advisory (GHSA) that mirrors a report."""

    report = models.OneToOneField(Report, on_delete=models.CASCADE, related_name="ghsa")
    repository = models.CharField(max_length=200, help_text="owner/name")
    ghsa_id = models.CharField(max_length=32)
    state = models.CharField(max_length=20, blank=True)
    html_url = models.URLField(blank=True)
    private_fork = models.CharField(max_length=200, blank=True, help_text="owner/name")
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["repository", "ghsa_id"], name="fixes_ghsa_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.repository} {self.ghsa_id}"
