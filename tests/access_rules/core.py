"""Access rules of the site's own pages (vulndesk.core): the home page and the health check."""

from tests.access_rules import PUBLIC, Rule

RULES = [
    Rule("home", expect=PUBLIC),
    Rule("healthz", expect=PUBLIC),
]
