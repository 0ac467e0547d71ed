"""People: users, teams and their policy, memberships, projects, reporters."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower

from vulndesk.core.models import TimeStampedModel

SEVERITIES = ["Low", "Medium", "High", "Critical"]


def default_severity_levels() -> list[str]:
    return list(SEVERITIES)


def default_private_fix_severities() -> list[str]:
    return ["High", "Critical"]


def default_fix_labels() -> list[str]:
    return ["security", "release-blocker"]


class User(AbstractUser):
    """A person who logs in: team admins and members, collaborators, reporters with a portal."""

    email = models.EmailField("email address", unique=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class Team(TimeStampedModel):
    """A security response team. Nothing of one team is visible to another.

    The policy fields default to the Python Security Response Team's process.
    """

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    key_prefix = models.CharField(
        max_length=12,
        default="PSRT",
        validators=[
            RegexValidator(r"^[A-Z][A-Z0-9]{1,11}$", "Use 2-12 capital letters or digits.")
        ],
        help_text="Prefix of report keys, as in PSRT-2026-0042.",
    )
    severity_levels = models.JSONField(default=default_severity_levels)
    private_fix_severities = models.JSONField(default=default_private_fix_severities)
    fix_labels = models.JSONField(default=default_fix_labels)
    security_address = models.EmailField(
        blank=True, help_text="Where reports arrive (security@…); the sender of replies."
    )
    announce_address = models.EmailField(
        blank=True, help_text="Where advisories are announced (security-announce@…)."
    )
    private_reporting_url = models.URLField(
        blank=True, help_text="Where reporters file privately (the 'please use the form' reply)."
    )
    cna_short_name = models.CharField(
        max_length=64, blank=True, help_text="The CVE Numbering Authority's short name (PSF)."
    )

    class Meta:
        ordering = ["slug"]
        constraints = [
            # Report keys are unique across the deployment and name no team, so two
            # teams sharing a prefix would collide on their first report.
            models.UniqueConstraint(fields=["key_prefix"], name="accounts_team_key_prefix_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def needs_private_fix(self, severity: str) -> bool:
        return severity in self.private_fix_severities


class Membership(TimeStampedModel):
    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        MEMBER = "member", "Member"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="accounts_membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role} of {self.team.slug})"


class Project(TimeStampedModel):
    """Software a team covers, e.g. CPython or pip."""

    class Ecosystem(models.TextChoices):
        NONE = "", "None (source releases)"
        PYPI = "PyPI", "PyPI"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="projects")
    slug = models.SlugField()
    name = models.CharField(max_length=200)
    repository_url = models.URLField(blank=True)
    cve_vendor = models.CharField(max_length=200, blank=True)
    cve_product = models.CharField(max_length=200, blank=True)
    ecosystem = models.CharField(max_length=20, choices=Ecosystem.choices, blank=True)
    package_name = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["team", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["team", "slug"], name="accounts_project_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Reporter(TimeStampedModel):
    """Someone who reports vulnerabilities, known by email address; may have no account."""

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=200, blank=True)
    user = models.OneToOneField(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="reporter"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_reporter_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)
