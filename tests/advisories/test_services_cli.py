"""Writing an advisory natively, exporting its records, and the import/export commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from csaf.csaf.v20._validator import validate as csaf_validate

from tests.advisories.test_golden import CVE_FILES, OSV_SCHEMA, SHARED, canonical, cna_written
from tests.conftest import build_report
from vulndesk.accounts.services import project_create
from vulndesk.advisories.csaf import build_csaf_document
from vulndesk.advisories.cve_json import build_cve_record
from vulndesk.advisories.osv import build_osv_record
from vulndesk.advisories.services import (
    advisory_add_credit,
    advisory_add_reference,
    advisory_set_affected,
    advisory_set_cwes,
    branch_set,
)
from vulndesk.cli import main
from vulndesk.core.errors import NotFound, PermissionDenied, TransitionRefused, ValidationFailed
from vulndesk.reports import services as rs
from vulndesk.reports.models import Report, State

SHA = "4eaf4891c12589e3c7bdad5f5b076e4c8392dd06"


def _branches(p: Any) -> None:
    for name, first, status in [
        ("3.8", "3.8.0", "end-of-life"),
        ("3.9", "3.9.0", "supported"),
        ("3.12", "3.12.0", "supported"),
        ("3.13", "3.13.0a1", "supported"),
    ]:
        branch_set(p.project, actor=p.admin, name=name, first_version=first, status=status)


def _csaf_problems(doc: dict[str, Any]) -> list[str]:
    result = csaf_validate(doc, preset="basic")
    return [f"{r.id}: {e.message}" for r in result.results if not r.passed and not r.skipped
            for e in r.errors]  # fmt: skip


@pytest.fixture
def written(personas: Any) -> Report:
    """A report written with the services: CVSS, CWE, ranges, references, credits."""
    p = personas
    _branches(p)
    report = build_report(p, State.FIXING)
    rs.report_set_severity(
        report, actor=p.member, cvss_vector="CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"
    )
    rs.report_set_advisory(
        report,
        actor=p.member,
        title="Quadratic time in zipfile.Path",
        description="Crafted names <make> zipfile.Path slow.\nUpgrade.",
        affected_components="zipfile.Path",
    )
    advisory_set_affected(
        report, actor=p.member, fixed_in={"3.9": "3.9.19", "3.12": "3.12.6", "3.13": "3.13.0rc2"}
    )
    advisory_set_cwes(report, actor=p.member, cwes=["CWE-407"])
    advisory_add_reference(
        report,
        actor=p.member,
        url="https://github.com/python/cpython/issues/1",
        tags=["issue-tracking"],
    )
    advisory_add_reference(
        report,
        actor=p.member,
        url=f"https://github.com/python/cpython/commit/{SHA}",
        tags=["patch"],
    )
    rs.report_set_credit(report, actor=p.reporter, wanted=True, name="Rita")
    advisory_add_credit(
        report, actor=p.member, name="Pat Fixer", credit_type="remediation developer"
    )
    report.refresh_from_db()
    return report


def test_native_advisory_gives_a_valid_cve_record_in_the_psf_shape(written: Report) -> None:
    assert written.severity == "Medium"
    assert written.affected_versions == (
        "Python 3.8 and earlier, 3.9.0 before 3.9.19, 3.12.0 before 3.12.6, "
        "3.13.0a1 before 3.13.0rc2"
    )
    cna = build_cve_record(written)
    affected = cna["affected"][0]
    assert affected["defaultStatus"] == "unaffected"
    assert affected["repo"] == "https://github.com/python/cpython"
    assert affected["modules"] == ["zipfile.Path"]
    assert affected["versions"][2] == {
        "version": "3.12.0", "lessThan": "3.12.6", "status": "affected", "versionType": "python",
    }  # fmt: skip
    assert cna["descriptions"][0]["supportingMedia"][0]["value"] == (
        "Crafted names &lt;make&gt; zipfile.Path slow.<br>Upgrade."
    )
    assert cna["problemTypes"][0]["descriptions"][0]["cweId"] == "CWE-407"
    assert cna["metrics"][0]["cvssV3_1"]["baseScore"] == 6.2
    assert [(c["type"], c["value"]) for c in cna["credits"]] == [
        ("finder", "Rita"), ("remediation developer", "Pat Fixer"), ("coordinator", "Bob"),
    ]  # fmt: skip
    assert [r["tags"] for r in cna["references"]] == [["issue-tracking"], ["patch"]]
    assert cna["x_generator"]["engine"].startswith("vulndesk ")
    assert "providerMetadata" not in cna  # cvelib adds it from the org at publication


def test_native_osv_and_csaf_are_valid(written: Report) -> None:
    osv = build_osv_record(written)
    jsonschema.validate(osv, OSV_SCHEMA)
    assert osv["id"] == f"x_{written.key}"  # PSRT is no registered OSV prefix
    assert osv["aliases"] == [written.cve_id]
    assert osv["affected"][0]["ranges"][0]["type"] == "GIT"
    assert osv["severity"] == [{"type": "CVSS_V3", "score": written.cvss_vector}]
    assert [r["type"] for r in osv["references"]] == ["REPORT", "FIX"]
    assert osv["database_specific"] == {"cwe_ids": ["CWE-407"]}
    assert _csaf_problems(build_csaf_document(written)) == []


def test_pypi_package_gets_collection_url_and_ecosystem_ranges(personas: Any) -> None:
    p = personas
    pip = project_create(p.team, slug="pip", name="pip", repository_url="https://github.com/pypa/pip",
                         ecosystem="PyPI", package_name="pip", actor=p.admin)  # fmt: skip
    branch_set(pip, actor=p.admin, name="23", first_version="23.0")
    report = build_report(p, State.ACCEPTED)
    report.project = pip
    report.save(update_fields=["project"])
    rs.report_set_advisory(report, actor=p.member, description="Injection via hg revision.",
                           whole_project=True)  # fmt: skip
    advisory_set_affected(report, actor=p.member, fixed_in={"23": "23.3"})
    report.refresh_from_db()
    with pytest.raises(ValidationFailed, match="at least one reference"):
        build_cve_record(report)
    advisory_add_reference(report, actor=p.member, url="https://github.com/pypa/pip/pull/12306",
                           tags=["patch"])  # fmt: skip
    report.refresh_from_db()
    cna = build_cve_record(report)
    assert cna["affected"][0]["collectionURL"] == "https://pypi.org"
    assert cna["affected"][0]["packageName"] == "pip"
    assert "modules" not in cna["affected"][0]
    osv = build_osv_record(report)
    jsonschema.validate(osv, OSV_SCHEMA)
    assert osv["affected"][0]["package"] == {
        "ecosystem": "PyPI",
        "name": "pip",
        "purl": "pkg:pypi/pip",
    }
    assert osv["affected"][0]["ranges"][0]["events"] == [{"introduced": "0"}, {"fixed": "23.3"}]


def test_advisory_edits_are_refused_with_reasons(personas: Any) -> None:
    p = personas
    _branches(p)
    report = build_report(p, State.ACCEPTED)
    with pytest.raises(ValidationFailed, match=r"no branch 3\.7"):
        advisory_set_affected(report, actor=p.member, fixed_in={"3.7": "3.7.9"})
    with pytest.raises(ValidationFailed, match="CWE-999999 is not in the CWE list"):
        advisory_set_cwes(report, actor=p.member, cwes=["CWE-999999"])
    with pytest.raises(ValidationFailed, match="Unknown CVE reference tag"):
        advisory_add_reference(report, actor=p.member, url="https://x.test/", tags=["fix"])
    with pytest.raises(PermissionDenied):
        advisory_set_cwes(report, actor=p.reporter, cwes=["CWE-22"])
    with pytest.raises(NotFound):
        advisory_set_cwes(report, actor=p.other_admin, cwes=["CWE-22"])
    with pytest.raises(PermissionDenied):
        branch_set(p.project, actor=p.member, name="3.14")
    triage = build_report(p, State.TRIAGE)
    with pytest.raises(TransitionRefused):  # the advisory waits for the decision
        advisory_set_affected(triage, actor=p.member, fixed_in={"3.9": "3.9.19"})
    assert not triage.timeline.filter(action="advisory:affected:set").exists()


def test_missing_affected_versions_block_the_cve_record(personas: Any) -> None:
    report = build_report(personas, State.FIXED)
    rs.report_set_advisory(report, actor=personas.member, description="Described.")
    report.refresh_from_db()
    with pytest.raises(ValidationFailed, match="no affected versions"):
        build_cve_record(report)


# --------------------------------------------------------------------------- CLI


def _run(capsys: Any, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_import_then_export_prints_the_same_record(
    personas: Any, capsys: Any, tmp_path: Path
) -> None:
    code, out, _err = _run(capsys, "import", "cve", str(SHARED / "examples" / "cve"),
                           "--team", "psrt", "--as", "alice")  # fmt: skip
    assert code == 0
    assert "Imported 6 of 6 CVE records." in out
    code, out, _err = _run(capsys, "export", "cve", "CVE-2024-6232")  # published: public
    assert code == 0
    original = json.loads((SHARED / "examples" / "cve" / "CVE-2024-6232.json").read_text())
    assert canonical(cna_written(json.loads(out))) == canonical(
        cna_written(original["containers"]["cna"])
    )
    code, out, _err = _run(capsys, "export", "osv", "--out", str(tmp_path), "--team", "psrt",
                           "--as", "bob")  # fmt: skip
    assert code == 0
    assert len(list(tmp_path.iterdir())) == 6


def test_cli_import_names_bad_files_and_exits_zero(
    personas: Any, capsys: Any, tmp_path: Path
) -> None:
    (tmp_path / "bad.json").write_text("{")
    (tmp_path / "good.json").write_text(CVE_FILES[0].read_text())
    code, out, err = _run(capsys, "import", "cve", str(tmp_path), "--team", "psrt", "--as", "alice")
    assert code == 0
    assert "bad.json: not valid JSON" in err
    assert "Imported 1 of 2 CVE records." in out


def test_cli_export_hides_unpublished_reports(personas: Any, capsys: Any) -> None:
    report = build_report(personas, State.FIXING)
    code, _out, err = _run(capsys, "export", "cve", report.key, "--as", "rita")
    assert code == 1
    assert f"There is no published report {report.key}" in err
    code, _out, err = _run(capsys, "export", "cve", report.key)
    assert code == 1


def test_cli_cvss_names_the_bad_metric(db: Any, capsys: Any) -> None:
    code, out, _err = _run(
        capsys, "advisory", "cvss", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "--json"
    )
    assert code == 0
    assert json.loads(out) == {
        "vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "version": "3.1",
        "base_score": 9.8,
        "severity": "Critical",
    }
    code, _out, err = _run(
        capsys, "advisory", "cvss", "CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
    )
    assert code == 1
    assert "AV:Q" in err


def test_cli_export_out_writes_the_complete_and_names_the_incomplete(
    personas: Any, capsys: Any, tmp_path: Path
) -> None:
    incomplete = build_report(personas, State.PUBLISHED)  # no structured affected versions
    code, _out, _err = _run(capsys, "import", "cve", str(CVE_FILES[0]), "--team", "psrt",
                            "--as", "alice")  # fmt: skip
    assert code == 0
    code, out, err = _run(capsys, "export", "cve", "--out", str(tmp_path), "--team", "psrt",
                          "--as", "bob")  # fmt: skip
    assert code == 0
    assert [p.name for p in tmp_path.iterdir()] == ["CVE-2023-5752.json"]
    assert f"{incomplete.key}: {incomplete.key} has no affected versions yet" in err
    assert "Wrote 1 CVE record(s)" in out
    code, _out, err = _run(capsys, "export", "cve", "--out", str(tmp_path), "--team", "psrt",
                           "--as", "rita")  # fmt: skip
    assert code == 1  # a reporter cannot bulk-export a team
