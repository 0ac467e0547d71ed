from django.apps import AppConfig


class CnaConfig(AppConfig):
    name = "vulndesk.cna"
    label = "cna"
    verbose_name = "CNA"
