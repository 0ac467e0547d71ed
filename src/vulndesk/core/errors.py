"""The errors services raise. Every channel turns them into a message a person can act on."""

from __future__ import annotations


class ApplicationError(Exception):
    """A refused or failed action, with a message meant for the person who asked.

    ``code`` is stable and machine-readable (for the API and ``--json``);
    ``message`` is the sentence shown to people.
    """

    code = "refused"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class NotFound(ApplicationError):  # noqa: N818 - reads as the outcome, like Django's Http404
    """The object does not exist, or the actor may not know that it does."""

    code = "not_found"


class PermissionDenied(ApplicationError):  # noqa: N818
    """The actor may see the object but may not do this to it."""

    code = "permission_denied"


class TransitionRefused(ApplicationError):  # noqa: N818
    """A workflow guard refused the move; the message names the guard."""

    code = "transition_refused"


class ValidationFailed(ApplicationError):  # noqa: N818
    """Input was malformed; the message names the bad field and why."""

    code = "invalid"
