"""The REST API, version 1, under /api/v1/ (OpenAPI description: openapi.json, docs: docs)."""

from __future__ import annotations

from ninja import NinjaAPI

from vulndesk.api import errors
from vulndesk.api.routes_public import router as public_router
from vulndesk.api.routes_records import router as records_router
from vulndesk.api.routes_reports import router as reports_router
from vulndesk.api.routes_teams import router as teams_router
from vulndesk.webhooks.api import router as webhooks_router

api = NinjaAPI(
    title="vulndesk API",
    version="1",
    description=(
        "Everything the desk does, for automation. Authenticate with a personal token: "
        "`Authorization: Bearer vdk_…` (create one with `vulndesk token create`). "
        "A token never sees more than its user. Errors are problem objects with a stable "
        "`code` and a human `detail`; a refused workflow move is 409 with the guard's reason."
    ),
    urls_namespace="api-v1",
)
errors.install(api)
api.add_router("", public_router)
api.add_router("", reports_router)
api.add_router("", teams_router)
api.add_router("", records_router)
api.add_router("", webhooks_router)
