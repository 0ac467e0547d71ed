from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "vulndesk.portal"
    label = "portal"
    verbose_name = "Portal"
