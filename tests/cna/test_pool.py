"""The CVE ID pool: loading, reserving, assigning on accept, releasing, withdraw policy."""

from __future__ import annotations

import http.client
import json
import socket
from typing import Any

import pytest

from tests.conftest import Personas, build_report
from vulndesk.cna import services as cna
from vulndesk.cna.adapter import CveServicesError, CveServicesNotConfigured
from vulndesk.cna.models import CnaSettings, CveId, CveIdState, CveRequest, CveRequestKind
from vulndesk.core.errors import NotFound, PermissionDenied, TransitionRefused, ValidationFailed
from vulndesk.reports import services as rs
from vulndesk.reports.models import State


def _load(p: Personas, *ids: str) -> cna.LoadResult:
    return cna.cve_pool_load(p.team, actor=p.admin, cve_ids=ids)


def _accepted(p: Personas) -> object:
    return build_report(p, State.ACCEPTED)


def test_load_adds_ids_and_names_each_skipped_one(personas: Personas) -> None:
    p = personas
    cna.cve_pool_load(p.other_team, actor=p.other_admin, cve_ids=["CVE-2026-9000"])
    result = _load(
        p, "CVE-2026-1001", "cve-2026-1002", "CVE-26-1", "CVE-2026-1001", "CVE-2026-9000"
    )
    assert result.added == ["CVE-2026-1001", "CVE-2026-1002"]
    assert result.skipped == {
        "CVE-26-1": (
            "'CVE-26-1' is not a CVE ID; the format is CVE-YYYY-NNNN (four to nineteen digits)."
        ),
        "CVE-2026-1001": "already in the pool",
        "CVE-2026-9000": "held by another team",
    }
    assert CveId.objects.get(cve_id="CVE-2026-1002").state == CveIdState.AVAILABLE


def test_only_admins_load_ids(personas: Personas) -> None:
    p = personas
    with pytest.raises(PermissionDenied):
        cna.cve_pool_load(p.team, actor=p.member, cve_ids=["CVE-2026-1001"])
    with pytest.raises(NotFound):
        cna.cve_pool_load(p.team, actor=p.other_admin, cve_ids=["CVE-2026-1001"])
    with pytest.raises(NotFound):
        cna.cve_pool_load(p.team, actor=p.reporter, cve_ids=["CVE-2026-1001"])
    assert not CveId.objects.exists()


def test_accept_assigns_the_lowest_available_id_of_the_pool(personas: Personas) -> None:
    p = personas
    _load(p, "CVE-2026-1005", "CVE-2025-1010", "CVE-2026-1001")
    report = _accepted(p)
    assert report.cve_id == "CVE-2025-1010"
    row = CveId.objects.get(cve_id="CVE-2025-1010")
    assert row.state == CveIdState.ASSIGNED
    assert row.report_id == report.pk
    assert report.timeline.filter(action="cve:id:assign").exists()
    second = _accepted(p)
    assert second.cve_id == "CVE-2026-1001"


def test_accept_without_auto_assign_leaves_the_id_to_the_coordinator(personas: Personas) -> None:
    p = personas
    _load(p, "CVE-2026-1001")
    cna.cna_policy_set(p.team, actor=p.admin, auto_assign=False)
    report = _accepted(p)
    assert report.cve_id == ""
    cna.cve_assign(report, actor=p.member)
    report.refresh_from_db()
    assert report.cve_id == "CVE-2026-1001"


def test_accept_with_an_empty_pool_says_so_on_the_timeline(personas: Personas) -> None:
    p = personas
    cna.cna_policy_set(p.team, actor=p.admin, auto_assign=True)
    report = _accepted(p)
    assert report.cve_id == ""
    event = report.timeline.get(action="cve:id:pool-empty")
    assert "vulndesk cve reserve" in event.note
    with pytest.raises(NotFound, match="no available ID"):
        cna.cve_assign(report, actor=p.member)


def test_a_team_without_a_pool_is_unaffected(personas: Personas) -> None:
    p = personas
    report = _accepted(p)
    assert report.cve_id == ""
    assert not report.timeline.filter(action__startswith="cve:").exists()


def test_an_id_entered_by_hand_joins_the_pool_and_cannot_be_reused(personas: Personas) -> None:
    p = personas
    first, second = _accepted(p), _accepted(p)
    rs.report_set_cve(first, actor=p.member, cve_id="CVE-2026-4242")
    row = CveId.objects.get(cve_id="CVE-2026-4242")
    assert (row.state, row.report_id, row.source) == (CveIdState.ASSIGNED, first.pk, "manual")
    with pytest.raises(ValidationFailed, match="already assigned"):
        rs.report_set_cve(second, actor=p.member, cve_id="CVE-2026-4242")


def test_an_id_of_another_team_is_refused_without_naming_it(personas: Personas) -> None:
    p = personas
    cna.cve_pool_load(p.other_team, actor=p.other_admin, cve_ids=["CVE-2026-9000"])
    report = _accepted(p)
    with pytest.raises(ValidationFailed) as info:
        rs.report_set_cve(report, actor=p.member, cve_id="CVE-2026-9000")
    assert "Other" not in info.value.message
    assert "not an ID of PSRT" in info.value.message


def test_require_pool_refuses_ids_outside_the_pool(personas: Personas) -> None:
    p = personas
    cna.cna_policy_set(p.team, actor=p.admin, require_pool=True, auto_assign=False)
    report = _accepted(p)
    with pytest.raises(ValidationFailed, match="not in the CVE ID pool"):
        rs.report_set_cve(report, actor=p.member, cve_id="CVE-2026-4242")
    _load(p, "CVE-2026-4242")
    rs.report_set_cve(report, actor=p.member, cve_id="CVE-2026-4242")


def test_a_rejected_id_is_never_given_again(personas: Personas) -> None:
    p = personas
    _load(p, "CVE-2026-1001")
    CveId.objects.filter(cve_id="CVE-2026-1001").update(state=CveIdState.REJECTED)
    report = _accepted(p)
    assert report.cve_id == ""
    with pytest.raises(ValidationFailed, match="is rejected"):
        rs.report_set_cve(report, actor=p.member, cve_id="CVE-2026-1001")


def test_changing_the_id_before_the_reporter_knows_gives_the_old_one_back(
    personas: Personas,
) -> None:
    p = personas
    _load(p, "CVE-2026-1001", "CVE-2026-1002")
    report = _accepted(p)
    assert report.cve_id == "CVE-2026-1001"
    rs.report_set_cve(report, actor=p.member, cve_id="CVE-2026-1002")
    assert CveId.objects.get(cve_id="CVE-2026-1001").state == CveIdState.AVAILABLE
    assert CveId.objects.get(cve_id="CVE-2026-1002").report_id == report.pk


def test_release_returns_the_id_and_is_refused_once_the_reporter_knows(
    personas: Personas,
) -> None:
    p = personas
    _load(p, "CVE-2026-1001")
    report = _accepted(p)
    with pytest.raises(PermissionDenied):
        cna.cve_release(report, actor=p.member2)  # not the coordinator
    cna.cve_release(report, actor=p.member)
    report.refresh_from_db()
    assert report.cve_id == ""
    assert CveId.objects.get(cve_id="CVE-2026-1001").state == CveIdState.AVAILABLE
    told = build_report(p, State.FIXING)
    rs.report_tell_reporter(told, actor=p.member)
    with pytest.raises(TransitionRefused, match="already told"):
        cna.cve_release(told, actor=p.member)


@pytest.mark.parametrize(
    ("policy", "expected_state", "report_keeps_id"),
    [
        ("release", CveIdState.AVAILABLE, False),
        ("keep", CveIdState.ASSIGNED, True),
        ("reject", CveIdState.REJECTED, True),
    ],
)
def test_withdraw_applies_the_team_policy(
    personas: Personas, policy: str, expected_state: str, report_keeps_id: bool
) -> None:
    p = personas
    _load(p, "CVE-2026-1001")
    cna.cna_policy_set(p.team, actor=p.admin, on_withdraw=policy)
    report = _accepted(p)
    rs.report_withdraw(report, actor=p.member, reason="Duplicate of another report.")
    report.refresh_from_db()
    assert CveId.objects.get(cve_id="CVE-2026-1001").state == expected_state
    assert (report.cve_id == "CVE-2026-1001") is report_keeps_id
    queued = CveRequest.objects.filter(kind=CveRequestKind.REJECT)
    assert queued.exists() is (policy == "reject")


def test_withdraw_after_the_reporter_was_told_rejects_instead_of_releasing(
    personas: Personas,
) -> None:
    p = personas
    _load(p, "CVE-2026-1001", "CVE-2026-1002", "CVE-2026-1003")
    report = build_report(p, State.FIXING)
    cve_id = report.cve_id
    assert CveId.objects.get(cve_id=cve_id).state == CveIdState.ASSIGNED
    rs.report_tell_reporter(report, actor=p.member)
    rs.report_withdraw(report, actor=p.member, reason="Retracted by the reporter.")
    assert CveId.objects.get(cve_id=cve_id).state == CveIdState.REJECTED


def test_policy_is_for_admins_and_bad_values_are_named(personas: Personas) -> None:
    p = personas
    with pytest.raises(PermissionDenied):
        cna.cna_policy_set(p.team, actor=p.member, auto_assign=False)
    with pytest.raises(ValidationFailed, match="On withdraw must be one of"):
        cna.cna_policy_set(p.team, actor=p.admin, on_withdraw="burn")
    with pytest.raises(ValidationFailed, match="Unknown CNA policy"):
        cna.cna_policy_set(p.team, actor=p.admin, colour="red")
    with pytest.raises(ValidationFailed, match="at least its minimum"):
        cna.cna_policy_set(p.team, actor=p.admin, pool_min=5, pool_target=2)
    assert not CnaSettings.objects.exists()


# ---------------------------------------------------------------------- CVE Services


def test_reserve_adds_new_ids_to_the_pool(personas: Personas, fake_cve: object) -> None:
    p = personas
    rows = cna.cve_reserve(p.team, actor=p.member, amount=3, year=2026, sequential=True)
    assert [r.cve_id for r in rows] == ["CVE-2026-1000", "CVE-2026-1001", "CVE-2026-1002"]
    assert all(r.state == CveIdState.AVAILABLE and r.source == "reserved" for r in rows)
    call = fake_cve.calls("cveIdReserve")[-1]  # type: ignore[attr-defined]
    assert call["query"] == {
        "cve_year": "2026",
        "amount": "3",
        "short_name": "PSF",
        "batch_type": "sequential",
    }


def test_reserve_non_sequential_by_default(personas: Personas, fake_cve: object) -> None:
    p = personas
    cna.cve_reserve(p.team, actor=p.member, amount=2, year=2026)
    call = fake_cve.calls("cveIdReserve")[-1]  # type: ignore[attr-defined]
    assert call["query"]["batch_type"] == "nonsequential"


def test_reserve_checks_the_quota_first(personas: Personas, fake_cve: object) -> None:
    p = personas
    fake_cve.quota = 2  # type: ignore[attr-defined]
    with pytest.raises(CveServicesError, match="may reserve 2 more ID"):
        cna.cve_reserve(p.team, actor=p.member, amount=3, year=2026)
    assert not fake_cve.calls("cveIdReserve")  # type: ignore[attr-defined]
    assert not CveId.objects.exists()


def test_reserve_errors_from_cve_services_are_clear(personas: Personas, fake_cve: object) -> None:
    p = personas
    fake_cve.fail_next(  # type: ignore[attr-defined]
        "cveIdReserve",
        status=403,
        error="EXCEEDED_ID_QUOTA",
        message="The amount exceeds the quota.",
    )
    with pytest.raises(CveServicesError) as info:
        cna.cve_reserve(p.team, actor=p.member, amount=1, year=2026)
    assert info.value.message == (
        "CVE Services refused to reserve 1 CVE ID(s) for 2026: "
        "403 EXCEEDED_ID_QUOTA: The amount exceeds the quota."
    )
    assert not info.value.retryable


def test_wrong_api_key_is_reported_as_unauthorized(
    personas: Personas, fake_cve: object, settings: object
) -> None:
    p = personas
    settings.CVE_SERVICES = {**settings.CVE_SERVICES, "API_KEY": "wrong"}  # type: ignore[attr-defined]
    with pytest.raises(CveServicesError, match="401 UNAUTHORIZED"):
        cna.cve_quota(p.team, actor=p.member)


def test_no_credentials_says_which_settings_are_missing(
    personas: Personas, settings: object
) -> None:
    p = personas
    settings.CVE_SERVICES = {"USER": "", "ORG": "", "API_KEY": "", "ENV": "test", "URL": ""}  # type: ignore[attr-defined]
    with pytest.raises(CveServicesNotConfigured, match=r"VULNDESK_CVE_USER.*VULNDESK_CVE_API_KEY"):
        cna.cve_reserve(p.team, actor=p.member, amount=1)


def test_quota_shows_service_and_pool(personas: Personas, fake_cve: object) -> None:
    p = personas
    _load(p, "CVE-2026-1001")
    fake_cve.add_reserved("CVE-2026-1001")  # type: ignore[attr-defined]
    data = cna.cve_quota(p.team, actor=p.member)
    assert data["quota"] == {"id_quota": 50, "total_reserved": 1, "available": 49}
    assert data["pool"]["available"] == 1
    with pytest.raises(NotFound):
        cna.cve_quota(p.team, actor=p.reporter)


def test_pool_follow_adds_remote_ids_marks_rejected_and_tops_up(
    personas: Personas, fake_cve: object
) -> None:
    p = personas
    _load(p, "CVE-2026-0001", "CVE-2026-0002")
    fake_cve.add_reserved("CVE-2026-0001", state="REJECTED")  # type: ignore[attr-defined]
    fake_cve.add_reserved("CVE-2026-0002")  # type: ignore[attr-defined]
    fake_cve.add_reserved("CVE-2026-0003")  # type: ignore[attr-defined]
    cna.cna_policy_set(p.team, actor=p.admin, pool_min=3, pool_target=4)
    result = cna.cve_pool_follow(p.team, actor=p.member)
    assert result["added"] == ["CVE-2026-0003"]
    assert result["changed"] == {"CVE-2026-0001": "rejected at CVE Services"}
    assert len(result["reserved"]) == 2
    assert result["pool"]["available"] == 4
    assert CveId.objects.get(cve_id="CVE-2026-0001").state == CveIdState.REJECTED


def test_load_skips_ids_a_report_already_uses(personas: Personas) -> None:
    p = personas
    report = _accepted(p)
    rs.report_set_cve(report, actor=p.member, cve_id="CVE-2024-6232")
    CveId.objects.filter(cve_id="CVE-2024-6232").delete()  # e.g. set by an import
    result = _load(p, "CVE-2024-6232", "CVE-2026-1001")
    assert result.skipped == {"CVE-2024-6232": "already used by a report"}
    assert _accepted(p).cve_id == "CVE-2026-1001"  # the used one is never handed out


def test_a_partial_reservation_keeps_what_was_reserved_and_says_so(
    personas: Personas, fake_cve: Any
) -> None:
    fake_cve.reserve_shortfall = 2
    with pytest.raises(CveServicesError, match=r"reserved only 1 of 3 ID\(s\) \(CVE-2026-1000\)"):
        cna.cve_reserve(personas.team, actor=personas.member, amount=3, year=2026, sequential=True)
    assert [r.cve_id for r in CveId.objects.all()] == ["CVE-2026-1000"]


def test_an_unreachable_service_is_a_retryable_error(personas: Personas, settings: Any) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.CVE_SERVICES = {
        "USER": "u",
        "ORG": "PSF",
        "API_KEY": "k",
        "ENV": "test",
        "URL": f"http://127.0.0.1:{port}/api/",
    }
    with pytest.raises(
        CveServicesError, match="Could not read the ID quota: CVE Services could not be reached"
    ) as info:
        cna.cve_quota(personas.team, actor=personas.member)
    assert info.value.retryable


def test_the_fake_refuses_requests_the_api_description_does_not_allow(fake_cve: Any) -> None:
    """The checks can fail: undeclared parameters, missing headers, bodies where none go."""
    auth = _auth(fake_cve)
    as_json = {**auth, "Content-Type": "application/json"}
    bad: list[tuple[str, str, bytes | None, dict[str, str]]] = [
        ("POST", "cve-id?amount=1&cve_year=2026&short_name=PSF&colour=red", None, auth),
        ("POST", "cve-id?cve_year=2026&short_name=PSF", None, auth),
        ("GET", "org/PSF/id_quota", None, {}),
        ("GET", "cve-id/CVE-2026-1000", b"{}", as_json),
        (
            "POST",
            "cve/CVE-2026-1000/cna",
            json.dumps({"cnaContainer": {"title": 1}}).encode(),
            as_json,
        ),
        ("DELETE", "cve-id/CVE-2026-1000", None, auth),
    ]
    host, port = fake_cve.url.split("//")[1].split("/")[0].split(":")
    for method, path, body, headers in bad:
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        conn.request(method, "/api/" + path, body=body, headers=headers)
        assert conn.getresponse().status >= 400
        conn.close()
    text = "\n".join(fake_cve.violations)
    assert "undeclared query parameter 'colour'" in text
    assert "missing required query parameter 'amount'" in text
    assert "missing required header CVE-API-KEY" in text
    assert "a body was sent to an operation that takes none" in text
    assert "body cnaContainer: 'descriptions' is a required property" in text
    assert "DELETE /cve-id/CVE-2026-1000: method not allowed" in text
    fake_cve.violations.clear()  # expected here; the fixture fails on any left over


def _auth(fake: Any) -> dict[str, str]:
    return {"CVE-API-ORG": fake.org, "CVE-API-USER": fake.user, "CVE-API-KEY": fake.api_key}


def test_long_cve_numbers_are_kept_and_ordered_numerically(personas: Personas) -> None:
    # The CVE ID syntax allows sequence numbers of up to 19 digits; a 32-bit column
    # (PostgreSQL integer) refused anything past 2147483647.
    p = personas
    ids = [
        "CVE-2026-9999999999999999999",  # above a signed 64-bit integer: ordered by the ID
        "CVE-2026-9300000000000000000",
        "CVE-2026-1234567890123",
        "CVE-2026-2147483648",
        "CVE-2026-10001",
    ]
    result = _load(p, *ids)
    assert result.skipped == {}
    assert sorted(result.added) == sorted(ids)
    pool = [row.cve_id for row in cna.cve_pool_list(p.team, actor=p.admin)]
    assert pool == list(reversed(ids))
    row = CveId.objects.get(cve_id="CVE-2026-1234567890123")
    assert row.number == 1234567890123
    report = _accepted(p)
    assert report.cve_id == "CVE-2026-10001"
    assert _accepted(p).cve_id == "CVE-2026-2147483648"
    assert _accepted(p).cve_id == "CVE-2026-1234567890123"


def test_a_cve_number_of_twenty_digits_is_refused(personas: Personas) -> None:
    result = _load(personas, "CVE-2026-12345678901234567890")
    assert result.added == []
    assert "four to nineteen digits" in result.skipped["CVE-2026-12345678901234567890"]
