"""The CNA container vulndesk sends for a report.

The full PSF-shaped CVE JSON 5 builder belongs to the advisories app (issue 5 part B).
``build_cna_container`` uses it when it is there (``vulndesk.advisories.cve_json``'s
``cna_container(report)``) and otherwise builds the minimal valid container below, so
publishing works either way. Both are validated with cvelib's schema before sending.
"""

from __future__ import annotations

import importlib
from typing import Any

import vulndesk
from vulndesk.reports.models import Report

GENERATOR = f"vulndesk {getattr(vulndesk, '__version__', '')}".strip()


def _advisories_builder() -> Any:
    try:
        module = importlib.import_module("vulndesk.advisories.cve_json")
    except ImportError:
        return None
    return getattr(module, "cna_container", None)


def build_cna_container(report: Report) -> dict[str, Any]:
    builder = _advisories_builder()
    if builder is not None:
        return dict(builder(report))
    return minimal_cna_container(report)


def minimal_cna_container(report: Report) -> dict[str, Any]:
    """Title, description, product, references and credit_list, straight from the report."""
    project = report.project
    product: dict[str, Any] = {
        "vendor": (project.cve_vendor if project else "") or report.team.name,
        "product": (project.cve_product or project.name) if project else report.team.name,
        "defaultStatus": "unknown",
    }
    if project is not None and project.repository_url:
        product["repo"] = project.repository_url
    references = [{"url": pr.url, "tags": ["patch"]} for pr in report.fix_prs.all()]
    credit_list: list[dict[str, Any]] = []
    if report.credit_wanted and report.credit_name:
        credit_list.append(
            {"lang": "en", "type": report.credit_type or "finder", "value": report.credit_name}
        )
    if report.coordinator is not None:
        credit_list.append(
            {"lang": "en", "type": "coordinator", "value": report.coordinator.display_name}
        )
    container: dict[str, Any] = {
        "title": report.advisory_title or report.title,
        "descriptions": [
            {"lang": "en", "value": report.advisory_description or report.advisory_title}
        ],
        "affected": [product],
        "references": references,
        "x_generator": {"engine": GENERATOR},
    }
    if credit_list:
        container["credits"] = credit_list
    return container
