"""API tokens (create, authenticate, revoke) and rate limiting."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid

from django.db import IntegrityError, transaction
from django.db.models import F

from vulndesk.accounts.models import Team, User
from vulndesk.accounts.permissions import is_team_member
from vulndesk.api.models import ApiToken, RateCounter, Scope
from vulndesk.core import clock
from vulndesk.core.errors import NotFound, PermissionDenied, ValidationFailed

TOKEN_PREFIX = "vdk_"  # noqa: S105 - the public marker every token starts with, not a secret
# last_used_at is written at most this often per token, so reads do not all become writes.
LAST_USED_RESOLUTION = dt.timedelta(seconds=60)


def _hash(raw: str) -> str:
    # The secret is 256 random bits: a fast hash is enough (nothing to brute-force).
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def token_create(
    *,
    user: User,
    name: str,
    scopes: list[str],
    team: Team | None = None,
    expires_in_days: int | None = 90,
) -> tuple[ApiToken, str]:
    """A new token for ``user``: returns the row and the secret, which is never shown again."""
    name = " ".join(name.split())
    if not name:
        raise ValidationFailed("Name the token (what it is for), e.g. 'release bot'.")
    unknown = [s for s in scopes if s not in Scope.values]
    if unknown or not scopes:
        raise ValidationFailed(
            f"Scopes must be some of {', '.join(Scope.values)}; got {', '.join(scopes) or 'none'}."
        )
    if team is not None and not is_team_member(user, team):
        raise PermissionDenied(f"{user} is not a member of {team.name}.")
    if expires_in_days is not None and not 1 <= expires_in_days <= 3650:
        raise ValidationFailed("A token expires after 1 to 3650 days (or never).")
    expires_at = None
    if expires_in_days is not None:
        expires_at = clock.now() + dt.timedelta(days=expires_in_days)
    for _attempt in range(3):
        prefix = secrets.token_hex(4)
        raw = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
        try:
            with transaction.atomic():
                token = ApiToken.objects.create(
                    user=user,
                    name=name,
                    prefix=prefix,
                    secret_hash=_hash(raw),
                    scopes=sorted(set(scopes)),
                    team=team,
                    expires_at=expires_at,
                )
        except IntegrityError:  # a prefix collision: draw again
            continue
        return token, raw
    raise ValidationFailed("Could not draw a unique token; try again.")  # pragma: no cover


def token_authenticate(raw: str) -> ApiToken | None:
    """The live token whose secret is ``raw``; None if unknown, revoked or expired."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user", "team")
        .filter(secret_hash=_hash(raw), revoked_at=None)
        .first()
    )
    now = clock.now()
    if token is None or not token.user.is_active:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def token_list(*, user: User) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=user).select_related("team"))


def token_find(identifier: str, *, user: User) -> ApiToken:
    """The token of ``user`` named by its prefix or public id."""
    qs = ApiToken.objects.filter(user=user)
    try:
        token = qs.filter(public_id=uuid.UUID(identifier)).first()
    except ValueError:
        token = qs.filter(prefix=identifier.removeprefix(TOKEN_PREFIX).split("_")[0]).first()
    if token is None:
        raise NotFound(f"You have no token {identifier!r}.")
    return token


def token_revoke(token: ApiToken, *, actor: User) -> ApiToken:
    if token.user_id != actor.pk:
        raise NotFound("You have no such token.")
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
    return token


def rate_limit_hit(key: str, *, limit: int, window_seconds: int = 60) -> int | None:
    """Count one request for ``key``; the seconds to wait if it is over ``limit``, else None.

    Fixed windows counted in the database (an atomic UPDATE), so every process agrees.
    """
    now = clock.now().timestamp()
    window = int(now // window_seconds) * window_seconds
    with transaction.atomic():
        updated = RateCounter.objects.filter(key=key, window=window).update(count=F("count") + 1)
        if not updated:
            try:
                with transaction.atomic():
                    RateCounter.objects.create(key=key, window=window, count=1)
            except IntegrityError:  # another process created it first
                RateCounter.objects.filter(key=key, window=window).update(count=F("count") + 1)
            # A new window: forget the old ones.
            RateCounter.objects.filter(window__lt=window - window_seconds).delete()
        count = RateCounter.objects.filter(key=key, window=window).values_list("count", flat=True)
        current = count.first() or 0
    if current > limit:
        return max(1, int(window + window_seconds - now + 0.999))
    return None
