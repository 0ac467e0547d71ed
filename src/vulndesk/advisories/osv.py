"""OSV records: the psf/advisory-database shape for CPython (GIT ranges with the fix
commits) and the ECOSYSTEM/PyPI shape for packages, validated against the OSV schema."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from vulndesk.advisories.cve_json import advisory_of, credits_for
from vulndesk.advisories.models import OPEN_END, Advisory, AffectedProduct
from vulndesk.advisories.typed import to_json
from vulndesk.core.errors import ValidationFailed
from vulndesk.reports.models import Report

OSV_SCHEMA_VERSION = "1.7.0"
_FULL_SHA = re.compile(r"[0-9a-f]{40}")
SCHEMA_PATH = Path(__file__).parent / "schemas" / "osv-schema.json"

# CVE reference tags -> OSV reference types, first match wins.
TAG_TO_OSV = (
    ("vendor-advisory", "ADVISORY"),
    ("third-party-advisory", "ADVISORY"),
    ("patch", "FIX"),
    ("issue-tracking", "REPORT"),
    ("exploit", "EVIDENCE"),
    ("technical-description", "ARTICLE"),
    ("mailing-list", "DISCUSSION"),
)


@dataclass
class Package:
    ecosystem: str
    name: str
    purl: str | None = None


@dataclass
class Range:
    type: str
    events: list[dict[str, str]]
    repo: str | None = None


@dataclass
class AffectedPackage:
    ranges: list[Range]
    package: Package | None = None
    versions: list[str] = field(default_factory=list)


@dataclass
class Severity:
    type: str
    score: str


@dataclass
class OsvReference:
    type: str
    url: str


@dataclass
class OsvCredit:
    name: str
    type: str | None = None


@dataclass
class OsvRecord:
    id: str
    modified: str
    schema_version: str = OSV_SCHEMA_VERSION
    published: str | None = None
    aliases: list[str] = field(default_factory=list)
    details: str | None = None
    severity: list[Severity] = field(default_factory=list)
    affected: list[AffectedPackage] = field(default_factory=list)
    references: list[OsvReference] = field(default_factory=list)
    credits: list[OsvCredit] = field(default_factory=list)
    database_specific: dict[str, Any] | None = None


def osv_type_for(tags: list[str]) -> str:
    for tag, kind in TAG_TO_OSV:
        if tag in tags:
            return kind
    return "WEB"


def _severity(report: Report, advisory: Advisory) -> list[Severity]:
    vector = report.cvss_vector if advisory.osv_severity_from_report else advisory.osv_cvss_vector
    if not vector:
        return []
    kind = "CVSS_V4" if vector.startswith("CVSS:4.0/") else "CVSS_V3"
    return [Severity(type=kind, score=vector)]


def _ecosystem_product(advisory: Advisory) -> AffectedProduct | None:
    if advisory.pk is None:
        return None
    for product in advisory.products.all():
        if product.package_name and "pypi.org" in product.collection_url:
            return product
    return None


def _affected(report: Report, advisory: Advisory) -> list[AffectedPackage]:
    product = _ecosystem_product(advisory)
    if product is not None:
        events: list[dict[str, str]] = []
        for r in product.ranges.filter(status="affected"):
            events.append({"introduced": r.version or "0"})
            if r.less_than and r.less_than != OPEN_END:  # open: no end event
                events.append({"fixed": r.less_than})
            elif r.less_than_or_equal:
                events.append({"last_affected": r.less_than_or_equal})
        name = product.package_name
        return [
            AffectedPackage(
                package=Package(ecosystem="PyPI", name=name, purl=f"pkg:pypi/{name.lower()}"),
                ranges=[Range(type="ECOSYSTEM", events=events)] if events else [],
                versions=list(advisory.osv_versions),
            )
        ]
    repo = report.project.repository_url if report.project else ""
    if not repo and advisory.pk is not None:
        repo = next((p.repo for p in advisory.products.all() if p.repo), "")
    if not repo:
        raise ValidationFailed(
            f"{report.key} needs a project with a repository URL (GIT ranges) or a PyPI "
            "package for its OSV record."
        )
    commits = list(advisory.fix_commits) or [  # OSV wants full SHA-1 hashes only
        pr.merge_commit
        for pr in report.fix_prs.all()
        if pr.merged_at and _FULL_SHA.fullmatch(pr.merge_commit)
    ]
    events = [{"introduced": advisory.git_introduced or "0"}] + [{"fixed": c} for c in commits]
    return [AffectedPackage(ranges=[Range(type="GIT", repo=repo, events=events)])]


def _references(report: Report, advisory: Advisory) -> list[OsvReference]:
    rows = (
        list(advisory.references.filter(osv_position__isnull=False).order_by("osv_position"))
        if advisory.pk
        else []
    )
    out = [OsvReference(type=r.osv_type or osv_type_for(list(r.tags)), url=r.url) for r in rows]
    known = {r.url for r in out}
    for pr in report.fix_prs.all():
        if pr.url not in known:
            out.append(OsvReference(type="FIX", url=pr.url))
            known.add(pr.url)
    return out


def _database_specific(advisory: Advisory) -> dict[str, Any] | None:
    if advisory.osv_database_specific is not None:
        return dict(advisory.osv_database_specific) or None
    cwe_ids = [w.cwe_id for w in advisory.weaknesses.all()] if advisory.pk else []
    return {"cwe_ids": cwe_ids}


def osv_id_for(key: str) -> str:
    """The report key if its prefix is a registered OSV prefix, else the ``x_`` form the
    schema allows for unregistered databases."""
    pattern = _validator().schema["$defs"]["prefix"]["pattern"]
    return key if pattern and re.match(pattern, key) else f"x_{key}"


def build_osv_typed(report: Report) -> OsvRecord:
    from vulndesk.advisories.typed import timestamp

    advisory = advisory_of(report)
    published = advisory.osv_published or report.published_at
    osv_credits = (
        [
            OsvCredit(name=c.value, type=c.type.upper().replace(" ", "_"))
            for c in credits_for(report, advisory)
        ]
        if advisory.osv_with_credits
        else []
    )
    aliases = ([report.cve_id] if report.cve_id else []) + [
        a for a in advisory.osv_aliases if a != report.cve_id
    ]
    return OsvRecord(
        id=advisory.osv_id or osv_id_for(report.key),
        modified=timestamp(advisory.osv_modified or report.updated_at),
        published=timestamp(published) if published else None,
        aliases=aliases,
        details=advisory.osv_details or report.advisory_description or None,
        severity=_severity(report, advisory),
        affected=_affected(report, advisory),
        references=_references(report, advisory),
        credits=osv_credits,
        database_specific=_database_specific(advisory),
    )


@lru_cache(maxsize=1)
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def validate_osv(record: dict[str, Any]) -> None:
    errors = sorted(_validator().iter_errors(record), key=lambda e: list(e.absolute_path))
    if errors:
        raise ValidationFailed(
            "The OSV record is not valid: "
            + "; ".join(
                f"{'/'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message}"
                for e in errors[:5]
            )
        )


def build_osv_record(report: Report) -> dict[str, Any]:
    """The OSV record of ``report`` as a dict, validated against the OSV schema."""
    record: dict[str, Any] = to_json(build_osv_typed(report))
    validate_osv(record)
    return record
