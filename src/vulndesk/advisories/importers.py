"""Loading a team's history: CVE JSON 5 and OSV records become published reports.

Each record is imported in its own transaction; a bad one is reported by name and
reason and the others still import. A CVE record and an OSV record of the same
vulnerability (the OSV record lists the CVE ID in ``aliases``) land on one report.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.utils.text import slugify

from vulndesk.accounts.models import Project, Team, User
from vulndesk.accounts.permissions import require_team_admin
from vulndesk.advisories.cve_json import validate_cna_container
from vulndesk.advisories.models import (
    Advisory,
    AffectedProduct,
    AffectedRange,
    Credit,
    Reference,
    Weakness,
)
from vulndesk.advisories.osv import validate_osv
from vulndesk.advisories.severity import cvss_parse, severity_from_score
from vulndesk.advisories.typed import parse_timestamp
from vulndesk.advisories.versions import VersionRange, ranges_in_words
from vulndesk.core import clock
from vulndesk.core.errors import ApplicationError, ValidationFailed
from vulndesk.reports.models import CreditType, Report, Source, State
from vulndesk.reports.timeline import record

# CNA container properties the importer keeps; others are named in the warnings.
CVE_KEPT = {
    "providerMetadata", "title", "descriptions", "affected", "problemTypes", "impacts",
    "metrics", "credits", "references", "source", "x_generator",
}  # fmt: skip
OSV_KEPT = {
    "schema_version", "id", "modified", "published", "aliases", "details", "severity",
    "affected", "references", "credits", "database_specific",
}  # fmt: skip
_SEVERITY_WORDS = re.compile(r"\bThere is an? (LOW|MEDIUM|HIGH|CRITICAL) severity", re.I)
IMPORT_REPORTER = "imported-records@{slug}.invalid"


@dataclass
class Imported:
    path: str
    key: str = ""
    record_id: str = ""
    error: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.error


def _project(team: Team, *, actor: User, product: str, repo: str, package: str) -> Project:
    projects = list(team.projects.all())
    for p in projects:
        if package and p.package_name.lower() == package.lower():
            return p
        if repo and p.repository_url.rstrip("/") == repo.rstrip("/"):
            return p
        if product and product.lower() in {p.cve_product.lower(), p.name.lower()}:
            return p
    from vulndesk.accounts.services import project_create

    name = product or package or repo.rstrip("/").rsplit("/", 1)[-1]
    return project_create(
        team,
        slug=slugify(name)[:50] or "imported",
        name=name,
        repository_url=repo,
        cve_product=product,
        ecosystem="PyPI" if package else "",
        package_name=package,
        actor=actor,
    )


def _new_report(team: Team, *, actor: User, title: str, project: Project | None) -> Report:
    from vulndesk.reports.services import report_create

    return report_create(
        team=team,
        reporter_email=IMPORT_REPORTER.format(slug=team.slug),
        reporter_name="Imported record",
        title=title,
        project=project,
        source=Source.IMPORT,
        actor=actor,
    )


def _publish_imported(report: Report, published: Any) -> None:
    when = parse_timestamp(published) if isinstance(published, str) else clock.now()
    if report.state != State.PUBLISHED:
        report.state = State.PUBLISHED
        report.published_at = when
        report.decided_at = report.decided_at or when
        report.fixed_at = report.fixed_at or when


def _severity_from(report: Report, description: str) -> None:
    if report.cvss_vector:
        report.severity = severity_from_score(cvss_parse(report.cvss_vector).base_score)
        return
    found = _SEVERITY_WORDS.search(description)
    if found and not report.severity:
        report.severity = found.group(1).capitalize()


# --------------------------------------------------------------------------- CVE JSON 5


def import_cve(data: dict[str, Any], *, team: Team, actor: User) -> Imported:  # noqa: PLR0915 - maps one record's fields in order
    """Import one CVE JSON 5 record (a full record with cveMetadata)."""
    result = Imported(path="")
    if data.get("dataType") != "CVE_RECORD" or "cveMetadata" not in data:
        raise ValidationFailed("not a CVE JSON 5 record (no dataType CVE_RECORD / cveMetadata).")
    meta = data["cveMetadata"]
    cve_id = meta.get("cveId", "")
    if meta.get("state") != "PUBLISHED":
        raise ValidationFailed(f"{cve_id} is {meta.get('state')}, not PUBLISHED.")
    cna = data.get("containers", {}).get("cna")
    if not isinstance(cna, dict):
        raise ValidationFailed("the record has no CNA container.")
    validate_cna_container(cna)
    result.record_id = cve_id
    result.warnings += [f"{cve_id}: {name} is not kept" for name in sorted(set(cna) - CVE_KEPT)]

    english = [d for d in cna["descriptions"] if d.get("lang", "en").startswith("en")]
    description = (english or cna["descriptions"])[0]
    if len(cna["descriptions"]) > 1:
        result.warnings.append(f"{cve_id}: only the first English description is kept")
    html_twin = next(
        (
            m["value"]
            for m in description.get("supportingMedia", [])
            if m.get("type") == "text/html"
        ),
        "",
    )
    first = cna["affected"][0]
    with transaction.atomic():
        project = _project(
            team,
            actor=actor,
            product=first.get("product", ""),
            repo=first.get("repo", ""),
            package=first.get("packageName", ""),
        )
        report = Report.objects.filter(team=team, cve_id=cve_id).first()
        title = cna.get("title") or cve_id
        if report is None:
            report = _new_report(team, actor=actor, title=title, project=project)
        report.cve_id = cve_id
        report.advisory_title = title
        report.advisory_description = description["value"]
        vectors = [
            body["vectorString"]
            for metric in cna.get("metrics", [])
            for key, body in metric.items()
            if key.startswith("cvssV3") or key.startswith("cvssV4")
        ]
        report.cvss_vector = vectors[0] if vectors else report.cvss_vector
        if len(vectors) > 1:
            result.warnings.append(f"{cve_id}: only the first CVSS metric is kept")
        _severity_from(report, description["value"])
        modules = [m for a in cna["affected"] for m in a.get("modules", [])]
        report.affected_components = "\n".join(modules)
        report.affects_whole_project = not modules
        _publish_imported(report, meta.get("datePublished"))
        report.cve_published_at = report.published_at
        report.cve_assigned_at = report.cve_assigned_at or report.published_at

        advisory, _ = Advisory.objects.get_or_create(report=report)
        advisory.description_html = html_twin
        advisory.impacts = list(cna.get("impacts", []))
        advisory.discovery = cna.get("source", {}).get("discovery", "UNKNOWN")
        provider = cna.get("providerMetadata", {})
        advisory.cna_org_id = provider.get("orgId", "")
        advisory.cna_short_name = provider.get("shortName", "")
        advisory.save()

        report.affected_versions = _store_affected(advisory, cna["affected"], result)
        _store_weaknesses(advisory, cna, result)
        _store_credits(report, advisory, cna)
        _merge_references(
            advisory,
            [(r["url"], r.get("name", ""), list(r.get("tags", [])), "") for r in cna["references"]],
            side="cve",
        )
        report.save()
        record(
            report,
            actor=actor,
            action="advisory:import:cve",
            after={"cve_id": cve_id, "state": report.state},
        )
    result.key = report.key
    return result


def _store_affected(advisory: Advisory, entries: list[dict[str, Any]], result: Imported) -> str:
    """Replace the advisory's products and ranges; return the ranges in words."""
    advisory.products.all().delete()
    words = []
    for index, entry in enumerate(entries):
        product = AffectedProduct.objects.create(
            advisory=advisory,
            position=index,
            vendor=entry.get("vendor", ""),
            product=entry.get("product", ""),
            repo=entry.get("repo", ""),
            collection_url=entry.get("collectionURL", ""),
            package_name=entry.get("packageName", ""),
            modules=list(entry.get("modules", [])),
            platforms=list(entry.get("platforms", [])),
            default_status=entry.get("defaultStatus", "unaffected"),
        )
        ranges = []
        for position, v in enumerate(entry.get("versions", [])):
            AffectedRange.objects.create(
                product=product,
                position=position,
                version=v["version"],
                less_than=v.get("lessThan", ""),
                less_than_or_equal=v.get("lessThanOrEqual", ""),
                status=v["status"],
                version_type=v.get("versionType", ""),
            )
            if v["status"] == "affected":
                try:
                    ranges.append(
                        VersionRange(
                            v["version"],
                            fixed=v.get("lessThan", ""),
                            last_affected=v.get("lessThanOrEqual", ""),
                        )
                    )
                except ApplicationError as exc:
                    result.warnings.append(f"{result.record_id}: {exc.message}")
        if ranges:
            words.append(ranges_in_words(entry.get("product", ""), ranges))
    return "; ".join(words)


def _store_weaknesses(advisory: Advisory, cna: dict[str, Any], result: Imported) -> None:
    advisory.weaknesses.all().delete()
    position = 0
    for problem in cna.get("problemTypes", []):
        for d in problem.get("descriptions", []):
            Weakness.objects.create(
                advisory=advisory,
                position=position,
                cwe_id=d.get("cweId", ""),
                description=d.get("description", ""),
            )
            position += 1
        if len(problem.get("descriptions", [])) != 1:
            result.warnings.append(f"{result.record_id}: problem types are kept one CWE per entry")


def _store_credits(report: Report, advisory: Advisory, cna: dict[str, Any]) -> None:
    advisory.credits.all().delete()
    for index, c in enumerate(cna.get("credits", [])):
        Credit.objects.create(
            advisory=advisory,
            position=index,
            name=c["value"],
            type=c.get("type", CreditType.FINDER),
            lang=c.get("lang", "en"),
            user_uuid=c.get("user", ""),
        )
    finder = next(
        (c for c in cna.get("credits", []) if c.get("type") in ("finder", "reporter")), None
    )
    if finder is not None:
        report.credit_wanted = True
        report.credit_name = finder["value"]
        report.credit_type = finder["type"]


def _merge_references(
    advisory: Advisory, refs: list[tuple[str, str, list[str], str]], *, side: str
) -> None:
    """Give each URL its place in the ``side`` ("cve" or "osv") record, keeping the other's."""
    position_field = f"{side}_position"
    advisory.references.update(**{position_field: None})
    for index, (url, name, tags, osv_type) in enumerate(refs):
        row = advisory.references.filter(url=url).first()
        if row is None:
            row = Reference(advisory=advisory, url=url)
        setattr(row, position_field, index)
        if side == "cve":
            row.tags = tags
            row.name = name
        else:
            row.osv_type = osv_type
        row.save()
    advisory.references.filter(cve_position__isnull=True, osv_position__isnull=True).delete()


# --------------------------------------------------------------------------- OSV


def import_osv(data: dict[str, Any], *, team: Team, actor: User) -> Imported:  # noqa: PLR0915 - maps one record's fields in order
    """Import one OSV record (JSON or YAML already parsed)."""
    validate_osv(data)
    osv_id = data["id"]
    result = Imported(path="", record_id=osv_id)
    result.warnings += [f"{osv_id}: {name} is not kept" for name in sorted(set(data) - OSV_KEPT)]
    aliases = list(data.get("aliases", []))
    cve_id = next((a for a in aliases if a.startswith("CVE-")), "")
    affected = data.get("affected") or [{}]
    first = affected[0]
    package = (first.get("package") or {}).get("name", "")
    git = next((r for a in affected for r in a.get("ranges", []) if r["type"] == "GIT"), None)
    repo = git.get("repo", "") if git else ""
    with transaction.atomic():
        report = Report.objects.filter(team=team, cve_id=cve_id).first() if cve_id else None
        if report is None:
            report = Report.objects.filter(team=team, advisory__osv_id=osv_id).first()
        project = report.project if report and report.project else None
        if project is None:
            project = _project(team, actor=actor, product="", repo=repo, package=package)
        details = data.get("details", "")
        if report is None:
            title = data.get("summary") or (details.strip().splitlines() or [osv_id])[0][:300]
            report = _new_report(team, actor=actor, title=title, project=project)
            report.cve_id = cve_id
            report.advisory_title = title
            report.advisory_description = details
        advisory, _ = Advisory.objects.get_or_create(report=report)
        advisory.osv_id = osv_id
        advisory.osv_aliases = [a for a in aliases if a != cve_id]
        advisory.osv_details = "" if details == report.advisory_description else details
        vectors = [s["score"] for s in data.get("severity", []) if s["type"].startswith("CVSS_V")]
        if vectors and not report.cvss_vector:
            report.cvss_vector = vectors[0]
        vector = vectors[0] if vectors else ""
        advisory.osv_severity_from_report = vector == report.cvss_vector
        advisory.osv_cvss_vector = vector
        _severity_from(report, details)
        advisory.osv_with_credits = bool(data.get("credits"))
        advisory.osv_database_specific = data.get("database_specific", {})
        advisory.osv_published = parse_timestamp(data["published"]) if "published" in data else None
        advisory.osv_modified = parse_timestamp(data["modified"])
        if git is not None:
            events = git["events"]
            advisory.git_introduced = next(
                (e["introduced"] for e in events if "introduced" in e), "0"
            )
            advisory.fix_commits = [e["fixed"] for e in events if "fixed" in e]
        advisory.osv_versions = list(first.get("versions", []))
        advisory.save()
        if package and not advisory.products.exists():
            _products_from_ecosystem(advisory, project, first)
        for c in data.get("credits", []):
            ctype = (c.get("type") or "OTHER").lower().replace("_", " ")
            if not advisory.credits.filter(name=c["name"]).exists():
                Credit.objects.create(
                    advisory=advisory, position=advisory.credits.count(), name=c["name"], type=ctype
                )
        _merge_references(
            advisory,
            [(r["url"], "", [], r["type"]) for r in data.get("references", [])],
            side="osv",
        )
        _publish_imported(report, data.get("published"))
        report.save()
        record(report, actor=actor, action="advisory:import:osv", after={"osv_id": osv_id})
    result.key = report.key
    return result


def _products_from_ecosystem(advisory: Advisory, project: Project, entry: dict[str, Any]) -> None:
    name = entry["package"]["name"]
    product = AffectedProduct.objects.create(
        advisory=advisory,
        vendor=project.cve_vendor or name,
        product=project.cve_product or name,
        repo=project.repository_url,
        collection_url="https://pypi.org",
        package_name=name,
    )
    position = 0
    for rng in entry.get("ranges", []):
        if rng["type"] != "ECOSYSTEM":
            continue
        start = "0"
        for event in rng["events"]:
            if "introduced" in event:
                start = event["introduced"]
            elif "fixed" in event or "last_affected" in event:
                AffectedRange.objects.create(
                    product=product,
                    position=position,
                    version=start,
                    less_than=event.get("fixed", ""),
                    less_than_or_equal=event.get("last_affected", ""),
                )
                position += 1


# --------------------------------------------------------------------------- files


def record_files(paths: Iterable[str | Path]) -> list[Path]:
    """The record files named, folders walked for *.json / *.yaml / *.yml, in order."""
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found += sorted(
                p for p in path.rglob("*") if p.suffix in {".json", ".yaml", ".yml"} and p.is_file()
            )
        else:
            found.append(path)
    return found


class _YamlLoader(yaml.SafeLoader):
    """YAML without implicit timestamps: OSV times stay RFC 3339 strings, as in JSON."""


_YamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _load(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationFailed(f"cannot read it: {exc}") from exc
    try:
        data = (
            yaml.load(text, Loader=_YamlLoader)  # noqa: S506 - _YamlLoader is a SafeLoader
            if path.suffix in {".yaml", ".yml"}
            else json.loads(text)
        )
    except (ValueError, yaml.YAMLError) as exc:
        raise ValidationFailed(f"not valid {path.suffix[1:].upper()}: {exc}") from exc
    if not isinstance(data, dict):
        raise ValidationFailed("the file does not hold one record (an object).")
    return data


def records_import(
    kind: str,
    paths: Iterable[str | Path],
    *,
    team: Team,
    actor: User,
    progress: Callable[[Imported], None] | None = None,
) -> list[Imported]:
    """Import every file; each gets its own result, a bad one does not stop the rest."""
    require_team_admin(actor, team)
    importer = {"cve": import_cve, "osv": import_osv}.get(kind)
    if importer is None:
        raise ValidationFailed(f"Import kind must be cve or osv, not {kind!r}.")
    results = []
    for path in record_files(paths):
        try:
            result = importer(_load(path), team=team, actor=actor)
        except ApplicationError as exc:
            result = Imported(path=str(path), error=exc.message)
        except (KeyError, TypeError, ValueError) as exc:
            result = Imported(path=str(path), error=f"unexpected record content ({exc!r})")
        result.path = str(path)
        results.append(result)
        if progress is not None:
            progress(result)
    return results
