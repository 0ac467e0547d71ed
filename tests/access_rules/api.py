"""Access rules of the API's own pages (the OpenAPI document, its docs page, the root).

The API's operations are ruled by tests/api/test_access_matrix.py (per token and scope:
401 without a token, 404 for what the token's user may not see, 403 for what they see
but may not do); tests/test_access_matrix.py checks that each operation the resolver
serves has a row there. The description of the API is public; /api/v1/ itself is
django-ninja's root route, which answers 404 (there is no index page).
"""

from tests.access_rules import NOT_FOUND, PUBLIC, Rule, expecting

RULES = [
    Rule("api-v1:openapi-json", expect=PUBLIC),
    Rule("api-v1:openapi-view", expect=PUBLIC),
    Rule("api-v1:api-root", expect=expecting(NOT_FOUND)),
]
