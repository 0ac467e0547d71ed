"""What an advisory says beyond the report's own fields, structured for the records.

The report (reports.Report) keeps the title, description, severity, CVSS vector, CVE ID
and the reporter's credit. This app adds the release branches of a project, the affected
products and version ranges, weaknesses (CWE), references, credits, and the few things in
which an OSV record differs from the CVE record of the same vulnerability.
"""

from __future__ import annotations

from django.db import models

from vulndesk.accounts.models import Project
from vulndesk.core.models import TimeStampedModel
from vulndesk.reports.models import CreditType, Report


class Branch(TimeStampedModel):
    """A release branch of a project (3.12), supported or end-of-life: team data."""

    class Status(models.TextChoices):
        SUPPORTED = "supported", "Supported"
        END_OF_LIFE = "end-of-life", "End of life"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="branches")
    name = models.CharField(max_length=40, help_text="e.g. 3.12")
    first_version = models.CharField(
        max_length=40, help_text="The branch's first release: 3.12.0 (or 3.13.0a1 before 3.13.0)."
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SUPPORTED)

    class Meta:
        ordering = ["project", "first_version"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="advisories_branch_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.project.name} {self.name} ({self.status})"


class Discovery(models.TextChoices):
    INTERNAL = "INTERNAL", "Internal"
    EXTERNAL = "EXTERNAL", "External"
    USER = "USER", "User"
    UNKNOWN = "UNKNOWN", "Unknown"


class Advisory(TimeStampedModel):
    """The record-level details of one report's advisory."""

    report = models.OneToOneField(Report, on_delete=models.CASCADE, related_name="advisory")
    description_html = models.TextField(
        blank=True, help_text="The HTML twin of the description; built from it when empty."
    )
    impacts = models.JSONField(
        default=list, blank=True, help_text="CAPEC impacts as CVE JSON 5 writes them."
    )
    discovery = models.CharField(max_length=10, choices=Discovery.choices, default="UNKNOWN")
    cna_org_id = models.CharField(max_length=36, blank=True, help_text="CNA org UUID.")
    cna_short_name = models.CharField(max_length=64, blank=True)
    date_public = models.DateTimeField(null=True, blank=True)

    # OSV: where it differs from the CVE record.
    osv_id = models.CharField(max_length=64, blank=True, help_text="e.g. PSF-2024-2.")
    osv_aliases = models.JSONField(default=list, blank=True, help_text="Besides the CVE ID.")
    osv_details = models.TextField(blank=True, help_text="Empty: the advisory description.")
    osv_severity_from_report = models.BooleanField(default=True)
    osv_cvss_vector = models.CharField(max_length=200, blank=True)
    osv_with_credits = models.BooleanField(default=True)
    osv_database_specific = models.JSONField(null=True, blank=True, default=None)
    osv_versions = models.JSONField(
        default=list, blank=True, help_text="Enumerated affected versions (ECOSYSTEM)."
    )
    git_introduced = models.CharField(max_length=64, default="0")
    fix_commits = models.JSONField(
        default=list, blank=True, help_text="Fix commits; empty: the merged fix PRs' commits."
    )
    osv_published = models.DateTimeField(null=True, blank=True)
    osv_modified = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "advisories"

    def __str__(self) -> str:
        return f"Advisory of {self.report.key}"


class Weakness(models.Model):
    """A CWE of the advisory (CVE problemTypes), in order."""

    advisory = models.ForeignKey(Advisory, on_delete=models.CASCADE, related_name="weaknesses")
    position = models.PositiveIntegerField(default=0)
    cwe_id = models.CharField(max_length=16, help_text="CWE-22")
    description = models.CharField(max_length=300, help_text='"CWE-22 Improper Limitation …"')

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.description or self.cwe_id


class AffectedProduct(models.Model):
    """One ``affected`` entry of the CVE record: a product and its version ranges."""

    class DefaultStatus(models.TextChoices):
        UNAFFECTED = "unaffected", "Unaffected"
        AFFECTED = "affected", "Affected"
        UNKNOWN = "unknown", "Unknown"

    advisory = models.ForeignKey(Advisory, on_delete=models.CASCADE, related_name="products")
    position = models.PositiveIntegerField(default=0)
    vendor = models.CharField(max_length=200)
    product = models.CharField(max_length=200)
    repo = models.URLField(blank=True)
    collection_url = models.URLField(blank=True, help_text="https://pypi.org for packages")
    package_name = models.CharField(max_length=200, blank=True)
    modules = models.JSONField(default=list, blank=True)
    platforms = models.JSONField(default=list, blank=True)
    default_status = models.CharField(
        max_length=10, choices=DefaultStatus.choices, default=DefaultStatus.UNAFFECTED
    )

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.vendor} {self.product}"


# ``less_than`` of a range with no end (a branch not fixed yet, "and later"): CVE JSON 5's
# asterisk, "an arbitrarily large number in the version ordering". Without it a CVE entry
# with only ``version`` would mean that one version alone.
OPEN_END = "*"


class AffectedRange(models.Model):
    """``version`` up to ``lessThan`` (or ``lessThanOrEqual``) with a status."""

    class Status(models.TextChoices):
        AFFECTED = "affected", "Affected"
        UNAFFECTED = "unaffected", "Unaffected"
        UNKNOWN = "unknown", "Unknown"

    product = models.ForeignKey(AffectedProduct, on_delete=models.CASCADE, related_name="ranges")
    position = models.PositiveIntegerField(default=0)
    branch = models.CharField(max_length=40, blank=True, help_text="The release branch, if one.")
    version = models.CharField(max_length=64, default="0")
    less_than = models.CharField(max_length=64, blank=True)
    less_than_or_equal = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.AFFECTED)
    version_type = models.CharField(max_length=20, default="python")

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return (
            f"{self.version} < {self.less_than or self.less_than_or_equal or '…'} ({self.status})"
        )


class Reference(models.Model):
    """A link of the advisory; its place (if any) in the CVE and in the OSV record."""

    class OsvType(models.TextChoices):
        ADVISORY = "ADVISORY"
        ARTICLE = "ARTICLE"
        DETECTION = "DETECTION"
        DISCUSSION = "DISCUSSION"
        REPORT = "REPORT"
        FIX = "FIX"
        INTRODUCED = "INTRODUCED"
        GIT = "GIT"
        PACKAGE = "PACKAGE"
        EVIDENCE = "EVIDENCE"
        WEB = "WEB"

    advisory = models.ForeignKey(Advisory, on_delete=models.CASCADE, related_name="references")
    url = models.URLField(max_length=2048)
    name = models.CharField(max_length=512, blank=True)
    tags = models.JSONField(
        default=list, blank=True, help_text="CVE tags: patch, issue-tracking, vendor-advisory…"
    )
    osv_type = models.CharField(
        max_length=12, choices=OsvType.choices, blank=True, help_text="Empty: from the tags."
    )
    cve_position = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: not in CVE")
    osv_position = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: not in OSV")

    class Meta:
        ordering = ["cve_position", "osv_position", "id"]

    def __str__(self) -> str:
        return self.url


class Credit(models.Model):
    """Someone credited in the records, with a CVE credit type, in order."""

    advisory = models.ForeignKey(Advisory, on_delete=models.CASCADE, related_name="credits")
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=300)
    type = models.CharField(max_length=24, choices=CreditType.choices, default=CreditType.FINDER)
    lang = models.CharField(max_length=16, default="en")
    user_uuid = models.CharField(max_length=36, blank=True, help_text="CVE user UUID, if any.")

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.type})"
