"""Webhooks end to end: a real HTTP receiver on loopback checks every signature and counts."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import Api
from vulndesk import cli
from vulndesk.core import clock
from vulndesk.reports import services as rs
from vulndesk.webhooks.models import Delivery
from vulndesk.webhooks.services import deliver_due, verify, webhook_create

ALL_EVENTS = [
    "report.created",
    "report.state_changed",
    "report.updated",
    "comment.added",
    "report.published",
]


class Receiver:
    """A webhook receiver on 127.0.0.1 that verifies signatures; can go down and come back."""

    def __init__(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.secret = ""
        self.received: list[dict[str, Any]] = []
        self.bad_signatures = 0
        self.answer = 200
        self.server: http.server.ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                ok = verify(
                    receiver.secret,
                    self.headers["X-Vulndesk-Timestamp"],
                    body,
                    self.headers["X-Vulndesk-Signature"],
                )
                if not ok:
                    receiver.bad_signatures += 1
                    self.send_response(401)
                else:
                    receiver.received.append(
                        {
                            "event": self.headers["X-Vulndesk-Event"],
                            "delivery": self.headers["X-Vulndesk-Delivery"],
                            "body": json.loads(body),
                        }
                    )
                    self.send_response(receiver.answer)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.start()
    yield r
    r.stop()


def _subscribe(p, receiver: Receiver, *, private: bool, events=ALL_EVENTS):
    hook, secret = webhook_create(
        p.team, actor=p.admin, url=receiver.url, events=events, private=private
    )
    receiver.secret = secret
    return hook


def test_each_event_arrives_exactly_once_signed_even_after_the_receiver_was_down(
    personas, make_report, receiver, monkeypatch
):
    _subscribe(personas, receiver, private=True)
    report = make_report("triage")  # report.created + state change
    assert deliver_due().delivered == 2
    assert [r["event"] for r in receiver.received] == ["report.created", "report.state_changed"]

    # The receiver goes down; the desk keeps working and queues.
    receiver.stop()
    rs.report_assign(report, actor=personas.admin, coordinator=personas.member)
    rs.comment_add(report, actor=personas.member, body="Looking.", visibility="internal")
    result = deliver_due()
    assert (result.delivered, result.retrying) == (0, 2)
    assert deliver_due().as_dict() == {"delivered": 0, "retrying": 0, "failed": 0}  # backoff
    log = Delivery.objects.filter(status="retry").first()
    assert log is not None
    assert "Connection refused" in log.last_error or "Errno" in log.last_error

    # It comes back; after the backoff every queued event arrives, once.
    receiver.start()
    later = clock.now() + dt.timedelta(minutes=5)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert deliver_due().delivered == 2
    assert deliver_due().delivered == 0
    events = [r["event"] for r in receiver.received]
    assert events == [
        "report.created",
        "report.state_changed",
        "report.updated",
        "comment.added",
    ]
    ids = [r["delivery"] for r in receiver.received]
    assert len(set(ids)) == len(ids)
    assert all(r["body"]["id"] == r["delivery"] for r in receiver.received)
    assert receiver.bad_signatures == 0
    assert receiver.received[-1]["body"]["comment"]["body"] == "Looking."


def test_a_tampered_body_fails_the_signature(personas, receiver):
    hook = _subscribe(personas, receiver, private=False)
    receiver.secret = "whsec_wrong"
    rs.report_create(team=personas.team, reporter_email="x@example.test", title="T", actor=None)
    result = deliver_due()
    assert result.retrying == 1
    assert receiver.bad_signatures == 1
    delivery = hook.deliveries.get()
    assert delivery.last_status_code == 401
    assert delivery.log.count() == 1


def test_non_private_hooks_get_no_internal_details(personas, make_report, receiver):
    _subscribe(personas, receiver, private=False)
    report = make_report("triage", title="SECRET title of an unpublished bug")
    rs.report_assign(report, actor=personas.admin, coordinator=personas.member)
    rs.comment_add(report, actor=personas.member, body="SECRET internal", visibility="internal")
    rs.comment_add(report, actor=personas.member, body="Shared reply", visibility="shared")
    deliver_due()
    text = json.dumps([r["body"] for r in receiver.received])
    assert "SECRET" not in text
    assert "Shared reply" not in text  # comment text is internal detail too
    assert [r["event"] for r in receiver.received].count("comment.added") == 1  # shared only
    assert receiver.received[0]["body"]["report"] == {"key": report.key, "state": "new"}


def test_published_event_carries_the_public_advisory(personas, make_report, receiver):
    _subscribe(personas, receiver, private=False, events=["report.published"])
    report = make_report("published")
    deliver_due()
    assert [r["event"] for r in receiver.received] == ["report.published"]
    body = receiver.received[0]["body"]
    assert body["report"]["key"] == report.key
    assert body["report"]["title"] == "Path traversal in zipfile.Path"
    assert body["report"]["cve_id"] == report.cve_id
    assert body["state"] == {"from": "fixed", "to": "published"}


def test_other_teams_hooks_hear_nothing(personas, make_report, receiver):
    _hook, secret = webhook_create(
        personas.other_team, actor=personas.other_admin, url=receiver.url, events=ALL_EVENTS
    )
    receiver.secret = secret
    make_report("fixing")
    assert deliver_due().delivered == 0
    assert receiver.received == []


def test_a_rolled_back_change_sends_nothing(personas, make_report, receiver):
    _subscribe(personas, receiver, private=True)
    report = make_report("new")
    deliver_due()
    before = len(receiver.received)
    with pytest.raises(Exception, match="cannot become published"):
        rs.report_publish(report, actor=personas.admin)
    assert deliver_due().delivered == 0
    assert len(receiver.received) == before


def test_gives_up_after_max_attempts_and_can_be_retried(personas, receiver, monkeypatch):
    from vulndesk.webhooks import services as ws

    hook = _subscribe(personas, receiver, private=False, events=["report.created"])
    receiver.answer = 500
    monkeypatch.setattr(ws, "MAX_ATTEMPTS", 3)
    rs.report_create(team=personas.team, reporter_email="x@example.test", title="T", actor=None)
    now = clock.now()
    for step in range(3):
        at = now + dt.timedelta(hours=step * 7)
        monkeypatch.setattr(clock, "now", lambda at=at: at)
        deliver_due()
    delivery = hook.deliveries.get()
    assert delivery.status == "failed"
    assert delivery.attempts == 3
    assert [a.status_code for a in delivery.log.all()] == [500, 500, 500]
    receiver.answer = 204
    admin = Api(_token(personas.admin))
    path = f"/teams/psrt/webhooks/{hook.public_id}/deliveries"
    assert admin.get(path).body[0]["status"] == "failed"
    assert admin.post(f"{path}/{delivery.public_id}/retry").body["status"] == "queued"
    assert deliver_due().delivered == 1


def test_an_expired_lease_is_taken_over_and_a_live_one_is_not(personas, receiver, monkeypatch):
    hook = _subscribe(personas, receiver, private=False, events=["report.created"])
    rs.report_create(team=personas.team, reporter_email="x@example.test", title="T", actor=None)
    delivery = hook.deliveries.get()
    # A worker claimed it and died mid-post.
    Delivery.objects.filter(pk=delivery.pk).update(
        status="in_flight", lease_until=clock.now() + dt.timedelta(minutes=2), attempts=1
    )
    assert deliver_due().delivered == 0
    later = clock.now() + dt.timedelta(minutes=3)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert deliver_due().delivered == 1
    assert len(receiver.received) == 1


def _token(user) -> str:
    from tests.api.conftest import make_token

    return make_token(user, "admin")


def test_webhooks_api_and_cli(personas, receiver, capsys):
    admin, member = Api(_token(personas.admin)), Api(_token(personas.member))
    created = admin.post(
        "/teams/psrt/webhooks",
        {"url": receiver.url, "events": ["report.created"], "private": False},
    )
    assert created.status == 201
    receiver.secret = created.body["secret"]
    assert "secret" not in admin.get("/teams/psrt/webhooks").body[0]
    assert member.get("/teams/psrt/webhooks").status == 403
    assert Api(_token(personas.other_admin)).get("/teams/psrt/webhooks").status == 404
    bad = admin.post("/teams/psrt/webhooks", {"url": "ftp://x", "events": ["report.created"]})
    assert bad.status == 422
    assert "not an http(s) URL" in bad.body["detail"]

    rs.report_create(team=personas.team, reporter_email="x@example.test", title="T", actor=None)
    assert cli.main(["webhooks", "deliver", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"delivered": 1, "retrying": 0, "failed": 0}
    assert len(receiver.received) == 1
    hook_id = created.body["id"]
    log = admin.get(f"/teams/psrt/webhooks/{hook_id}/deliveries").body
    assert log[0]["status"] == "delivered"
    assert log[0]["log"][0]["status_code"] == 200

    assert cli.main(["webhooks", "list", "psrt", "--as", "alice", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[0]["deliveries"][0]["status"] == "delivered"
    assert admin.delete(f"/teams/psrt/webhooks/{hook_id}").status == 204
    assert admin.get(f"/teams/psrt/webhooks/{hook_id}").status == 404
