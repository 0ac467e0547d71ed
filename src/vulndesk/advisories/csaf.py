"""CSAF 2.0 security advisory (profile csaf_security_advisory) from a report.

Products are the affected products' version ranges (``vers`` notation) plus each
branch's fixed release; the vulnerability carries the CVE ID, CWE, description,
product status, the vendor fix, the CVSS v3 score (CSAF 2.0 has no v4) and references.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vulndesk.advisories.cve_json import advisory_of, credits_for, cve_references
from vulndesk.advisories.cwe import cwe_get
from vulndesk.advisories.models import OPEN_END
from vulndesk.advisories.severity import cvss_parse
from vulndesk.advisories.typed import timestamp, to_json
from vulndesk.core import clock
from vulndesk.core.errors import ApplicationError, ValidationFailed
from vulndesk.reports.models import Report

# CVE reference tags that make a CSAF "self" reference (the vendor's own advisory).
_SELF_TAGS = {"vendor-advisory"}


@dataclass
class FullProductName:
    name: str
    product_id: str


@dataclass
class ProductBranch:
    category: str
    name: str
    branches: list[ProductBranch] = field(default_factory=list)
    product: FullProductName | None = None


@dataclass
class Note:
    category: str
    text: str
    title: str | None = None


@dataclass
class CsafReference:
    url: str
    summary: str
    category: str = "external"


@dataclass
class Revision:
    date: str
    number: str
    summary: str


@dataclass
class Remediation:
    category: str
    details: str
    product_ids: list[str]
    url: str | None = None


@dataclass
class Acknowledgment:
    names: list[str]
    summary: str | None = None


@dataclass
class Vulnerability:
    title: str
    notes: list[Note]
    product_status: dict[str, list[str]]
    cve: str | None = None
    cwe: dict[str, str] | None = None
    remediations: list[Remediation] = field(default_factory=list)
    scores: list[dict[str, Any]] = field(default_factory=list)
    references: list[CsafReference] = field(default_factory=list)
    acknowledgments: list[Acknowledgment] = field(default_factory=list)


def _vers(scheme: str, start: str, fixed: str, last: str) -> str:
    parts = []
    if start and start != "0":
        parts.append(f">={start}")
    if fixed and fixed != OPEN_END:
        parts.append(f"<{fixed}")
    elif last:
        parts.append(f"<={last}")
    return f"vers:{scheme}/" + ("|".join(parts) or "*")


def _products(report: Report) -> tuple[list[ProductBranch], list[str], list[str], str]:
    """(product tree branches, affected ids, fixed ids, a product name for the text)."""
    advisory = advisory_of(report)
    if advisory.pk is None or not advisory.products.exists():
        raise ValidationFailed(f"{report.key} has no affected versions yet.")
    vendors: dict[str, ProductBranch] = {}
    affected_ids: list[str] = []
    fixed_ids: list[str] = []
    counter = 0
    first_name = ""
    for product in advisory.products.all():
        first_name = first_name or product.product
        scheme = "pypi" if product.package_name else "generic"
        vendor = vendors.setdefault(
            product.vendor, ProductBranch(category="vendor", name=product.vendor)
        )
        name_branch = ProductBranch(category="product_name", name=product.product)
        vendor.branches.append(name_branch)
        for r in product.ranges.all():
            counter += 1
            pid = f"CSAFPID-{counter:04d}"
            vers = _vers(scheme, r.version, r.less_than, r.less_than_or_equal)
            name_branch.branches.append(
                ProductBranch(
                    category="product_version_range",
                    name=vers,
                    product=FullProductName(name=f"{product.product} {vers}", product_id=pid),
                )
            )
            (affected_ids if r.status == "affected" else fixed_ids).append(pid)
            if r.status == "affected" and r.less_than and r.less_than != OPEN_END:
                counter += 1
                fid = f"CSAFPID-{counter:04d}"
                name_branch.branches.append(
                    ProductBranch(
                        category="product_version",
                        name=r.less_than,
                        product=FullProductName(
                            name=f"{product.product} {r.less_than}", product_id=fid
                        ),
                    )
                )
                fixed_ids.append(fid)
    return list(vendors.values()), affected_ids, fixed_ids, first_name


def build_csaf_document(report: Report) -> dict[str, Any]:
    """The CSAF 2.0 document of ``report`` (validated in tests with the csaf package)."""
    advisory = advisory_of(report)
    if not report.advisory_description.strip():
        raise ValidationFailed(f"{report.key} has no advisory description yet.")
    tree, affected_ids, fixed_ids, product_name = _products(report)
    team = report.team
    released = report.published_at or clock.now()
    updated = max(released, report.updated_at) if report.updated_at else released
    refs = cve_references(report, advisory)
    vendor_refs = [
        CsafReference(url=r.url, summary="Vendor advisory", category="self")
        for r in refs
        if _SELF_TAGS & set(r.tags)
    ]
    other_refs = [
        CsafReference(url=r.url, summary=", ".join(r.tags) or "Reference")
        for r in refs
        if not _SELF_TAGS & set(r.tags)
    ]
    title = report.advisory_title or report.title
    scores = []
    if report.cvss_vector and not report.cvss_vector.startswith("CVSS:4.0/"):
        metric = cvss_parse(report.cvss_vector).cve_metric()
        body = next(v for k, v in metric.items() if k.startswith("cvssV3"))
        scores.append({"cvss_v3": body, "products": affected_ids})
    weakness = advisory.weaknesses.first() if advisory.pk else None
    cwe = None
    if weakness is not None and weakness.cwe_id:
        try:  # CSAF wants the CWE catalogue's own name
            name = cwe_get(weakness.cwe_id).name
        except ApplicationError:
            name = weakness.description.removeprefix(weakness.cwe_id).strip() or weakness.cwe_id
        cwe = {"id": weakness.cwe_id, "name": name}
    notes = [Note(category="description", text=report.advisory_description, title="Description")]
    if report.mitigations.strip():
        notes.append(Note(category="other", text=report.mitigations, title="Mitigations"))
    remediations = []
    if fixed_ids:
        remediations.append(
            Remediation(
                category="vendor_fix",
                details=f"Upgrade {product_name} to a fixed release.",
                product_ids=affected_ids,
            )
        )
    if report.mitigations.strip():
        remediations.append(
            Remediation(category="mitigation", details=report.mitigations, product_ids=affected_ids)
        )
    names = [c.value for c in credits_for(report, advisory)]
    vulnerability = Vulnerability(
        title=title,
        cve=report.cve_id or None,
        cwe=cwe,
        notes=notes,
        product_status={"known_affected": affected_ids, "fixed": fixed_ids},
        remediations=remediations,
        scores=scores,
        references=vendor_refs + other_refs,
        acknowledgments=[Acknowledgment(names=names)] if names else [],
    )
    if not vulnerability.product_status["fixed"]:
        del vulnerability.product_status["fixed"]
    namespace = team.private_reporting_url or "https://example.invalid/"
    document: dict[str, Any] = {
        "category": "csaf_security_advisory",
        "csaf_version": "2.0",
        "lang": "en",
        "title": title,
        "publisher": {
            "category": "vendor",
            "name": team.name,
            "namespace": _origin(namespace),
        },
        "distribution": {"tlp": {"label": "WHITE"}},
        "notes": [
            to_json(
                Note(
                    category="summary",
                    title="Summary",
                    text=f"There is a {report.severity.upper() or 'security'} severity "
                    f"vulnerability affecting {product_name}.",
                )
            )
        ],
        "references": [to_json(r) for r in vendor_refs] or None,
        "tracking": {
            "id": report.cve_id or report.key,
            "status": "final",
            "version": "1",
            "initial_release_date": timestamp(released),
            "current_release_date": timestamp(updated),
            "revision_history": [
                {"date": timestamp(released), "number": "1", "summary": "Initial release."}
            ],
            "generator": {"engine": {"name": "vulndesk"}},
        },
    }
    if report.severity:
        document["aggregate_severity"] = {"text": report.severity}
    if document["references"] is None:
        del document["references"]
    return {
        "document": document,
        "product_tree": {"branches": to_json(tree)},
        "vulnerabilities": [to_json(vulnerability)],
    }


def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else url
