from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "vulndesk.accounts"
    label = "accounts"
    verbose_name = "People and teams"

    def ready(self) -> None:
        from allauth.mfa.signals import authenticator_added

        from vulndesk.accounts.adapter import record_mfa_on_authenticator_added

        # Session bookkeeping of the login, not a domain effect: setting up a device with
        # a valid code counts as passing MFA (vulndesk.core.middleware).
        authenticator_added.connect(record_mfa_on_authenticator_added)
