"""/api/v1/teams/{slug}/webhooks: a team admin's subscriptions and their delivery log."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from vulndesk.api.auth import ADMIN
from vulndesk.api.errors import ERROR_CODES, Problem
from vulndesk.api.routes_reports import actor, caller
from vulndesk.api.schemas import In
from vulndesk.api.selectors import team_for_caller
from vulndesk.core.errors import NotFound
from vulndesk.webhooks import services as ws
from vulndesk.webhooks.models import Delivery, EventType, Webhook

router = Router(tags=["webhooks"])


class WebhookIn(In):
    url: str = Field(max_length=500)
    events: list[EventType] = Field(min_length=1, max_length=10)
    private: bool = Field(
        False, description="Send internal details (titles, notes, internal comments)."
    )


class WebhookOut(Schema):
    id: str
    url: str
    events: list[str]
    private: bool
    active: bool
    created_at: str


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(description="The HMAC-SHA256 signing key; shown only now.")


class AttemptOut(Schema):
    at: str
    status_code: int | None
    error: str
    duration_ms: int


class DeliveryOut(Schema):
    id: str
    event: str
    status: str
    attempts: int
    created_at: str
    next_attempt_at: str | None
    delivered_at: str | None
    last_status_code: int | None
    last_error: str
    log: list[AttemptOut]


def _hook(hook: Webhook) -> dict[str, Any]:
    return {
        "id": str(hook.public_id),
        "url": hook.url,
        "events": hook.events,
        "private": hook.private,
        "active": hook.active,
        "created_at": hook.created_at.isoformat(),
    }


def _delivery(d: Delivery) -> dict[str, Any]:
    waiting = d.status in (Delivery.Status.QUEUED, Delivery.Status.RETRY)
    return {
        "id": str(d.public_id),
        "event": d.event,
        "status": d.status,
        "attempts": d.attempts,
        "created_at": d.created_at.isoformat(),
        "next_attempt_at": d.next_attempt_at.isoformat() if waiting else None,
        "delivered_at": d.delivered_at.isoformat() if d.delivered_at else None,
        "last_status_code": d.last_status_code,
        "last_error": d.last_error,
        "log": [
            {
                "at": a.at.isoformat(),
                "status_code": a.status_code,
                "error": a.error,
                "duration_ms": a.duration_ms,
            }
            for a in d.log.all()
        ],
    }


def _load(request: HttpRequest, slug: str, hook_id: str) -> Webhook:
    team, _ = team_for_caller(slug, user=actor(request), token=caller(request).token)
    return ws.webhook_get(team, hook_id, actor=actor(request))


@router.get(
    "/teams/{slug}/webhooks", response={200: list[WebhookOut], ERROR_CODES: Problem}, auth=ADMIN
)
def list_webhooks(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    """The team's webhooks (team admin). Secrets are never shown again."""
    from vulndesk.accounts.permissions import require_team_admin

    team, _ = team_for_caller(slug, user=actor(request), token=caller(request).token)
    require_team_admin(actor(request), team)
    return [_hook(h) for h in Webhook.objects.filter(team=team)]


@router.post(
    "/teams/{slug}/webhooks",
    response={201: WebhookCreatedOut, ERROR_CODES: Problem},
    auth=ADMIN,
)
def create_webhook(request: HttpRequest, slug: str, data: WebhookIn) -> Status[dict[str, Any]]:
    """Subscribe a URL to some events; the answer carries the signing secret, once."""
    team, _ = team_for_caller(slug, user=actor(request), token=caller(request).token)
    hook, secret = ws.webhook_create(
        team,
        actor=actor(request),
        url=data.url,
        events=[str(e.value) for e in data.events],
        private=data.private,
    )
    return Status(201, _hook(hook) | {"secret": secret})


@router.get(
    "/teams/{slug}/webhooks/{hook_id}",
    response={200: WebhookOut, ERROR_CODES: Problem},
    auth=ADMIN,
)
def show_webhook(request: HttpRequest, slug: str, hook_id: str) -> dict[str, Any]:
    """One webhook."""
    return _hook(_load(request, slug, hook_id))


@router.delete(
    "/teams/{slug}/webhooks/{hook_id}", response={204: None, ERROR_CODES: Problem}, auth=ADMIN
)
def delete_webhook(request: HttpRequest, slug: str, hook_id: str) -> Status[None]:
    """Unsubscribe; undelivered events of this hook are dropped."""
    ws.webhook_delete(_load(request, slug, hook_id), actor=actor(request))
    return Status(204, None)


@router.get(
    "/teams/{slug}/webhooks/{hook_id}/deliveries",
    response={200: list[DeliveryOut], ERROR_CODES: Problem},
    auth=ADMIN,
)
def list_deliveries(request: HttpRequest, slug: str, hook_id: str) -> list[dict[str, Any]]:
    """The delivery log, newest first (the last 100), with every attempt."""
    hook = _load(request, slug, hook_id)
    deliveries = hook.deliveries.order_by("-created_at", "-id").prefetch_related("log")[:100]
    return [_delivery(d) for d in deliveries]


@router.post(
    "/teams/{slug}/webhooks/{hook_id}/deliveries/{delivery_id}/retry",
    response={200: DeliveryOut, ERROR_CODES: Problem},
    auth=ADMIN,
)
def retry_delivery(
    request: HttpRequest, slug: str, hook_id: str, delivery_id: str
) -> dict[str, Any]:
    """Queue a failed delivery again."""
    hook = _load(request, slug, hook_id)
    try:
        delivery = hook.deliveries.filter(public_id=uuid.UUID(delivery_id)).first()
    except ValueError:
        delivery = None
    if delivery is None:
        raise NotFound(f"There is no delivery {delivery_id}.")
    return _delivery(ws.delivery_retry(delivery, actor=actor(request)))
