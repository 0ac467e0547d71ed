"""The report page's CVE actions against CVE Services on loopback (tests/cna's fake)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from tests.cna.conftest import _fake_server, fake_cve  # noqa: F401 - fixtures used below
from tests.cna.fake_cve_services import FakeCveServices
from tests.conftest import Personas
from tests.web import login
from vulndesk.cna.models import CveId
from vulndesk.reports.models import Report, State

pytestmark = pytest.mark.django_db


def test_reserve_then_assign_from_the_pool(
    client: Client,
    personas: Personas,
    make_report: Callable[..., Report],
    fake_cve: FakeCveServices,  # noqa: F811 - the fixture
) -> None:
    report = make_report(State.ACCEPTED)
    login(client, personas.member)
    response = client.post(f"/desk/reports/{report.key}/cve-reserve/")
    assert response.status_code == 302, response.content.decode()[:2000]
    reserved = CveId.objects.get(team=personas.team)
    response = client.post(f"/desk/reports/{report.key}/cve-assign/")
    assert response.status_code == 302, response.content.decode()[:2000]
    report.refresh_from_db()
    assert report.cve_id == reserved.cve_id
    html = client.get(f"/desk/reports/{report.key}/").content.decode()
    assert 'id="check-cve_id" class="check-done"' in html
    assert 'id="form-cve-reserve"' not in html  # it has an ID now
