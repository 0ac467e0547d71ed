"""The fake CVE Services server (one per session, reset per test) and CNA settings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.cna.fake_cve_services import FakeCveServices


@pytest.fixture(scope="session")
def _fake_server() -> Iterator[FakeCveServices]:
    fake = FakeCveServices().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_cve(_fake_server: FakeCveServices, settings: Any) -> Iterator[FakeCveServices]:
    """CVE Services on loopback; the test fails if any request broke the API description."""
    _fake_server.reset()
    settings.CVE_SERVICES = {
        "USER": _fake_server.user,
        "ORG": _fake_server.org,
        "API_KEY": _fake_server.api_key,
        "ENV": "test",
        "URL": _fake_server.url,
    }
    yield _fake_server
    assert _fake_server.violations == [], _fake_server.violations
