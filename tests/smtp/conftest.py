"""The dashboard fixtures (a signed-in lab owner) for the Received mail page tests."""

from tests.web.conftest import owner, signed_in  # noqa: F401
