from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "vulndesk.public"
    label = "public"
    verbose_name = "Public"
