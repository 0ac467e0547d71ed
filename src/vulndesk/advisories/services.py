"""Writing advisory details: release branches, affected ranges, CWE, references, credits.

Each service checks who acts (advisories.permissions), works in one transaction and
writes the report's timeline. Plain report fields (title, description, the affected
versions in words) still go through reports.services.
"""

from __future__ import annotations

from django.db import transaction

from vulndesk.accounts.models import Project, User
from vulndesk.accounts.permissions import require_team_admin
from vulndesk.advisories import permissions as perms
from vulndesk.advisories.cwe import cwe_get
from vulndesk.advisories.models import (
    OPEN_END,
    Advisory,
    AffectedProduct,
    AffectedRange,
    Branch,
    Credit,
    Reference,
    Weakness,
)
from vulndesk.advisories.versions import (
    BranchFix,
    parse_version,
    ranges_for_branches,
    ranges_in_words,
)
from vulndesk.core.errors import ValidationFailed
from vulndesk.reports.models import CreditType, Report
from vulndesk.reports.timeline import record

CVE_REFERENCE_TAGS = frozenset(
    {
        "broken-link", "customer-entitlement", "exploit", "government-resource",
        "issue-tracking", "mailing-list", "mitigation", "not-applicable", "patch",
        "permissions-required", "media-coverage", "product", "related", "release-notes",
        "signature", "technical-description", "third-party-advisory", "vendor-advisory",
        "vdb-entry",
    }
)  # fmt: skip


def branch_set(
    project: Project, *, actor: User, name: str, first_version: str = "", status: str = ""
) -> Branch:
    """Add a release branch of ``project`` or change its first release / status."""
    require_team_admin(actor, project.team)
    name = name.strip()
    if not name:
        raise ValidationFailed("A branch needs a name, e.g. 3.12.")
    first = (first_version or f"{name}.0").strip()
    parse_version(first, what=f"first release of {name}")
    if status and status not in Branch.Status.values:
        raise ValidationFailed(f"Branch status must be one of {', '.join(Branch.Status.values)}.")
    branch, created = Branch.objects.get_or_create(
        project=project,
        name=name,
        defaults={"first_version": first, "status": status or Branch.Status.SUPPORTED},
    )
    if not created:
        branch.first_version = first if first_version else branch.first_version
        branch.status = status or branch.status
        branch.save()
    return branch


def _advisory(report: Report) -> Advisory:
    advisory, _ = Advisory.objects.get_or_create(report=report)
    return advisory


def advisory_set_affected(
    report: Report,
    *,
    actor: User,
    fixed_in: dict[str, str],
    introduced: str = "0",
    modules: list[str] | None = None,
) -> list[AffectedRange]:
    """Affected versions from the project's branches: ``fixed_in`` maps a branch (3.12) to
    its first fixed release (3.12.6); branches without a fix stay affected. The ranges
    replace the advisory's, and the advisory text gets them in words."""
    from vulndesk.reports.services import report_set_advisory

    perms.require_edit(actor, report)
    report = Report.objects.select_related("project", "team").get(pk=report.pk)  # fresh
    project = report.project
    if project is None:
        raise ValidationFailed(f"{report.key} has no project; set it before affected versions.")
    branches = list(project.branches.all())
    known = {b.name for b in branches}
    unknown = sorted(set(fixed_in) - known)
    if unknown:
        raise ValidationFailed(
            f"{project.name} has no branch {', '.join(unknown)}; add it first "
            f"(known: {', '.join(sorted(known)) or 'none'})."
        )
    ranges = ranges_for_branches(
        [BranchFix(b.name, b.first_version, fixed_in.get(b.name, "")) for b in branches],
        introduced=introduced,
    )
    if not ranges:
        raise ValidationFailed("No release branch is affected by these versions.")
    by_start = {b.first_version: b.name for b in branches}
    with transaction.atomic():
        advisory = _advisory(report)
        advisory.products.all().delete()
        package = project.package_name if project.ecosystem == "PyPI" else ""
        product = AffectedProduct.objects.create(
            advisory=advisory,
            vendor=project.cve_vendor or project.team.name,
            product=project.cve_product or project.name,
            repo=project.repository_url,
            collection_url="https://pypi.org" if package else "",
            package_name=package,
            modules=modules if modules is not None else _components(report),
        )
        rows = [
            AffectedRange.objects.create(
                product=product,
                position=index,
                branch=by_start.get(r.introduced, ""),
                version=r.introduced,
                less_than=r.fixed or ("" if r.last_affected else OPEN_END),
                less_than_or_equal=r.last_affected,
            )
            for index, r in enumerate(ranges)
        ]
        record(
            report,
            actor=actor,
            action="advisory:affected:set",
            after={"ranges": [[r.introduced, r.fixed] for r in ranges]},
        )
        name = "Python" if project.name in {"CPython", "Python"} else project.name
        words = ranges_in_words(name, ranges)
        report_set_advisory(report, actor=actor, affected_versions=words)
    return rows


def _components(report: Report) -> list[str]:
    if report.affects_whole_project:
        return []
    return [line.strip() for line in report.affected_components.splitlines() if line.strip()]


def advisory_set_cwes(report: Report, *, actor: User, cwes: list[str]) -> list[Weakness]:
    """The weaknesses of the advisory, from the CWE list, in order."""
    perms.require_edit(actor, report)
    found = [cwe_get(c) for c in cwes]
    with transaction.atomic():
        advisory = _advisory(report)
        before = [w.cwe_id for w in advisory.weaknesses.all()]
        advisory.weaknesses.all().delete()
        rows = [
            Weakness.objects.create(advisory=advisory, position=i, cwe_id=c.id, description=c.label)
            for i, c in enumerate(found)
        ]
        record(
            report,
            actor=actor,
            action="advisory:cwe:set",
            before={"cwes": before},
            after={"cwes": [c.id for c in found]},
        )
    return rows


def advisory_add_reference(
    report: Report, *, actor: User, url: str, tags: list[str], osv_type: str = ""
) -> Reference:
    """A link in both records: CVE tags (patch, issue-tracking, vendor-advisory,
    mitigation…) and, optionally, the OSV type (else derived from the tags)."""
    perms.require_edit(actor, report)
    if not url.startswith(("https://", "http://")):
        raise ValidationFailed(f"A reference is a web address, not {url!r}.")
    bad = sorted(set(tags) - CVE_REFERENCE_TAGS)
    if bad:
        raise ValidationFailed(f"Unknown CVE reference tag(s): {', '.join(bad)}.")
    if osv_type and osv_type not in Reference.OsvType.values:
        raise ValidationFailed(
            f"OSV reference type must be one of {', '.join(Reference.OsvType.values)}."
        )
    with transaction.atomic():
        advisory = _advisory(report)
        if advisory.references.filter(url=url).exists():
            raise ValidationFailed(f"{url} is already a reference of {report.key}.")
        cve_next = advisory.references.filter(cve_position__isnull=False).count()
        osv_next = advisory.references.filter(osv_position__isnull=False).count()
        ref = Reference.objects.create(
            advisory=advisory,
            url=url,
            tags=list(tags),
            osv_type=osv_type,
            cve_position=cve_next,
            osv_position=osv_next,
        )
        record(
            report, actor=actor, action="advisory:reference:add", after={"url": url, "tags": tags}
        )
    return ref


def advisory_add_credit(
    report: Report, *, actor: User, name: str, credit_type: str = CreditType.FINDER
) -> Credit:
    """Credit someone besides the reporter and the coordinator (e.g. the fix's developer)."""
    perms.require_edit(actor, report)
    name = " ".join(name.split())
    if not name:
        raise ValidationFailed("Say who is credited.")
    if credit_type not in CreditType.values:
        raise ValidationFailed(f"Credit type must be one of: {', '.join(CreditType.values)}.")
    with transaction.atomic():
        advisory = _advisory(report)
        credit = Credit.objects.create(
            advisory=advisory, position=advisory.credits.count(), name=name, type=credit_type
        )
        record(
            report,
            actor=actor,
            action="advisory:credit:add",
            after={"name": name, "type": credit_type},
        )
    return credit
