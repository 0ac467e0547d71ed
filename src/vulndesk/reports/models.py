"""The case: a vulnerability report, its people, comments, fix PRs and timeline."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models

from vulndesk.accounts.models import Project, Reporter, Team
from vulndesk.core import clock
from vulndesk.core.models import TimeStampedModel


class State(models.TextChoices):
    NEW = "new", "New"
    TRIAGE = "triage", "In triage"
    ACCEPTED = "accepted", "Accepted"
    FIXING = "fixing", "Fixing"
    FIXED = "fixed", "Fixed"
    PUBLISHED = "published", "Published"
    SPAM = "spam", "Closed as spam"
    MISDIRECTED = "misdirected", "Closed: wrong project"
    REJECTED = "rejected", "Rejected: not a vulnerability"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN_STATES = frozenset({State.NEW, State.TRIAGE, State.ACCEPTED, State.FIXING, State.FIXED})
CLOSED_STATES = frozenset({State.SPAM, State.MISDIRECTED, State.REJECTED, State.WITHDRAWN})


class Source(models.TextChoices):
    EMAIL = "email", "Email"
    WEB = "web", "Web form"
    API = "api", "API"
    DRAFTED = "drafted", "Drafted on the reporter's behalf"
    GHSA = "ghsa", "GitHub private vulnerability report"
    IMPORT = "import", "Imported record"


class Severity(models.TextChoices):
    LOW = "Low", "Low"
    MEDIUM = "Medium", "Medium"
    HIGH = "High", "High"
    CRITICAL = "Critical", "Critical"


class FixApproach(models.TextChoices):
    PUBLIC = "public", "Public PR"
    PRIVATE = "private", "Private fix first"


class FixProvider(models.TextChoices):
    REPORTER = "reporter", "The reporter"
    CORE_DEVELOPER = "core-developer", "A core developer"
    TEAM_MEMBER = "team-member", "A team member"


class CreditType(models.TextChoices):
    """The CVE JSON 5 credit types."""

    FINDER = "finder", "Finder"
    REPORTER = "reporter", "Reporter"
    ANALYST = "analyst", "Analyst"
    COORDINATOR = "coordinator", "Coordinator"
    REMEDIATION_DEVELOPER = "remediation developer", "Remediation developer"
    REMEDIATION_REVIEWER = "remediation reviewer", "Remediation reviewer"
    REMEDIATION_VERIFIER = "remediation verifier", "Remediation verifier"
    TOOL = "tool", "Tool"
    SPONSOR = "sponsor", "Sponsor"
    OTHER = "other", "Other"


class KeySequence(models.Model):
    """The last report number given per team and year; locked to hand out the next."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "year"], name="reports_keysequence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.team_id}/{self.year}: {self.last}"


class Report(TimeStampedModel):
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="reports")
    key = models.CharField(max_length=32, unique=True, editable=False)
    year = models.PositiveIntegerField(editable=False)
    number = models.PositiveIntegerField(editable=False)
    source = models.CharField(max_length=10, choices=Source.choices)
    reporter = models.ForeignKey(Reporter, on_delete=models.PROTECT, related_name="reports")
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.PROTECT, related_name="reports"
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.NEW)
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="coordinated_reports",
    )

    # Decision
    cve_id = models.CharField("CVE ID", max_length=32, blank=True)
    severity = models.CharField(max_length=10, choices=Severity.choices, blank=True)
    cvss_vector = models.CharField("CVSS vector", max_length=200, blank=True)
    close_reason = models.TextField(blank=True)

    # Fix
    fix_approach = models.CharField(max_length=10, choices=FixApproach.choices, blank=True)
    fix_provider = models.CharField(max_length=20, choices=FixProvider.choices, blank=True)
    private_fix_url = models.URLField(blank=True)

    # Advisory
    advisory_title = models.CharField(max_length=300, blank=True)
    advisory_description = models.TextField(blank=True)
    affected_versions = models.TextField(
        blank=True, help_text='In words, e.g. "Python 3.9 and earlier".'
    )
    affected_components = models.TextField(
        blank=True, help_text="Modules, functions, classes or methods, one per line."
    )
    affects_whole_project = models.BooleanField(default=False)
    mitigations = models.TextField(blank=True)

    # Reporter credit
    credit_wanted = models.BooleanField(null=True, blank=True)
    credit_name = models.CharField(max_length=200, blank=True)
    credit_type = models.CharField(
        max_length=24, choices=CreditType.choices, default=CreditType.FINDER, blank=True
    )

    # Milestones
    triaged_at = models.DateTimeField(null=True, blank=True)
    coordinator_assigned_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    cve_assigned_at = models.DateTimeField(null=True, blank=True)
    severity_set_at = models.DateTimeField(null=True, blank=True)
    reporter_told_at = models.DateTimeField(null=True, blank=True)
    credit_asked_at = models.DateTimeField(null=True, blank=True)
    credit_answered_at = models.DateTimeField(null=True, blank=True)
    fix_started_at = models.DateTimeField(null=True, blank=True)
    private_fix_approved_at = models.DateTimeField(null=True, blank=True)
    fixed_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    cve_published_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "year", "number"], name="reports_report_number_unique"
            ),
            models.UniqueConstraint(
                fields=["cve_id"],
                condition=~models.Q(cve_id=""),
                name="reports_report_cve_id_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["team", "state", "-created_at"], name="reports_team_state_idx"),
            models.Index(fields=["coordinator", "state"], name="reports_coordinator_idx"),
            # The desk inbox (desk/selectors_inbox.py): keyset pages of a team, newest
            # first, and the version of its cached queue counts (latest change).
            models.Index(fields=["team", "-created_at", "-id"], name="reports_team_recent_idx"),
            models.Index(fields=["team", "updated_at"], name="reports_team_updated_idx"),
            # Its queue counts read (state, coordinator) from this index alone, and
            # "mine" / the coordinator filter page through one coordinator's reports.
            models.Index(
                fields=["team", "state", "coordinator"], name="reports_team_state_coord_idx"
            ),
            models.Index(
                fields=["coordinator", "-created_at", "-id"], name="reports_coord_recent_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def needs_private_fix(self) -> bool:
        return bool(self.severity) and self.team.needs_private_fix(self.severity)


class Collaborator(TimeStampedModel):
    """Someone invited to one report (e.g. a core developer working on the fix)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="collaborators")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="collaborations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "user"], name="reports_collaborator_unique"),
        ]


class Comment(TimeStampedModel):
    class Visibility(models.TextChoices):
        INTERNAL = "internal", "Internal (team and collaborators)"
        SHARED = "shared", "Shared with the reporter"

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    author_email = models.EmailField(blank=True, help_text="For authors without an account.")
    visibility = models.CharField(max_length=10, choices=Visibility.choices)
    body = models.TextField()

    class Meta:
        ordering = ["created_at", "id"]


class FixPR(TimeStampedModel):
    """A pull request that fixes the report on one branch."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="fix_prs")
    url = models.URLField()
    branch = models.CharField(max_length=100, blank=True, help_text="Target branch, e.g. 3.12.")
    labels = models.JSONField(default=list)
    merged_at = models.DateTimeField(null=True, blank=True)
    merge_commit = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["report", "url"], name="reports_fixpr_unique"),
        ]


class TimelineQuerySet(models.QuerySet["TimelineEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise TypeError("The timeline is append-only: events cannot be updated.")

    def delete(self) -> NoReturn:
        raise TypeError("The timeline is append-only: events cannot be deleted.")


class TimelineEvent(models.Model):
    """One change to a report: who, what (a namespaced action code), before and after, when.

    Written only by services, in the same transaction as the change. Append-only.
    """

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="timeline")
    at = models.DateTimeField(default=clock.now, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=254, help_text="Who, as shown (user or address).")
    action = models.CharField(max_length=64)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)
    shared = models.BooleanField(
        default=False, help_text="Shown to the reporter (state changes and shared comments)."
    )

    objects = TimelineQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["report", "at"], name="reports_timeline_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise TypeError("The timeline is append-only: events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("The timeline is append-only: events cannot be deleted.")
