"""Webhooks: subscribe, turn timeline events into signed deliveries, deliver with retries.

Events are written as Delivery rows by :func:`webhooks_emit`, called from
``reports.timeline.record`` in the same transaction as the change (an outbox): a crash
loses nothing and a rolled-back change sends nothing. ``vulndesk webhooks deliver``
claims due rows with a conditional UPDATE (a lease), so any number of workers on any
machines never post the same delivery at the same time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q

from vulndesk.accounts.models import Team, User
from vulndesk.accounts.permissions import require_team_admin
from vulndesk.core import clock
from vulndesk.core.errors import NotFound, ValidationFailed
from vulndesk.reports.models import Comment, Report, State, TimelineEvent
from vulndesk.webhooks.models import Delivery, DeliveryAttempt, EventType, Webhook

SIGNATURE_HEADER = "X-Vulndesk-Signature"
LEASE = dt.timedelta(minutes=2)
MAX_ATTEMPTS = 10
BACKOFF_BASE = dt.timedelta(seconds=30)
BACKOFF_MAX = dt.timedelta(hours=6)


# ------------------------------------------------------------------ subscriptions


def _check_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValidationFailed(f"{url!r} is not an http(s) URL.")
    if settings.PRODUCTION and parts.scheme != "https":
        raise ValidationFailed("Webhook URLs must use https.")
    try:
        address = ipaddress.ip_address(parts.hostname)
    except ValueError:
        address = None
    if settings.PRODUCTION and (
        parts.hostname == "localhost"
        or (address is not None and (address.is_private or address.is_loopback))
    ):
        raise ValidationFailed("Webhook URLs may not point at this machine or a private network.")
    return url


def webhook_create(
    team: Team, *, actor: User, url: str, events: list[str], private: bool = False
) -> tuple[Webhook, str]:
    """Subscribe ``url`` to ``events`` of ``team`` (team admin). Returns the hook and its
    signing secret, which is shown only now."""
    require_team_admin(actor, team)
    url = _check_url(url)
    unknown = [e for e in events if e not in EventType.values]
    if unknown or not events:
        raise ValidationFailed(
            f"Events must be some of {', '.join(EventType.values)}; "
            f"got {', '.join(events) or 'none'}."
        )
    secret = "whsec_" + secrets.token_urlsafe(32)
    hook = Webhook.objects.create(
        team=team,
        url=url,
        secret=secret,
        events=sorted(set(events)),
        private=private,
        created_by=actor,
    )
    return hook, secret


def webhook_get(team: Team, public_id: str, *, actor: User) -> Webhook:
    require_team_admin(actor, team)
    hook = Webhook.objects.filter(team=team, public_id=_uuid(public_id)).first()
    if hook is None:
        raise NotFound(f"{team.name} has no webhook {public_id}.")
    return hook


def _uuid(value: str) -> Any:
    import uuid

    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise NotFound(f"There is no webhook {value!r}.") from exc


def webhook_delete(hook: Webhook, *, actor: User) -> None:
    require_team_admin(actor, hook.team)
    hook.delete()


def webhook_set_active(hook: Webhook, *, actor: User, active: bool) -> Webhook:
    """Disable a hook (nothing more is queued or sent to it) or enable it again."""
    require_team_admin(actor, hook.team)
    if hook.active != active:
        hook.active = active
        hook.save(update_fields=["active"])
    return hook


def deliveries_recent(hook: Webhook, *, actor: User, limit: int = 20) -> list[Delivery]:
    """The hook's latest deliveries, newest first (team admin)."""
    require_team_admin(actor, hook.team)
    return list(hook.deliveries.order_by("-created_at", "-id")[:limit])


def delivery_retry(delivery: Delivery, *, actor: User) -> Delivery:
    """Queue a failed delivery again (e.g. after the receiver was fixed)."""
    require_team_admin(actor, delivery.webhook.team)
    if delivery.status != Delivery.Status.FAILED:
        raise ValidationFailed(
            f"Only failed deliveries are retried; this one is {delivery.status}."
        )
    delivery.status = Delivery.Status.QUEUED
    delivery.attempts = 0
    delivery.next_attempt_at = clock.now()
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    return delivery


# ------------------------------------------------------------------ events


def event_type(event: TimelineEvent) -> list[str]:
    """The webhook events a timeline event is (a state change to published is two)."""
    action = event.action
    if action == "report:create":
        return [EventType.REPORT_CREATED]
    if action.startswith("comment:"):
        return [EventType.COMMENT_ADDED]
    if action == "report:state:change" or "state" in event.after:
        types: list[str] = [EventType.STATE_CHANGED]
        if event.after.get("state") == State.PUBLISHED:
            types.append(EventType.REPORT_PUBLISHED)
        return types
    return [EventType.REPORT_UPDATED]


def _payload(event: TimelineEvent, kind: str, *, private: bool) -> dict[str, Any]:
    report: Report = event.report
    data: dict[str, Any] = {
        "event": kind,
        "at": event.at.isoformat(),
        "team": report.team.slug,
        "action": event.action,
        "report": {"key": report.key, "state": report.state},
    }
    if "state" in event.after:
        data["state"] = {"from": event.before.get("state"), "to": event.after.get("state")}
    published = report.state == State.PUBLISHED
    if published or private:
        data["report"].update(
            {
                "title": report.advisory_title or report.title if published else report.title,
                "cve_id": report.cve_id or None,
                "severity": report.severity or None,
            }
        )
    if private:
        data["report"]["coordinator"] = report.coordinator.username if report.coordinator else None
        data["actor"] = event.actor_label
        data["before"] = event.before
        data["after"] = event.after
        data["note"] = event.note
        if kind == EventType.COMMENT_ADDED and "comment" in event.after:
            comment = Comment.objects.filter(pk=event.after["comment"]).first()
            if comment is not None:
                data["comment"] = {"visibility": comment.visibility, "body": comment.body}
    return data


def webhooks_emit(event: TimelineEvent) -> list[Delivery]:
    """Queue a delivery of ``event`` for every active hook of its team that wants it.

    Internal comments go to private hooks only; every other hook gets no internal detail.
    """
    report = event.report
    hooks = list(Webhook.objects.filter(team_id=report.team_id, active=True))
    if not hooks:
        return []
    internal_comment = event.action.startswith("comment:") and not event.shared
    queued = []
    for kind in event_type(event):
        for hook in hooks:
            if kind not in hook.events or (internal_comment and not hook.private):
                continue
            delivery = Delivery(webhook=hook, event=kind, next_attempt_at=clock.now())
            body = _payload(event, kind, private=hook.private) | {"id": str(delivery.public_id)}
            delivery.body = json.dumps(body, sort_keys=True, separators=(",", ":"))
            queued.append(delivery)
    return Delivery.objects.bulk_create(queued)


# ------------------------------------------------------------------ delivery


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256(secret, "<timestamp>." + body)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver does (documented in docs/webhooks.md)."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx is an answer, not an invitation to post elsewhere


_opener = urllib.request.build_opener(_NoRedirects)


def _post(delivery: Delivery) -> tuple[int | None, str]:
    body = delivery.body.encode()
    timestamp = str(int(clock.now().timestamp()))
    request = urllib.request.Request(  # noqa: S310 - the URL was checked to be http(s)
        delivery.webhook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "vulndesk-webhooks/1",
            "X-Vulndesk-Event": delivery.event,
            "X-Vulndesk-Delivery": str(delivery.public_id),
            "X-Vulndesk-Timestamp": timestamp,
            SIGNATURE_HEADER: sign(delivery.webhook.secret, timestamp, body),
        },
    )
    try:
        with _opener.open(request, timeout=settings.VULNDESK_WEBHOOK_TIMEOUT) as response:
            return int(response.status), ""
    except urllib.error.HTTPError as exc:
        return int(exc.code), f"HTTP {exc.code} {exc.reason}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"{type(exc).__name__}: {reason}"


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, … doubling up to 6 h."""
    delay: dt.timedelta = BACKOFF_BASE * (2 ** max(attempts - 1, 0))
    return min(delay, BACKOFF_MAX)


def _due(now: dt.datetime) -> Q:
    return Q(webhook__active=True) & (
        Q(status__in=[Delivery.Status.QUEUED, Delivery.Status.RETRY], next_attempt_at__lte=now)
        | Q(status=Delivery.Status.IN_FLIGHT, lease_until__lt=now)  # a worker died mid-post
    )


@dataclass
class DeliverResult:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"delivered": self.delivered, "retrying": self.retrying, "failed": self.failed}


def deliver_due(*, limit: int = 100) -> DeliverResult:
    """Post every due delivery once. Safe to run in many processes at once."""
    result = DeliverResult()
    now = clock.now()
    candidates = list(
        Delivery.objects.filter(_due(now))
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in candidates:
        lease = clock.now() + LEASE
        # The claim: only one worker's UPDATE matches while the row is still due.
        claimed = Delivery.objects.filter(_due(clock.now()), pk=pk).update(
            status=Delivery.Status.IN_FLIGHT, lease_until=lease, attempts=F("attempts") + 1
        )
        if not claimed:
            continue
        delivery = Delivery.objects.select_related("webhook").get(pk=pk)
        started = time.monotonic()
        status_code, error = _post(delivery)
        took = int((time.monotonic() - started) * 1000)
        ok = status_code is not None and 200 <= status_code < 300
        now = clock.now()
        with transaction.atomic():
            DeliveryAttempt.objects.create(
                delivery=delivery, at=now, status_code=status_code, error=error, duration_ms=took
            )
            fields: dict[str, Any] = {
                "last_status_code": status_code,
                "last_error": error,
                "lease_until": None,
            }
            if ok:
                fields.update(status=Delivery.Status.DELIVERED, delivered_at=now)
                result.delivered += 1
            elif delivery.attempts >= MAX_ATTEMPTS:
                fields.update(status=Delivery.Status.FAILED)
                result.failed += 1
            else:
                fields.update(
                    status=Delivery.Status.RETRY, next_attempt_at=now + backoff(delivery.attempts)
                )
                result.retrying += 1
            # Only the lease holder finishes the row.
            Delivery.objects.filter(
                pk=pk, status=Delivery.Status.IN_FLIGHT, lease_until=lease
            ).update(**fields)
    return result
