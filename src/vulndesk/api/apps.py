from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "vulndesk.api"
    label = "api"
    verbose_name = "API"
