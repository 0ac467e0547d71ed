from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "vulndesk.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
