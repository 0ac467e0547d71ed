"""CNA: the CVE ID pool and CVE Services."""

from django.apps import AppConfig


class CnaConfig(AppConfig):
    name = "vulndesk.cna"
    label = "cna"
    verbose_name = "CNA"

    def ready(self) -> None:
        from vulndesk.public.publication import register_step

        from .services import step_cve_record

        # After the public page (10) and the announcement (20): the PSRT process creates
        # the CVE record once the advisory is out.
        register_step("cve-record", step_cve_record, order=30)
