"""How django-allauth fits vulndesk: its mail goes through the outbox, logins land on
the desk (team staff) or the portal (everyone else), and signup can be closed."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records, record_authentication
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.urls import Resolver404, resolve


def _existing(path: str) -> str:
    """``path`` when a page answers it, else the home page."""
    try:
        resolve(path)
    except Resolver404:
        return "/"
    return path


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]  # allauth is untyped
    def post_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> Any:
        """A password typed at login counts as typed again for allauth's reauthentication
        window (5 minutes): team staff sent to set up TOTP right after logging in are not
        asked for it twice. Later changes to MFA settings still ask for it."""
        response = super().post_login(request, user, **kwargs)
        records = get_authentication_records(request, user)
        if records and records[0].get("method") == "password":
            record_authentication(request, user, "password", reauthenticated=True)
        return response

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # An invitation to collaborate (desk.invitations) opens signup for its address.
        from vulndesk.desk.invitations import invited_email

        return bool(settings.VULNDESK_SIGNUP_OPEN) or bool(invited_email(request))

    def clean_email(self, email: str) -> str:
        """With signup closed, an invitee signs up with the invited address only."""
        from django import forms

        from vulndesk.desk.invitations import invited_email

        request = self.request
        if not settings.VULNDESK_SIGNUP_OPEN and request is not None:
            invited = invited_email(request)
            if invited and email.strip().lower() != invited:
                raise forms.ValidationError("Sign up with the address the invitation was sent to.")
        return email

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        from vulndesk.core.middleware import is_team_staff
        from vulndesk.desk.invitations import pending_invitation_path

        if invitation := pending_invitation_path(request):
            return invitation  # back to the invitation being followed, to accept it
        return _existing("/desk/" if is_team_staff(request.user) else "/portal/")

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Queue the mail in the outbox (sent by the worker, retried, never lost)."""
        from vulndesk.mail.services import outbox_queue

        ctx: dict[str, Any] = {"email": email, "current_site": _Site()}
        ctx.update(context)
        message = self.render_mail(template_prefix, email, ctx)
        with transaction.atomic():
            outbox_queue(
                team=None,
                to=list(message.to),
                subject=str(message.subject),
                body=str(message.body),
                template=template_prefix.rsplit("/", 1)[-1],
            )


class _Site:
    """What allauth's mail templates use of a site: a name and a domain."""

    def __init__(self) -> None:
        self.name = "vulndesk"
        self.domain = settings.BASE_URL.split("://", 1)[-1]
