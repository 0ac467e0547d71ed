"""Mail: the security@ mailbox in, templated replies out."""
