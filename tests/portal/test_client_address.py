"""The client's address behind trusted proxies: what the report form and API limit by."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory

from tests.conftest import Personas
from tests.portal.conftest import form_data
from tests.portal.test_form import FORM
from vulndesk.core.http import client_address
from vulndesk.portal import services


def _request(remote: str, xff: str | None = None) -> Any:
    headers = {"X-Forwarded-For": xff} if xff is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, headers=headers)


def test_without_trusted_proxies_the_header_is_ignored(settings: Any) -> None:
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    assert client_address(_request("192.0.2.7", "203.0.113.9")) == "192.0.2.7"


@pytest.mark.parametrize(
    ("count", "xff", "expected"),
    [
        (1, "203.0.113.9", "203.0.113.9"),
        # A client can only add entries on the left: forged ones are never read.
        (1, "198.51.100.66, 203.0.113.9", "203.0.113.9"),
        (2, "198.51.100.66, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        # Shorter than the proxy count, absent, or not an address: the connection counts.
        (2, "203.0.113.9", "192.0.2.7"),
        (1, None, "192.0.2.7"),
        (1, "not-an-address", "192.0.2.7"),
    ],
)
def test_behind_trusted_proxies_the_nth_address_from_the_right(
    settings: Any, count: int, xff: str | None, expected: str
) -> None:
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = count
    assert client_address(_request("192.0.2.7", xff)) == expected


def test_the_report_form_limits_each_client_behind_the_proxy_on_its_own(
    client: Client, personas: Personas, settings: Any
) -> None:
    """Before, every submission behind a proxy shared the proxy's address and limit."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for n in range(services.LIMIT_PER_IP):
        client.post(
            FORM,
            form_data(personas, email=f"r{n}@example.test"),
            headers={"X-Forwarded-For": f"evil{n}, 203.0.113.9"},
            **proxy,
        )
    late = form_data(personas, email="late@example.test")
    refused = client.post(FORM, late, headers={"X-Forwarded-For": "203.0.113.9"}, **proxy)
    assert refused.status_code == 429
    other = client.post(FORM, late, headers={"X-Forwarded-For": "203.0.113.10"}, **proxy)
    assert other.status_code == 302
