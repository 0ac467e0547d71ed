"""Advisories: severity, CWE, affected versions, CVE JSON 5 / OSV / CSAF records."""
