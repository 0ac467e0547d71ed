"""Who is calling: a bearer token (or nobody, on public endpoints), its scope and rate limit."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer

from vulndesk.accounts.models import User
from vulndesk.api.models import ApiToken, Scope
from vulndesk.api.services import rate_limit_hit, token_authenticate
from vulndesk.core.errors import ApplicationError, ValidationFailed
from vulndesk.core.http import client_address


class Unauthenticated(ApplicationError):  # noqa: N818 - reads as the outcome
    code = "unauthenticated"


class InsufficientScope(ApplicationError):  # noqa: N818
    code = "insufficient_scope"


class RateLimited(ApplicationError):  # noqa: N818
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Caller:
    """The authenticated caller: the token's user, or anonymous (both fields None)."""

    user: User | None
    token: ApiToken | None

    def __bool__(self) -> bool:  # ninja treats a falsy auth result as "not authenticated"
        return True


class TokenAuth(HttpBearer):
    """``Authorization: Bearer vdk_…``. ``scope`` is the least scope the endpoint needs.

    With ``anonymous=True`` a request without the header is let through as anonymous
    (public endpoints); a present but bad token is refused there too.
    """

    def __init__(self, scope: str = Scope.READ, *, anonymous: bool = False) -> None:
        super().__init__()
        self.scope = scope
        self.anonymous = anonymous

    def __call__(self, request: HttpRequest) -> Caller | None:
        # Runs before anything else of every endpoint: refuse what no database column holds.
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            raise ValidationFailed("The URL must not contain NUL characters.")
        if not request.headers.get(self.header):
            if not self.anonymous:
                raise Unauthenticated(
                    "This endpoint needs an API token: send 'Authorization: Bearer <token>'."
                )
            self._limit(f"ip:{client_address(request)}", settings.VULNDESK_API_RATE_ANONYMOUS)
            return Caller(user=None, token=None)
        return super().__call__(request) or self._refuse()

    def _refuse(self) -> Caller:
        raise Unauthenticated("The API token is malformed, unknown, expired or revoked.")

    def authenticate(self, request: HttpRequest, token: str) -> Caller | None:
        found = token_authenticate(token.strip())
        if found is None:
            return None
        self._limit(f"token:{found.pk}", settings.VULNDESK_API_RATE_TOKEN)
        if not found.allows(self.scope):
            raise InsufficientScope(
                f"This token has the scope(s) {', '.join(found.scopes)}; "
                f"this endpoint needs {self.scope}."
            )
        return Caller(user=found.user, token=found)

    @staticmethod
    def _limit(key: str, limit: int) -> None:
        wait = rate_limit_hit(key, limit=limit)
        if wait is not None:
            raise RateLimited(
                f"Too many requests: the limit is {limit} a minute; retry in {wait} s.",
                retry_after=wait,
            )


READ = TokenAuth(Scope.READ)
ACT = TokenAuth(Scope.ACT)
ADMIN = TokenAuth(Scope.ADMIN)
PUBLIC = TokenAuth(Scope.READ, anonymous=True)
