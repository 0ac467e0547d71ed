"""schemathesis against the OpenAPI description the app serves (in-process, over WSGI).

Every operation gets generated valid and invalid requests, as a team admin holding
all scopes and with known report keys / slugs / hook ids mixed into the path; no
response may be a server error or break the published schema.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import make_token
from tests.conftest import build_report
from vulndesk.reports.models import State
from vulndesk.reports.services import collaborator_invite, comment_add
from vulndesk.webhooks.services import webhook_create

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# The gate runs a fixed sample (derandomized: the same examples every run, so the suite
# is not flaky for everyone); VULNDESK_FUZZ_RANDOM=1 explores new ones with more examples.
EXPLORE = os.environ.get("VULNDESK_FUZZ_RANDOM") == "1"
EXAMPLES = 25 if EXPLORE else 6


@pytest.fixture
def wsgi_app() -> Any:
    """The real WSGI app, keeping the test's DB connection open between requests
    (Django's own test client does the same)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def world(personas: Any, settings: Any) -> dict[str, Any]:
    settings.VULNDESK_API_RATE_TOKEN = 10**9
    settings.VULNDESK_API_RATE_ANONYMOUS = 10**9
    reports = {state: build_report(personas, state) for state in State.values}
    fixing = reports[State.FIXING]
    collaborator_invite(fixing, actor=personas.member, user=personas.collaborator)
    comment_add(fixing, actor=personas.member, body="internal", visibility="internal")
    hook, _ = webhook_create(
        personas.team,
        actor=personas.admin,
        url="http://127.0.0.1:9/unused",
        events=["report.created"],
    )
    return {
        "token": make_token(personas.admin, "admin"),
        "key": [r.key for r in reports.values()],
        "slug": ["psrt", "other"],
        "hook_id": [str(hook.public_id)],
        "user": ["erin", "bob"],
    }


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_conforms_to_its_openapi_description(
    world: dict[str, Any], wsgi_app: Any, mode: GenerationMode
):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30
    headers = {"Authorization": f"Bearer {world['token']}"}

    for operation in operations:

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=not EXPLORE,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
        def run(case: Any, data: st.DataObject) -> None:
            # Aim half of the requests at things that exist, so actions reach the services.
            for name, values in world.items():
                if (
                    case.path_parameters
                    and name in case.path_parameters
                    and data.draw(st.booleans())
                ):
                    case.path_parameters[name] = data.draw(st.sampled_from(values))
            case.call_and_validate(headers=headers, checks=CHECKS)

        run()
