"""Access rules of the public site (vulndesk.public): the same for everyone, signed in or
not. Published advisories and the feeds are ALLOW for all; an unpublished report is 404
for all, its team included (the team reads it on the desk). The world has a published
advisory with a CSAF document and PSRT as the site's default team, so the CSAF directory
(index.txt, changes.csv, the document) and security.txt answer 200."""

from tests.access_rules import NOT_FOUND, PUBLIC, Rule, expecting

NOBODY = expecting(NOT_FOUND)

RULES = [
    Rule("public-advisory-list", expect=PUBLIC),
    Rule("public-atom", expect=PUBLIC),
    Rule("public-osv-all", expect=PUBLIC),
    Rule("public-osv-zip", expect=PUBLIC),
    Rule("public-osv", kwargs=lambda w: {"public_id": w.published.key}, expect=PUBLIC),
    Rule(
        "public-osv",
        kwargs=lambda w: {"public_id": w.report.key},
        case="unpublished",
        expect=NOBODY,
    ),
    Rule("public-advisory", kwargs=lambda w: {"public_id": w.published.key}, expect=PUBLIC),
    Rule(
        "public-advisory",
        kwargs=lambda w: {"public_id": w.published.cve_id},
        case="by CVE ID",
        expect=PUBLIC,
    ),
    Rule(
        "public-advisory",
        kwargs=lambda w: {"public_id": w.report.key},
        case="unpublished",
        expect=NOBODY,
    ),
    Rule(
        "public-project",
        kwargs=lambda w: {"team": w.team.slug, "project": w.project.slug},
        expect=PUBLIC,
    ),
    Rule("public-security-txt", expect=PUBLIC),
    Rule("public-csaf-provider-metadata", expect=PUBLIC),
    Rule("public-csaf-index", expect=PUBLIC),
    Rule("public-csaf-changes", expect=PUBLIC),
    Rule(
        "public-csaf-document",
        kwargs=lambda w: {"year": w.csaf_year, "name": w.csaf_name},
        expect=PUBLIC,
    ),
]
