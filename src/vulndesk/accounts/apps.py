from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "vulndesk.accounts"
    label = "accounts"
    verbose_name = "People and teams"
