from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "vulndesk.mail"
    label = "mail"
    verbose_name = "Mail"
