"""Mail: the security@ mailbox in, templated replies out."""

from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "vulndesk.mail"
    label = "mail"
    verbose_name = "Mail"

    def ready(self) -> None:
        # The publication runner (vulndesk.public) runs the announcement after the page.
        from vulndesk.mail.services import step_announcement
        from vulndesk.public.publication import register_step

        register_step("announcement", step_announcement, order=20)
