"""vulndesk: a self-hosted desk for open-source security response teams."""

__version__ = "0.1.0"
