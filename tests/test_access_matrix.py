"""Every URL pattern of the project x every persona: the outcome each gets.

The rules are in tests/access_rules/ (one module per area; the format is described in
tests/access_rules/__init__.py). This file:
1. walks Django's whole URL resolver (every include and namespace) and fails if a
   pattern has no rule, if a rule names no pattern, or if an API operation has no row
   in the API's own matrix (tests/api/test_access_matrix.py);
2. requests every rule as every persona, each case in a savepoint of one world built
   once for this module, and checks the outcome; a 404 or a login redirect must not
   show anything of the world's private report.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connections, transaction
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.access_rules import (
    ALLOW,
    FORBIDDEN_METHOD,
    LOGIN,
    NOT_FOUND,
    PERSONAS,
    REDIRECT,
    Rule,
    all_rules,
)
from tests.access_rules.world import World, build_world
from tests.web import login

RULES = all_rules()
API_PREFIX = "api/v1/"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Who may never see w.report, on any page, whatever its rule says.
OUTSIDERS = {"anonymous", "other_reporter", "uninvited_collaborator", "other_admin"}


# -- discovery -----------------------------------------------------------------------


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[Any]:
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry, route, ns)
        else:
            assert isinstance(entry, URLPattern)
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            yield name, route, entry


def _ninja_methods(entry: URLPattern) -> list[str] | None:
    """The HTTP methods of the operations behind a django-ninja URL, or None if not one."""
    from ninja.operation import PathView

    for cell in getattr(entry.callback, "__closure__", None) or ():
        view = cell.cell_contents
        if isinstance(view, PathView):
            return [method for operation in view.operations for method in operation.methods]
    return None


def discovered() -> tuple[dict[str, str], dict[str, set[tuple[str, str]]]]:
    """Patterns that need a rule here ({name: route}) and the API operations
    ({name: {(method, path)}}, path as the API matrix writes it)."""
    plain: dict[str, str] = {}
    api: dict[str, set[tuple[str, str]]] = {}
    for name, route, entry in _walk(get_resolver()):
        key = name or f"<unnamed {route}>"
        methods = _ninja_methods(entry)
        if methods is None:
            plain[key] = route
            continue
        path = "/" + route.removeprefix(API_PREFIX)
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", path)
        api.setdefault(key, set()).update((method, path) for method in methods)
    return plain, api


def test_every_url_pattern_has_a_rule_and_every_rule_a_pattern() -> None:
    plain, _api = discovered()
    unnamed = sorted(k for k in plain if k.startswith("<unnamed"))
    named = {k for k in plain if not k.startswith("<unnamed")}
    ruled = {rule.name for rule in RULES}
    missing = sorted(named - ruled)
    stale = sorted(ruled - named)
    duplicates = sorted(
        label for label, n in Counter((r.name, r.case) for r in RULES).items() if n > 1
    )
    problems = []
    if unnamed:
        problems.append(f"URL patterns without a name (name them): {unnamed}")
    if missing:
        problems.append(
            "URL patterns without an access rule (add one to tests/access_rules/<area>.py):\n"
            + "\n".join(f"  {name}  /{plain[name]}" for name in missing)
        )
    if stale:
        problems.append(f"Rules for URL patterns that do not exist: {stale}")
    if duplicates:
        problems.append(f"More than one rule for a pattern and case (add case=...): {duplicates}")
    assert not problems, "\n".join(problems)


def test_every_api_operation_has_a_row_in_the_api_matrix() -> None:
    from tests.api.test_access_matrix import MATRIX

    _plain, api = discovered()
    served = set().union(*api.values())
    assert served, "no API operation found: did the API move?"
    listed = {(row.method, row.path) for row in MATRIX}
    missing = sorted(served - listed)
    assert not missing, (
        f"API operations without a row in tests/api/test_access_matrix.py: {missing}"
    )


# -- the world -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    """Built once, in a transaction rolled back after the module (like setUpTestData);
    each test's own transaction is a savepoint inside it."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
    ):
        atomics = {}
        for alias in connections:
            atomics[alias] = transaction.atomic(using=alias)
            atomics[alias].__enter__()
            connections[alias].atomic_blocks[-1]._from_testcase = True  # as TestCase does
        try:
            world = build_world()
            world.extra["sessions"] = _sign_in(world)
            yield world
        finally:
            for alias, atomic in reversed(atomics.items()):
                transaction.set_rollback(True, using=alias)
                atomic.__exit__(None, None, None)


def _sign_in(world: World) -> dict[str, str]:
    """Each persona's session cookie, signed in once through tests.web.login (the real
    forms, MFA for team staff). The session row lives in the world's transaction, so a
    case that logs out or changes its session has that undone with its savepoint."""
    cookies = {}
    for persona in PERSONAS:
        user = world.user(persona)
        if user is not None:
            client = login(Client(), user)
            cookies[persona] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return cookies


# -- the matrix ----------------------------------------------------------------------


def outcome_of(response: HttpResponse, method: str) -> str:
    status = response.status_code
    if status == 404:
        return NOT_FOUND
    if status == 405:
        return FORBIDDEN_METHOD
    if 300 <= status < 400:
        target = response.get("Location", "").split("?", 1)[0]
        if status == 302 and target == resolve_url(settings.LOGIN_URL):
            return LOGIN
        return REDIRECT
    if 200 <= status < 300:
        return ALLOW
    if method not in SAFE_METHODS and status in (400, 403, 409):
        # A refusal shown next to the form: the persona sees the object (that is what
        # a rule checks), the action itself is refused by the service.
        return ALLOW
    return f"HTTP {status}"


def request(world: World, rule: Rule, persona: str) -> HttpResponse:
    client = Client()
    if persona != "anonymous":
        client.cookies[settings.SESSION_COOKIE_NAME] = world.extra["sessions"][persona]
    kwargs = rule.kwargs(world) if rule.kwargs else None
    url = reverse(rule.name, kwargs=kwargs or None)
    data = rule.data(world) if rule.data else None
    if rule.method == "GET":
        return client.get(url, data or {})
    if rule.method == "POST":
        return client.post(url, data or {})
    return client.generic(rule.method, url)


CASES = [
    pytest.param(rule, persona, id=f"{rule.label}-{persona}")
    for rule in RULES
    for persona in PERSONAS
]


@pytest.mark.django_db
@pytest.mark.parametrize(("rule", "persona"), CASES)
def test_access(world: World, settings: Any, rule: Rule, persona: str) -> None:
    settings.VULNDESK_API_RATE_ANONYMOUS = 10**6
    response = request(world, rule, persona)
    want = rule.expect[persona]
    got = outcome_of(response, rule.method)
    if want == REDIRECT:
        ok = got == REDIRECT
    elif want == ALLOW:
        ok = got in (ALLOW, REDIRECT)
    else:
        ok = got == want
    assert ok, (
        f"{rule.label} as {persona}: expected {want}, got {got} "
        f"({response.status_code} {response.get('Location', '')})"
    )
    if want in (NOT_FOUND, LOGIN) or persona in OUTSIDERS:
        body = response.content.decode(errors="replace")
        leaked = [s for s in world.secrets if s in body]
        assert not leaked, f"{rule.label} as {persona}: the {got} response shows {leaked}"
