"""Triage data: each team's deadlines and scope policy, flags, duplicate links, reminders, rota."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models

from vulndesk.accounts.models import Project, Reporter, Team
from vulndesk.core import clock
from vulndesk.core.models import TimeStampedModel
from vulndesk.reports.models import Report


def _now() -> dt.datetime:
    """Looked up at call time, so a test that moves ``clock.now`` moves these defaults too."""
    return clock.now()


def default_out_of_scope() -> list[dict[str, str]]:
    """The PSRT's documented threat model: what is not a vulnerability by design."""
    return [
        {
            "pattern": r"\b(pickle|cpickle|marshal|shelve)\b.*\b(untrusted|malicious|attacker)",
            "reason": "pickle, marshal and shelve are documented as unsafe for untrusted data.",
        },
        {
            "pattern": r"\b(eval|exec|compile)\s*\(.*\b(untrusted|user[- ]supplied|attacker)",
            "reason": "eval()/exec() of untrusted input is the caller's bug by design.",
        },
        {
            "pattern": r"\bctypes\b.*\b(crash|segfault|memory corruption|arbitrary memory)",
            "reason": "ctypes gives raw memory access by design; misuse can crash the interpreter.",
        },
        {
            "pattern": r"\b(setrecursionlimit|recursion limit)\b.*\b(crash|segfault|overflow)",
            "reason": "Raising the recursion limit can crash the interpreter (documented).",
        },
        {
            "pattern": r"\b(PYTHONPATH|PYTHONSTARTUP|sitecustomize|\.pth file)\b",
            "reason": "Whoever controls the environment or site-packages already runs code.",
        },
    ]


class TriagePolicy(TimeStampedModel):
    """Per-team targets (days after the report arrived) and scope rules.

    The defaults follow the PSRT: a prompt acknowledgement, and 90 days from report to a
    finished state.
    """

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="triage_policy")
    acknowledge_days = models.PositiveIntegerField(default=3)
    triage_days = models.PositiveIntegerField(
        default=7, help_text="Until a coordinator is assigned."
    )
    decision_days = models.PositiveIntegerField(default=21)
    fix_days = models.PositiveIntegerField(default=75)
    publish_days = models.PositiveIntegerField(default=90)
    remind_before_days = models.PositiveIntegerField(
        default=2, help_text="The first reminder goes out this many days before a deadline."
    )
    rota_after_days = models.PositiveIntegerField(
        default=3, help_text="A plausible report without a coordinator gets one after this."
    )
    time_zone = models.CharField(max_length=64, default="UTC")
    out_of_scope = models.JSONField(default=default_out_of_scope, blank=True)
    rota_last_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Triage policy of {self.team.slug}"


class ComponentIndex(TimeStampedModel):
    """A project's public API names (``module``, ``module.func``, ``module.Class.method``).

    Loaded by a team; CPython falls back to the running Python's standard library.
    """

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="api_index")
    names = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"API index of {self.project}"


class ReporterFlag(TimeStampedModel):
    """A team marks a sender whose reports need a sceptical look (e.g. repeated junk)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="reporter_flags")
    reporter = models.ForeignKey(Reporter, on_delete=models.CASCADE, related_name="flags")
    reason = models.TextField()
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "reporter"], name="triage_flag_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.reporter} flagged by {self.team.slug}"


class DuplicateLink(models.Model):
    """``report`` was merged into ``original``; both keep their timelines."""

    report = models.OneToOneField(Report, on_delete=models.CASCADE, related_name="duplicate_of")
    original = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="duplicates")
    score = models.FloatField(null=True, blank=True)
    at = models.DateTimeField(default=_now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.report_id} duplicate of {self.original_id}"


class Reminder(models.Model):
    """One reminder about one deadline stage of one report to one person.

    The unique constraint is what makes a reminder go out at most once, even when two
    workers run ``vulndesk reminders run`` at the same time.
    """

    class Stage(models.TextChoices):
        SOON = "soon", "Due soon"
        LAST_DAY = "last-day", "Due within a day"
        OVERDUE = "overdue", "Overdue (team told)"
        ASSIGNED = "assigned", "Made coordinator by the rota"

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="reminders")
    deadline = models.CharField(max_length=20)
    stage = models.CharField(max_length=10, choices=Stage.choices)
    recipient = models.EmailField()
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(default=_now)
    queued = models.BooleanField(
        default=False, help_text="Handed to the mail outbox (else only recorded here)."
    )
    subject = models.CharField(max_length=300)
    body = models.TextField()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "deadline", "stage", "recipient"], name="triage_reminder_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deadline}/{self.stage} to {self.recipient}"


class RotaMember(TimeStampedModel):
    """A member in the team's on-call rota for unassigned reports."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="rota")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(default=0)
    excluded = models.BooleanField(default=False)
    away_until = models.DateTimeField(null=True, blank=True, help_text="Out of office until.")

    class Meta:
        ordering = ["team", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="triage_rota_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in the rota of {self.team.slug}"
