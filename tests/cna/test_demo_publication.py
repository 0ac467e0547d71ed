"""The demo's published report goes through every publication step, the CVE record too."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cna.fake_cve_services import FakeCveServices
from vulndesk.accounts.models import Team, User
from vulndesk.cna import services as cna
from vulndesk.core.demo import demo_load
from vulndesk.public import publication as pub
from vulndesk.public.models import PublicationStep
from vulndesk.reports.models import Report, State


@pytest.fixture(autouse=True)
def _fast_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_demo_publication_creates_the_cve_record(db: Any, fake_cve: FakeCveServices) -> None:
    demo_load()
    team = Team.objects.get(slug="psrt")
    cna.cna_policy_set(team, actor=User.objects.get(username="alice"), publish_records=True)
    report = Report.objects.get(team=team, state=State.PUBLISHED)
    fake_cve.add_reserved(report.cve_id)
    pub.publication_run(report)
    steps = {
        s.name: (s.status, s.last_error) for s in PublicationStep.objects.filter(report=report)
    }
    assert steps["cve-record"] == ("done", ""), steps
    assert {status for status, _error in steps.values()} == {"done"}, steps
    (call,) = fake_cve.calls("cveCnaCreateSingle")
    affected = call["body"]["cnaContainer"]["affected"]
    assert affected[0]["packageName"] == "pip"
    assert affected[0]["versions"] == [
        {"version": "0", "lessThan": "23.3", "status": "affected", "versionType": "python"}
    ]
    assert fake_cve.ids[report.cve_id]["state"] == "PUBLISHED"
