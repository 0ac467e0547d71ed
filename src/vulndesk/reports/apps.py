from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "vulndesk.reports"
    label = "reports"
    verbose_name = "Reports"
