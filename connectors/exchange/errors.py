"""Errors raised by the engine. Their messages are Exchange's own wording wherever Exchange has one."""

from __future__ import annotations

# PowerShell's binder, for a parameter the cmdlet (or the server's version of it) doesn't have
NO_PARAMETER = "A parameter cannot be found that matches parameter name '{0}'."


class ExchangeError(Exception):
    """A rule Exchange enforces was broken. `field` names the property concerned (Exchange's parameter name,
    e.g. "RemoteIPRanges"), or "" when the error is about the object as a whole."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class ValidationFailed(ExchangeError):
    """Several rules broken at once; `errors` is the list of model.FieldError, in Exchange's order."""

    def __init__(self, errors):
        self.errors = list(errors)
        first = self.errors[0]
        super().__init__(first.message, first.field)
