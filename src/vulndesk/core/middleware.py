"""Team staff pass multi-factor authentication before they see anything of a team.

Deny by default: for a user with any team membership, every path is refused until the
session holds an MFA authentication record, except an allow-list of paths that show
nothing of a team (the account pages, the public site, the token-authenticated API,
static files and the health check). A new staff page is covered without doing anything.

- No authenticator yet: redirect to the TOTP set-up page, then back.
- An authenticator, but this session did not use it (a session from before MFA was
  set up, or a login that skipped it): the session is ended and the user sent to log
  in again, which asks for the code.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from allauth.account.authentication import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from vulndesk.accounts.models import Membership

# Paths that show nothing of a team; everything else needs MFA for team staff.
ALLOWED_EXACT = frozenset({"/", "/healthz"})
ALLOWED_PREFIXES = (
    "/accounts/",  # login, logout, MFA set-up and recovery codes
    "/api/",  # bearer tokens, not sessions; scopes decide
    "/advisories/",  # the public advisory site
    "/projects/",
    "/.well-known/",
    "/mail/keys/",  # teams' public OpenPGP keys
)

SET_UP_MESSAGE = (
    "Team members set up two-factor authentication before they see any report: "
    "add this secret to an authenticator app and enter the code it shows."
)
LOG_IN_AGAIN_MESSAGE = "Log in again with your authenticator code to see the team's reports."


def path_needs_mfa(path: str) -> bool:
    """Whether team staff must have passed MFA in this session to open ``path``."""
    if path in ALLOWED_EXACT:
        return False
    static = "/" + settings.STATIC_URL.lstrip("/")
    return not path.startswith((*ALLOWED_PREFIXES, static))


def session_passed_mfa(request: HttpRequest) -> bool:
    user = request.user
    if not isinstance(user, AbstractBaseUser):
        return False
    records = get_authentication_records(request, user)
    return any(record.get("method") == "mfa" for record in records)


def is_team_staff(user: object) -> bool:
    return Membership.objects.filter(user=user).exists()  # type: ignore[misc]


class StaffMFARequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and path_needs_mfa(request.path)
            and not session_passed_mfa(request)
            and is_team_staff(user)
        ):
            return self._refuse(request)
        return self.get_response(request)

    def _refuse(self, request: HttpRequest) -> HttpResponse:
        next_query = urlencode({"next": request.get_full_path()})
        user = request.user
        if isinstance(user, AbstractBaseUser) and not is_mfa_enabled(user):
            messages.info(request, SET_UP_MESSAGE)
            return HttpResponseRedirect(f"{reverse('mfa_activate_totp')}?{next_query}")
        logout(request)
        messages.info(request, LOG_IN_AGAIN_MESSAGE)
        return HttpResponseRedirect(f"{reverse('account_login')}?{next_query}")
