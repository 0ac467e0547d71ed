"""django-allauth forms adapted to vulndesk."""

from __future__ import annotations

from allauth.account.internal.flows.login import record_authentication
from allauth.core import context
from allauth.mfa.totp.forms import ActivateTOTPForm as BaseActivateTOTPForm


class ActivateTOTPForm(BaseActivateTOTPForm):  # type: ignore[misc]  # allauth is untyped
    """Setting up TOTP with a valid code proves the device as a login with it would: the
    session counts as having passed MFA (vulndesk.core.middleware lets team staff in)."""

    def clean_code(self) -> str:
        code = str(super().clean_code())
        # Not saved if setting up the device then fails (no session is saved on a 500).
        record_authentication(context.request, self.user, "mfa", type="totp", activated=True)
        return code
