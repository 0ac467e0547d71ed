from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "vulndesk.triage"
    label = "triage"
    verbose_name = "Triage"
