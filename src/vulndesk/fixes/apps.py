from django.apps import AppConfig


class FixesConfig(AppConfig):
    name = "vulndesk.fixes"
    label = "fixes"
    verbose_name = "Fixes"
