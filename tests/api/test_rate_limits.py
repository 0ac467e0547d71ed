"""Per-token and per-address rate limits, counted in the database (RateCounter)."""

from __future__ import annotations

import datetime as dt

from tests.api.conftest import Api, make_token
from vulndesk.api.models import RateCounter
from vulndesk.core import clock


def _frozen(monkeypatch, at):
    monkeypatch.setattr(clock, "now", lambda: at)


def test_token_over_its_limit_gets_429_with_retry_after(personas, settings, monkeypatch):
    settings.VULNDESK_API_RATE_TOKEN = 3
    start = dt.datetime(2026, 11, 28, 12, 0, 15, tzinfo=dt.UTC)
    _frozen(monkeypatch, start)
    raw = make_token(personas.reporter, "read")
    caller = Api(raw)
    assert [caller.get("/reports").status for _ in range(3)] == [200, 200, 200]
    refused = caller.get("/reports")
    assert refused.status == 429
    assert refused.body["code"] == "rate_limited"
    assert refused.headers["Retry-After"] == "45"
    # Another token of the same user has its own budget.
    assert Api(make_token(personas.reporter, "read")).get("/reports").status == 200
    # The next window lets the token through again.
    _frozen(monkeypatch, start + dt.timedelta(seconds=46))
    assert caller.get("/reports").status == 200


def test_anonymous_limit_is_per_address_and_shared_through_the_database(db, settings, monkeypatch):
    settings.VULNDESK_API_RATE_ANONYMOUS = 2
    _frozen(monkeypatch, dt.datetime(2026, 11, 28, 12, 0, 0, tzinfo=dt.UTC))
    anyone = Api()
    assert anyone.get("/advisories").status == 200
    # A second app server process shares the count: it lives in the database.
    counter = RateCounter.objects.get(key="ip:127.0.0.1")
    assert counter.count == 1
    assert anyone.get("/advisories").status == 200
    refused = anyone.get("/advisories")
    assert refused.status == 429
    assert int(refused.headers["Retry-After"]) == 60
    other = Api()
    other.client.defaults["REMOTE_ADDR"] = "127.0.0.2"
    assert other.get("/advisories").status == 200
