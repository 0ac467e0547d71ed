"""Personal API tokens: shown once, stored hashed, scoped, expiring, revocable, last use."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest

from tests.api.conftest import Api, make_token
from vulndesk import cli
from vulndesk.api.models import ApiToken
from vulndesk.api.services import token_authenticate, token_create
from vulndesk.core import clock
from vulndesk.core.errors import PermissionDenied, ValidationFailed


def test_token_secret_is_stored_only_as_its_hash(personas):
    token, raw = token_create(user=personas.member, name="release bot", scopes=["read"])
    row = ApiToken.objects.get(pk=token.pk)
    assert raw not in json.dumps([row.secret_hash, row.prefix, row.name])
    assert row.secret_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw.startswith(f"vdk_{row.prefix}_")
    assert token_authenticate(raw) == token


def test_expired_and_revoked_tokens_are_refused(personas, monkeypatch):
    expiring, raw_expiring = token_create(
        user=personas.member, name="short", scopes=["read"], expires_in_days=1
    )
    revoked, raw_revoked = token_create(user=personas.member, name="gone", scopes=["read"])
    revoked.revoked_at = clock.now()
    revoked.save()
    assert token_authenticate(raw_expiring) == expiring
    later = clock.now() + dt.timedelta(days=2)
    monkeypatch.setattr(clock, "now", lambda: later)
    for raw in (raw_expiring, raw_revoked, raw_revoked + "x", "vdk_nope"):
        assert token_authenticate(raw) is None
        reply = Api(raw).get("/reports")
        assert reply.status == 401
        assert reply.body["code"] == "unauthenticated"


def test_last_use_is_recorded(personas, monkeypatch):
    token, raw = token_create(user=personas.member, name="bot", scopes=["read"])
    assert token.last_used_at is None
    assert Api(raw).get("/me").status == 200
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    later = first + dt.timedelta(minutes=5)
    monkeypatch.setattr(clock, "now", lambda: later)
    Api(raw).get("/me")
    token.refresh_from_db()
    assert token.last_used_at == later


def test_token_scopes_are_checked(personas):
    reader = make_token(personas.admin, "read")
    actor = make_token(personas.admin, "act")
    report_key = (
        Api(actor).post("/reports", {"team": "psrt", "title": "Scoped", "body": "x"}).body["key"]
    )
    refused = Api(reader).post(f"/reports/{report_key}/triage", {"outcome": "plausible"})
    assert refused.status == 403
    assert refused.body["code"] == "insufficient_scope"
    assert "needs act" in refused.body["detail"]
    assert Api(reader).get(f"/reports/{report_key}").status == 200
    # act does not include admin
    refused = Api(actor).post("/teams/psrt/projects", {"slug": "pip", "name": "pip"})
    assert refused.status == 403
    assert Api(actor).post(f"/reports/{report_key}/triage", {"outcome": "plausible"}).status == 200


def test_team_narrowed_token_sees_only_that_team(personas, make_report):
    other_member = personas.other_admin
    from vulndesk.accounts.services import team_add_member

    team_add_member(personas.team, user=other_member, role="member", actor=personas.admin)
    report = make_report("triage")
    narrowed = make_token(other_member, "read", team=personas.other_team)
    wide = make_token(other_member, "read")
    assert Api(wide).get(f"/reports/{report.key}").status == 200
    assert Api(narrowed).get(f"/reports/{report.key}").status == 404
    assert Api(narrowed).get("/reports").body["items"] == []
    assert [t["slug"] for t in Api(narrowed).get("/teams").body] == ["other"]


def test_token_refused_for_a_team_the_user_is_not_in(personas):
    with pytest.raises(PermissionDenied):
        token_create(user=personas.reporter, name="x", scopes=["read"], team=personas.team)
    with pytest.raises(ValidationFailed, match="Scopes must be"):
        token_create(user=personas.reporter, name="x", scopes=["root"])


def test_cli_creates_lists_and_revokes_tokens(personas, capsys):
    assert (
        cli.main(["token", "create", "--as", "bob", "--name", "bot", "--scope", "act", "--json"])
        == 0
    )
    created = json.loads(capsys.readouterr().out)
    raw = created["token"]
    assert created["scopes"] == ["act"]
    assert Api(raw).get("/me").body["username"] == "bob"

    assert cli.main(["token", "list", "--as", "bob", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [t["prefix"] for t in listed] == [created["prefix"]]
    assert listed[0]["last_used_at"] is not None
    assert "token" not in listed[0]  # the secret is never shown again

    # someone else cannot revoke it
    assert cli.main(["token", "revoke", created["prefix"], "--as", "carol"]) == 1
    assert "no token" in capsys.readouterr().err
    assert cli.main(["token", "revoke", created["prefix"], "--as", "bob", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["revoked_at"] is not None
    assert Api(raw).get("/me").status == 401
