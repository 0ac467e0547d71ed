"""The whole PSRT process, from a new report to a published advisory, through the API alone."""

from __future__ import annotations

from tests.api.conftest import Api, published_with_records

LABELS = ["security", "release-blocker"]


def test_psrt_walk_from_new_to_published_through_the_api(personas, tokens):
    rita, alice, bob = Api(tokens["reporter"]), Api(tokens["admin"]), Api(tokens["member"])
    anyone = Api()

    # The reporter files privately.
    created = rita.post(
        "/reports",
        {"team": "psrt", "project": "cpython", "title": "zipfile.Path escapes", "body": "PoC"},
    )
    assert created.status == 201, created.body
    key = created.body["key"]
    assert created.body["state"] == "new"
    assert created.body["source"] == "api"
    assert created.body["reporter"]["email"] == "rita@example.test"
    assert anyone.get(f"/advisories/{key}").status == 404

    # An admin triages it as plausible and assigns a coordinator.
    assert alice.post(f"/reports/{key}/triage", {"outcome": "plausible"}).body["state"] == "triage"
    # A decision before a coordinator is refused with the guard's reason.
    refused = bob.post(f"/reports/{key}/accept", {})
    assert refused.status == 403
    assert "no coordinator" in refused.body["detail"]
    assigned = alice.post(f"/reports/{key}/assign", {"coordinator": "bob"})
    assert assigned.body["coordinator"] == "bob"

    # The coordinator accepts with a CVE ID, sets severity and the fix approach.
    accepted = bob.post(f"/reports/{key}/accept", {"cve_id": "CVE-2026-31001"})
    assert accepted.status == 200, accepted.body
    assert accepted.body["state"] == "accepted"
    severity = bob.post(
        f"/reports/{key}/severity",
        {"cvss_vector": "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:N"},
    )
    assert severity.body["severity"] == "Medium", severity.body
    fixing = bob.post(f"/reports/{key}/fix-plan", {"approach": "public", "provider": "reporter"})
    assert fixing.body["state"] == "fixing"

    # The reporter is told (CVE ID + severity) and answers the credit question.
    told = bob.post(f"/reports/{key}/tell-reporter", {})
    assert told.status == 200
    shared = rita.get(f"/reports/{key}/comments").body
    assert any("CVE-2026-31001" in c["body"] and "Medium" in c["body"] for c in shared)
    credit = rita.post(f"/reports/{key}/credit", {"wanted": True, "name": "Rita R."})
    assert credit.body["credit"] == {"wanted": True, "name": "Rita R.", "type": "finder"}

    # Publishing too early names every missing piece.
    early = bob.post(f"/reports/{key}/publish")
    assert early.status == 409
    assert early.body["code"] == "transition_refused"
    assert "fixing" in early.body["detail"]

    advisory = bob.post(
        f"/reports/{key}/advisory",
        {
            "title": "Path traversal in zipfile.Path",
            "description": "Crafted member names escape the target directory.",
            "affected_versions": "Python 3.12 and earlier",
            "affected_components": "zipfile.Path",
            "mitigations": "Validate member names before extracting.",
        },
    )
    assert advisory.body["advisory"]["title"] == "Path traversal in zipfile.Path"

    pr_url = "https://github.com/python/cpython/pull/4242"
    unlabelled = bob.post(f"/reports/{key}/prs", {"url": pr_url, "labels": ["security"]})
    assert unlabelled.status == 422
    assert "release-blocker" in unlabelled.body["detail"]
    linked = bob.post(f"/reports/{key}/prs", {"url": pr_url, "branch": "main", "labels": LABELS})
    assert linked.body["fix_prs"][0]["url"] == pr_url
    merged = bob.post(f"/reports/{key}/prs/merge", {"url": pr_url, "commit": "deadbeef"})
    assert merged.body["state"] == "fixed"

    published = bob.post(f"/reports/{key}/publish")
    assert published.status == 200, published.body
    assert published.body["state"] == "published"
    assert published.body["milestones"]["published_at"] is not None

    # Everyone can now read the advisory, and only the advisory.
    public = anyone.get(f"/advisories/{key}")
    assert public.status == 200
    assert public.body["cve_id"] == "CVE-2026-31001"
    assert public.body["credit"] == "Rita R."
    assert "body" not in public.body
    assert [a["key"] for a in anyone.get("/advisories").body["items"]] == [key]

    # The timeline holds every step, in order.
    actions = [e["action"] for e in bob.get(f"/reports/{key}/timeline").body]
    assert actions[0] == "report:create"
    for expected in (
        "cve:id:assign",
        "report:severity:set",
        "fix:pr:merge",
        "report:reporter:tell",
    ):
        assert expected in actions
    assert actions[-1] == "report:state:change"


def test_high_severity_needs_the_private_fix_approved_before_a_public_pr(
    personas, tokens, make_report
):
    report = make_report("accepted")
    bob = Api(tokens["member"])
    key = report.key
    bob.post(f"/reports/{key}/cve", {"cve_id": "CVE-2026-31002"})
    bob.post(f"/reports/{key}/severity", {"severity": "High"})
    public = bob.post(f"/reports/{key}/fix-plan", {"approach": "public"})
    assert public.status == 422
    assert "private" in public.body["detail"]
    assert bob.post(f"/reports/{key}/fix-plan", {"approach": "private"}).body["state"] == "fixing"
    pr = {"url": "https://github.com/python/cpython/pull/1", "labels": LABELS}
    refused = bob.post(f"/reports/{key}/prs", pr)
    assert refused.status == 409
    assert "approve the private fix" in refused.body["detail"]
    assert bob.post(f"/reports/{key}/approve-fix", {"note": "Tested."}).status == 200
    assert bob.post(f"/reports/{key}/prs", pr).status == 200


def test_reject_and_reopen_through_the_api(personas, tokens, make_report):
    report = make_report("triage")
    alice, bob, rita = Api(tokens["admin"]), Api(tokens["member"]), Api(tokens["reporter"])
    alice.post(f"/reports/{report.key}/assign", {"coordinator": "bob@example.test"})
    rejected = bob.post(f"/reports/{report.key}/reject", {"reason": "Works as documented."})
    assert rejected.body["state"] == "rejected"
    assert any(
        "doesn't constitute" in c["body"] for c in rita.get(f"/reports/{report.key}/comments").body
    )
    empty = bob.post(f"/reports/{report.key}/reopen", {"reason": ""})
    assert empty.status == 422
    assert (
        bob.post(f"/reports/{report.key}/reopen", {"reason": "New PoC."}).body["state"] == "triage"
    )
    withdrawn = bob.post(f"/reports/{report.key}/withdraw", {"reason": "Duplicate."})
    assert withdrawn.body["state"] == "withdrawn"
    final = bob.post(f"/reports/{report.key}/reopen", {"reason": "x"})
    assert final.status == 409
    assert "withdrawn" in final.body["detail"]


def test_cve_id_from_the_pool_and_records_through_the_api(personas, tokens, make_report):
    from vulndesk.cna.services import cve_pool_load

    report = make_report("accepted")  # before the pool has IDs: acceptance would take one
    cve_pool_load(personas.team, actor=personas.admin, cve_ids=["CVE-2026-45001"])
    bob, alice = Api(tokens["member"]), Api(tokens["admin"])
    pool = alice.get("/teams/psrt/cve-ids").body
    assert [(c["cve_id"], c["state"]) for c in pool] == [("CVE-2026-45001", "available")] or (
        pool[0]["cve_id"] == "CVE-2026-45001" and pool[0]["report"] is None
    )
    assigned = bob.post(f"/reports/{report.key}/cve/assign", {})
    assert assigned.status == 200, assigned.body
    assert assigned.body["cve_id"] == "CVE-2026-45001"
    assert alice.get("/teams/psrt/cve-ids").body[0]["report"] == report.key
    empty = bob.post(f"/reports/{make_report('accepted').key}/cve/assign", {})
    assert empty.status == 404
    assert "no available ID" in empty.body["detail"]

    published = published_with_records(personas)
    for kind, marker in (
        ("cve", "x_generator"),
        ("osv", "schema_version"),
        ("csaf", "document"),
    ):
        record = Api().get(f"/records/{kind}/{published.key}")
        assert record.status == 200, (kind, record.body)
        assert marker in str(record.body)
    assert Api().get(f"/records/osv/{report.key}").status == 404
    assert Api(tokens["reporter"]).get(f"/records/osv/{report.key}").status == 404
    assert bob.get(f"/records/osv/{report.key}").status == 200
