"""Access rules of django-allauth's pages under /accounts/ (sign-in, sign-up, email,
password, multi-factor authentication).

Sign-in, sign-up, password reset and the email-confirmation pages are for anyone (a
signed-in person is sent on from the ones that make no sense to them); the pages about
one's own account want a signed-in person (LOGIN otherwise). The MFA pages about an
authenticator a person does not have answer 404: only team staff (member, admin,
other_admin) have TOTP, and nobody in the world has generated recovery codes.
"""

from tests.access_rules import ALLOW, LOGIN, NOT_FOUND, PUBLIC, SIGNED_IN, Rule, expecting

# The world's team staff have a TOTP device (tests.web.login enrols them).
HAS_TOTP = expecting(NOT_FOUND, anonymous=LOGIN, member=ALLOW, admin=ALLOW, other_admin=ALLOW)
NO_RECOVERY_CODES = expecting(NOT_FOUND, anonymous=LOGIN)

RULES = [
    # Anyone.
    Rule("account_login", expect=PUBLIC),
    Rule("account_logout", expect=PUBLIC),
    Rule("account_inactive", expect=PUBLIC),
    Rule("account_signup", expect=PUBLIC),
    Rule("account_email_verification_sent", expect=PUBLIC),
    Rule("account_reset_password", expect=PUBLIC),
    Rule("account_reset_password_done", expect=PUBLIC),
    Rule("account_reset_password_from_key_done", expect=PUBLIC),
    Rule("account_confirm_email", kwargs=lambda w: {"key": "not-a-key"}, expect=PUBLIC),
    Rule(
        "account_reset_password_from_key",
        kwargs=lambda w: {"uidb36": "1", "key": "not-a-key"},
        expect=PUBLIC,
    ),
    # One's own account.
    Rule("account_reauthenticate", expect=SIGNED_IN),
    Rule("account_request_reauthentication_code", expect=SIGNED_IN),
    Rule("account_confirm_reauthentication_code", expect=SIGNED_IN),
    Rule("account_confirm_login_code", expect=SIGNED_IN),
    Rule("account_email", expect=SIGNED_IN),
    Rule("account_change_password", expect=SIGNED_IN),
    Rule("account_set_password", expect=SIGNED_IN),
    Rule("mfa_index", expect=SIGNED_IN),
    Rule("mfa_authenticate", expect=SIGNED_IN),
    Rule("mfa_reauthenticate", expect=SIGNED_IN),
    Rule("mfa_activate_totp", expect=SIGNED_IN),
    Rule("mfa_deactivate_totp", expect=HAS_TOTP),
    Rule("mfa_generate_recovery_codes", expect=SIGNED_IN),
    Rule("mfa_view_recovery_codes", expect=NO_RECOVERY_CODES),
    Rule("mfa_download_recovery_codes", expect=NO_RECOVERY_CODES),
]

# Security keys (WebAuthn): nobody in the world has one, so a key's pages are 404.
RULES += [
    Rule("mfa_list_webauthn", expect=SIGNED_IN),
    Rule("mfa_add_webauthn", expect=SIGNED_IN),
    Rule("mfa_reauthenticate_webauthn", expect=SIGNED_IN),
    Rule("mfa_remove_webauthn", kwargs=lambda w: {"pk": 1}, expect=NO_RECOVERY_CODES),
    Rule("mfa_edit_webauthn", kwargs=lambda w: {"pk": 1}, expect=NO_RECOVERY_CODES),
]
