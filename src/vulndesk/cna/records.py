"""The CNA container vulndesk sends for a report: the advisories app's CVE JSON 5 builder.

``vulndesk.advisories.cve_json.build_cve_record`` builds the PSF-shaped container from
the report and its advisory (typed objects, validated with cvelib's schema) and refuses,
naming what is missing, when the advisory is not complete enough for a record.
"""

from __future__ import annotations

from typing import Any

from vulndesk.reports.models import Report


def build_cna_container(report: Report) -> dict[str, Any]:
    from vulndesk.advisories.cve_json import build_cve_record

    # providerMetadata: kept when the advisory knows the CNA's org id, else cvelib adds it
    # from the credentials' org; CVE Services overwrites it either way.
    return dict(build_cve_record(report))
