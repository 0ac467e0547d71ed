"""Portal: the reporter's private form and their reports."""
