"""Golden round trip: the PSF's real records import, and export again unchanged.

Every field the CNA wrote must come back equal (descriptions, affected, problemTypes,
metrics, credits, references, title, impacts, source); only generator metadata
(providerMetadata's dates, x_generator; OSV schema_version) may differ. The CVE and OSV
records of one vulnerability land on the same report, and both still round-trip.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.shared_files import SHARED
from vulndesk.advisories.cve_json import build_cve_record
from vulndesk.advisories.importers import records_import
from vulndesk.advisories.osv import build_osv_record
from vulndesk.advisories.typed import parse_timestamp
from vulndesk.reports.models import Report, State

CVE_FILES = sorted((SHARED / "examples" / "cve").glob("*.json"))
OSV_FILES = sorted((SHARED / "examples" / "osv").glob("*"))
assert CVE_FILES, "no CVE examples found: the golden tests would test nothing"
assert OSV_FILES, "no OSV examples found: the golden tests would test nothing"
OSV_SCHEMA = json.loads((SHARED / "schemas" / "osv-schema.json").read_text())


def _load(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text) if path.suffix == ".yaml" else json.loads(text)
    return data


def canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, indent=1)


def cna_written(cna: dict[str, Any]) -> dict[str, Any]:
    """What the CNA wrote: without the generator metadata."""
    return {k: v for k, v in cna.items() if k not in {"providerMetadata", "x_generator"}}


def osv_written(osv: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in osv.items() if k != "schema_version"}
    for key in ("modified", "published"):
        if key in out:
            out[key] = parse_timestamp(str(out[key])).isoformat()
    return out


@pytest.fixture
def imported(personas: Any) -> Any:
    cve = records_import("cve", CVE_FILES, team=personas.team, actor=personas.admin)
    osv = records_import("osv", OSV_FILES, team=personas.team, actor=personas.admin)
    assert [r.error for r in cve + osv] == [""] * (len(CVE_FILES) + len(OSV_FILES))
    return {Path(r.path).stem: r for r in cve + osv}


def test_examples_are_there() -> None:
    assert len(CVE_FILES) == 6
    assert len(OSV_FILES) == 4


@pytest.mark.parametrize("path", CVE_FILES, ids=lambda p: p.stem)
def test_cve_record_imports_and_exports_equal(path: Path, imported: Any) -> None:
    original = _load(path)
    report = Report.objects.get(key=imported[path.stem].key)
    assert report.state == State.PUBLISHED
    assert report.cve_id == original["cveMetadata"]["cveId"]
    exported = build_cve_record(report)
    assert canonical(cna_written(exported)) == canonical(cna_written(original["containers"]["cna"]))
    assert exported["providerMetadata"]["orgId"] == "28c92f92-d60d-412d-b760-e73465c3df22"


@pytest.mark.parametrize("path", OSV_FILES, ids=lambda p: p.stem)
def test_osv_record_imports_and_exports_equal(path: Path, imported: Any) -> None:
    original = _load(path)
    report = Report.objects.get(key=imported[path.stem].key)
    exported = build_osv_record(report)
    jsonschema.validate(exported, OSV_SCHEMA)
    assert canonical(osv_written(exported)) == canonical(osv_written(original))


def test_cve_and_osv_of_one_vulnerability_share_a_report(imported: Any) -> None:
    assert imported["PSF-2024-2"].key == imported["CVE-2024-0450"].key
    assert imported["PSF-2024-8"].key == imported["CVE-2024-6923"].key
    assert imported["PSF-2024-11"].key == imported["CVE-2024-6232"].key
    assert imported["PYSEC-2023-228"].key == imported["CVE-2023-5752"].key
    assert Report.objects.count() == 6


def test_imported_reports_carry_severity_versions_and_credit(imported: Any) -> None:
    r = Report.objects.get(cve_id="CVE-2024-6232")
    assert r.severity == "Medium"  # from "There is a MEDIUM severity…": no CVSS metric
    assert r.affected_versions == "CPython versions before 3.13.0rc2"
    assert (r.credit_wanted, r.credit_name) == (True, "Elias Joakim Myllymäki")
    r = Report.objects.get(cve_id="CVE-2025-4517")
    assert (r.severity, r.cvss_vector[:9]) == ("Critical", "CVSS:3.1/")
    assert r.affected_components == "tarfile"
    assert not r.affects_whole_project
    r = Report.objects.get(cve_id="CVE-2024-0450")
    assert r.affected_versions.startswith("CPython versions before 3.8.19, 3.9.0 before 3.9.19")


def test_a_changed_field_shows_in_the_comparison(imported: Any) -> None:
    """The round trip compares real content: edit one range and the export differs."""
    from vulndesk.advisories.models import AffectedRange

    original = _load(SHARED / "examples" / "cve" / "CVE-2024-0450.json")
    report = Report.objects.get(cve_id="CVE-2024-0450")
    AffectedRange.objects.filter(product__advisory__report=report, less_than="3.9.19").update(
        less_than="3.9.20"
    )
    exported = build_cve_record(report)
    assert canonical(cna_written(exported)) != canonical(cna_written(original["containers"]["cna"]))
    assert {"version": "3.9.0", "lessThan": "3.9.20", "status": "affected",
            "versionType": "python"} in exported["affected"][0]["versions"]  # fmt: skip


def test_bad_files_are_named_and_the_rest_still_import(personas: Any, tmp_path: Path) -> None:
    (tmp_path / "a-broken.json").write_text("{not json")
    (tmp_path / "b-list.json").write_text("[]")
    rejected = _load(CVE_FILES[0])
    rejected["cveMetadata"]["state"] = "REJECTED"
    (tmp_path / "c-rejected.json").write_text(json.dumps(rejected))
    invalid = _load(CVE_FILES[1])
    del invalid["containers"]["cna"]["affected"]
    (tmp_path / "d-invalid.json").write_text(json.dumps(invalid))
    (tmp_path / "e-good.json").write_text(CVE_FILES[2].read_text())
    seen: list[str] = []
    results = records_import(
        "cve", [tmp_path], team=personas.team, actor=personas.admin,
        progress=lambda r: seen.append(Path(r.path).name),
    )  # fmt: skip
    by_name = {Path(r.path).name: r for r in results}
    assert seen == ["a-broken.json", "b-list.json", "c-rejected.json", "d-invalid.json",
                    "e-good.json"]  # fmt: skip
    assert "not valid JSON" in by_name["a-broken.json"].error
    assert "one record" in by_name["b-list.json"].error
    assert "REJECTED, not PUBLISHED" in by_name["c-rejected.json"].error
    assert "'affected' is a required property" in by_name["d-invalid.json"].error
    assert by_name["e-good.json"].ok
    assert Report.objects.filter(team=personas.team).count() == 1


def test_only_a_team_admin_imports(personas: Any) -> None:
    from vulndesk.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        records_import("cve", CVE_FILES[:1], team=personas.team, actor=personas.member)
    assert not Report.objects.exists()
