"""Public: published advisories, feeds and the publication runner."""

from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "vulndesk.public"
    label = "public"
    verbose_name = "Public"

    def ready(self) -> None:
        from .publication import register_step
        from .services import step_public_page

        register_step("public-page", step_public_page, order=10)
