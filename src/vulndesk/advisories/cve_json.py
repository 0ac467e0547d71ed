"""CVE JSON 5 CNA container: typed objects built from a report, and validated.

The shape is the PSF's (see the records it publishes): vendor, product, repo,
``defaultStatus: unaffected``, ``versionType: python``, modules, descriptions with an
HTML twin, problemTypes with the CWE, CVSS metrics, credits, tagged references, title,
``x_generator``. Packages get ``collectionURL`` + ``packageName``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from vulndesk import __version__ as _vulndesk_version
from vulndesk.advisories.models import Advisory
from vulndesk.advisories.severity import cvss_parse
from vulndesk.advisories.typed import to_json
from vulndesk.core.errors import ValidationFailed
from vulndesk.reports.models import Report

GENERATOR = f"vulndesk {_vulndesk_version}"


@dataclass
class SupportingMedia:
    type: str
    value: str
    base64: bool = False


@dataclass
class Description:
    value: str
    lang: str = "en"
    supportingMedia: list[SupportingMedia] = field(default_factory=list)  # noqa: N815


@dataclass
class Version:
    version: str
    status: str
    versionType: str | None = None  # noqa: N815
    lessThan: str | None = None  # noqa: N815
    lessThanOrEqual: str | None = None  # noqa: N815


@dataclass
class Affected:
    vendor: str
    product: str
    defaultStatus: str = "unaffected"  # noqa: N815
    collectionURL: str | None = None  # noqa: N815
    packageName: str | None = None  # noqa: N815
    repo: str | None = None
    modules: list[str] = field(default_factory=list)
    platforms: list[str] = field(default_factory=list)
    versions: list[Version] = field(default_factory=list)


@dataclass
class ProblemTypeDescription:
    description: str
    cweId: str | None = None  # noqa: N815
    lang: str = "en"
    type: str = "CWE"


@dataclass
class ProblemType:
    descriptions: list[ProblemTypeDescription]


@dataclass
class Credit:
    value: str
    type: str
    lang: str = "en"
    user: str | None = None


@dataclass
class Reference:
    url: str
    name: str | None = None
    tags: list[str] = field(default_factory=list)


@dataclass
class ProviderMetadata:
    orgId: str  # noqa: N815
    shortName: str | None = None  # noqa: N815


@dataclass
class CnaContainer:
    descriptions: list[Description]
    affected: list[Affected]
    references: list[Reference]
    title: str | None = None
    providerMetadata: ProviderMetadata | None = None  # noqa: N815
    datePublic: str | None = None  # noqa: N815
    problemTypes: list[ProblemType] = field(default_factory=list)  # noqa: N815
    impacts: list[dict[str, Any]] = field(default_factory=list)
    metrics: list[dict[str, Any]] = field(default_factory=list)
    credits: list[Credit] = field(default_factory=list)
    source: dict[str, str] = field(default_factory=dict)
    x_generator: dict[str, str] = field(default_factory=lambda: {"engine": GENERATOR})


def description_html(text: str) -> str:
    """The HTML twin of a plain description: escaped, line breaks as <br>."""
    return html.escape(text, quote=False).replace("\n", "<br>")


def advisory_of(report: Report) -> Advisory:
    """The report's advisory details, or empty ones (unsaved) when there are none yet."""
    found = Advisory.objects.filter(report=report).first()
    return found if found is not None else Advisory(report=report)


def _affected(report: Report, advisory: Advisory) -> list[Affected]:
    if advisory.pk is None or not advisory.products.exists():
        raise ValidationFailed(
            f"{report.key} has no affected versions yet: set them per release branch."
        )
    out = []
    for product in advisory.products.all():
        out.append(
            Affected(
                vendor=product.vendor,
                product=product.product,
                defaultStatus=product.default_status,
                collectionURL=product.collection_url or None,
                packageName=product.package_name or None,
                repo=product.repo or None,
                modules=list(product.modules),
                platforms=list(product.platforms),
                versions=[
                    Version(
                        version=r.version,
                        status=r.status,
                        versionType=r.version_type or None,
                        lessThan=r.less_than or None,
                        lessThanOrEqual=r.less_than_or_equal or None,
                    )
                    for r in product.ranges.all()
                ],
            )
        )
    return out


def credits_for(report: Report, advisory: Advisory) -> list[Credit]:
    """The advisory's credits; the reporter (if they want it) and the coordinator are
    added when the list does not name them already."""
    rows = list(advisory.credits.all()) if advisory.pk else []
    out = [Credit(value=c.name, type=c.type, lang=c.lang, user=c.user_uuid or None) for c in rows]
    named = {(c.type, c.value) for c in out}
    if report.credit_wanted and report.credit_name:
        ctype = report.credit_type or "finder"
        if (ctype, report.credit_name) not in named:
            out.insert(0, Credit(value=report.credit_name, type=ctype))
    if report.coordinator_id is not None:
        name = report.coordinator.display_name if report.coordinator else ""
        if name and not any(c.type == "coordinator" for c in out):
            out.append(Credit(value=name, type="coordinator"))
    return out


def cve_references(report: Report, advisory: Advisory) -> list[Reference]:
    rows = (
        list(advisory.references.filter(cve_position__isnull=False).order_by("cve_position"))
        if advisory.pk
        else []
    )
    out = [Reference(url=r.url, name=r.name or None, tags=list(r.tags)) for r in rows]
    known = {r.url for r in out}
    for pr in report.fix_prs.all():  # a fix PR not listed yet is a patch reference
        if pr.url not in known:
            out.append(Reference(url=pr.url, tags=["patch"]))
            known.add(pr.url)
    return out


def build_cna_container(report: Report) -> CnaContainer:
    """The typed CNA container of ``report`` (not validated; see build_cve_record)."""
    advisory = advisory_of(report)
    description = report.advisory_description
    if not description.strip():
        raise ValidationFailed(f"{report.key} has no advisory description yet.")
    media = [
        SupportingMedia(
            type="text/html", value=advisory.description_html or description_html(description)
        )
    ]
    metrics = [cvss_parse(report.cvss_vector).cve_metric()] if report.cvss_vector else []
    weaknesses = list(advisory.weaknesses.all()) if advisory.pk else []
    problem_types = [
        ProblemType(
            descriptions=[ProblemTypeDescription(description=w.description, cweId=w.cwe_id)]
        )
        for w in weaknesses
    ]
    provider = None
    org_id = advisory.cna_org_id
    if org_id:
        provider = ProviderMetadata(
            orgId=org_id, shortName=advisory.cna_short_name or report.team.cna_short_name or None
        )
    references = cve_references(report, advisory)
    if not references:
        raise ValidationFailed(
            f"The CVE record of {report.key} needs at least one reference "
            "(the fix, the issue or the advisory)."
        )
    return CnaContainer(
        title=report.advisory_title or report.title,
        providerMetadata=provider,
        datePublic=None,
        descriptions=[Description(value=description, supportingMedia=media)],
        affected=_affected(report, advisory),
        problemTypes=problem_types,
        impacts=list(advisory.impacts),
        metrics=metrics,
        credits=credits_for(report, advisory),
        references=references,
        source={"discovery": advisory.discovery},
    )


# A stand-in org id, used only to validate a container whose providerMetadata the CVE
# Services adapter adds at publication (cvelib fills it from the org when absent).
_PLACEHOLDER_ORG = "00000000-0000-4000-8000-000000000000"


def validate_cna_container(container: dict[str, Any]) -> None:
    """Check ``container`` against cvelib's bundled CVE JSON 5 CNA schema."""
    from cvelib.cve_api import CveRecord, CveRecordValidationError

    checked = dict(container)
    checked.setdefault("providerMetadata", {"orgId": _PLACEHOLDER_ORG})
    try:
        CveRecord.validate(checked)
    except CveRecordValidationError as exc:
        problems = sorted({e.message for e in (exc.errors or [])})
        raise ValidationFailed(
            "The CVE record is not valid CVE JSON 5: " + "; ".join(problems[:5])
        ) from exc


def build_cve_record(report: Report) -> dict[str, Any]:
    """The CVE JSON 5 CNA container of ``report`` as a dict, validated with cvelib's schema.

    This is what CVE Services receives (``CveApi.publish(cve_id, container)``). Without a
    known CNA org id, ``providerMetadata`` is left for cvelib to add. Refused
    (ValidationFailed) when the advisory lacks what the record needs.
    """
    container: dict[str, Any] = to_json(build_cna_container(report))
    validate_cna_container(container)
    return container
