"""CNA: the CVE ID pool and CVE Services."""
