"""API: the REST API and its tokens."""
