"""Public: published advisories, feeds and the publication runner."""
