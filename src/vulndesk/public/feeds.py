"""Machine-readable public records built from PublishedAdvisory snapshots: OSV, Atom,
security.txt (RFC 9116) and the CSAF provider metadata. Built as objects, then serialised."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import feedgenerator

from vulndesk.core import clock

from .models import PublicSettings, PublishedAdvisory

OSV_SCHEMA_VERSION = "1.6.0"


def _ts(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# Home-database prefixes the OSV schema accepts; any other id takes the "x_" private prefix.
OSV_PREFIXES = frozenset(
    [
        "ASB-A",
        "PUB-A",
        "ALPINE",
        "ALSA",
        "ALBA",
        "ALEA",
        "AZL",
        "BELL",
        "BIT",
        "CGA",
        "CLEANSTART",
        "CLSA",
        "CURL",
        "CVE",
        "DEBIAN",
        "DHI",
        "DRUPAL",
        "DSA",
        "DLA",
        "ELA",
        "DTSA",
        "ECHO",
        "EEF",
        "FreeBSD",
        "GHSA",
        "GO",
        "GSD",
        "HSEC",
        "JLSEC",
        "KUBE",
        "LBSEC",
        "LSN",
        "MAL",
        "MINI",
        "MGASA",
        "OESA",
        "OSEC",
        "OSV",
        "openSUSE-SU",
        "PHSA",
        "PSF",
        "PYSEC",
        "RHBA",
        "RHEA",
        "RHSA",
        "RLSA",
        "RXSA",
        "RSEC",
        "ROOT",
        "RUSTSEC",
        "SUSE-SU",
        "SUSE-RU",
        "SUSE-FU",
        "SUSE-OU",
        "UBUNTU",
        "USN",
        "V8",
    ]
)


def osv_id(key: str) -> str:
    prefix = key.rsplit("-", 2)[0]
    return key if prefix in OSV_PREFIXES else f"x_{key}"


def osv_record(advisory: PublishedAdvisory) -> dict[str, Any]:
    """One advisory as an OSV document (psf/advisory-database style: GIT ranges of the fix
    commits, and the package's ECOSYSTEM ranges where the project is on PyPI)."""
    details = advisory.description
    if advisory.affected_components:
        details += "\n\nAffected components: " + ", ".join(
            c.strip() for c in advisory.affected_components.splitlines() if c.strip()
        )
    if advisory.mitigations:
        details += "\n\nMitigations: " + advisory.mitigations
    record: dict[str, Any] = {
        "schema_version": OSV_SCHEMA_VERSION,
        "id": osv_id(advisory.key),
        "modified": _ts(advisory.modified_at),
        "published": _ts(advisory.published_at),
        "summary": advisory.title[:120],
        "details": details,
    }
    if advisory.cve_id:
        record["aliases"] = [advisory.cve_id]
    affected = _osv_affected(advisory)
    if affected:
        record["affected"] = affected
    if advisory.cvss_vector:
        kind = "CVSS_V4" if advisory.cvss_vector.startswith("CVSS:4") else "CVSS_V3"
        record["severity"] = [{"type": kind, "score": advisory.cvss_vector}]
    record["database_specific"] = {"severity": advisory.severity}
    refs = [{"type": r["type"], "url": r["url"]} for r in advisory.references]
    if refs:
        record["references"] = refs
    credit_list = [
        {"name": c["name"], "type": _OSV_CREDIT.get(c["type"], "OTHER")} for c in advisory.credits
    ]
    if credit_list:
        record["credits"] = credit_list
    return record


_OSV_CREDIT = {
    "finder": "FINDER",
    "reporter": "REPORTER",
    "analyst": "ANALYST",
    "coordinator": "COORDINATOR",
    "remediation developer": "REMEDIATION_DEVELOPER",
    "remediation reviewer": "REMEDIATION_REVIEWER",
    "remediation verifier": "REMEDIATION_VERIFIER",
    "tool": "TOOL",
    "sponsor": "SPONSOR",
}


def _osv_affected(advisory: PublishedAdvisory) -> list[dict[str, Any]]:
    project = advisory.project
    out: list[dict[str, Any]] = []
    commits = [r["commit"] for r in advisory.ranges if r.get("commit")]
    versions = [r["fixed_version"] for r in advisory.ranges if r.get("fixed_version")]
    if project is not None and project.ecosystem and project.package_name and versions:
        events: list[dict[str, str]] = [{"introduced": "0"}]
        events += [{"fixed": v} for v in versions]
        out.append(
            {
                "package": {"ecosystem": project.ecosystem, "name": project.package_name},
                "ranges": [{"type": "ECOSYSTEM", "events": events}],
            }
        )
    if project is not None and project.repository_url and commits:
        events = [{"introduced": "0"}] + [{"fixed": c} for c in commits]
        out.append({"ranges": [{"type": "GIT", "repo": project.repository_url, "events": events}]})
    return out


# ------------------------------------------------------------------ Atom


def atom_feed(advisories: list[PublishedAdvisory], *, base_url: str, title: str) -> str:
    feed = feedgenerator.Atom1Feed(
        title=title,
        link=f"{base_url}/advisories/",
        description="Published security advisories",
        feed_url=f"{base_url}/advisories/feed.atom",
        language="en",
    )
    for advisory in advisories:
        link = f"{base_url}/advisories/{advisory.public_id}/"
        feed.add_item(
            title=f"[{advisory.public_id}] {advisory.title}",
            link=link,
            description=f"{advisory.severity} severity. {advisory.description}",
            unique_id=link,
            pubdate=advisory.published_at,
            updateddate=advisory.modified_at,
            categories=[advisory.severity],
        )
    return feed.writeString("utf-8")


# ------------------------------------------------------------------ security.txt


def security_txt(settings_row: PublicSettings, *, base_url: str) -> str:
    """RFC 9116 fields, in the RFC's order; Expires is today + the team's expiry days."""
    expires = clock.now() + dt.timedelta(days=settings_row.expires_days)
    lines = [f"# Security contact for {settings_row.team.name}"]
    lines += [f"Contact: {contact}" for contact in settings_row.contact]
    lines.append(f"Expires: {_ts(expires)}")
    if settings_row.encryption:
        lines.append(f"Encryption: {settings_row.encryption}")
    if settings_row.acknowledgments:
        lines.append(f"Acknowledgments: {settings_row.acknowledgments}")
    if settings_row.preferred_languages:
        lines.append(f"Preferred-Languages: {settings_row.preferred_languages}")
    lines.append(f"Canonical: {base_url}/.well-known/security.txt")
    if settings_row.policy:
        lines.append(f"Policy: {settings_row.policy}")
    lines.append(f"CSAF: {base_url}/.well-known/csaf/provider-metadata.json")
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ CSAF


def csaf_filename(document: dict[str, Any]) -> str:
    """CSAF 2.0 section 5.1: the lower-cased tracking id, other characters as "_"."""
    import re

    tracking = str(document["document"]["tracking"]["id"]).lower()
    return re.sub(r"[^+\-a-z0-9]+", "_", tracking) + ".json"


def csaf_path(advisory: PublishedAdvisory) -> str:
    """``YYYY/name.json`` under the TLP:WHITE directory (year of first release)."""
    return f"{advisory.published_at.year}/{csaf_filename(advisory.csaf)}"


def csaf_provider_metadata(
    settings_row: PublicSettings, *, base_url: str, last_updated: dt.datetime
) -> dict[str, Any]:
    """CSAF 2.0 provider-metadata.json for the team's published CSAF directory."""
    team = settings_row.team
    return {
        "canonical_url": f"{base_url}/.well-known/csaf/provider-metadata.json",
        "distributions": [{"directory_url": f"{base_url}/.well-known/csaf/white/"}],
        "last_updated": _ts(last_updated),
        "list_on_CSAF_aggregators": True,
        "metadata_version": "2.0",
        "mirror_on_CSAF_aggregators": True,
        "publisher": {
            "category": "vendor",
            "name": team.name,
            "namespace": base_url or "https://example.invalid",
            "contact_details": ", ".join(settings_row.contact),
        },
        "role": "csaf_provider",
    }
