"""Sign-in throttling (django-axes): two limits counted on their own, the lockout page in words, and the client's
address behind a known number of proxies. Settings: SIGNIN_ACCOUNT_LIMIT, SIGNIN_ADDRESS_LIMIT,
SIGNIN_COOLOFF_MINUTES, PROXY_COUNT (exchsim/settings.py)."""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum
from django.shortcuts import render


class AccountAndAddressHandler(AxesDatabaseHandler):
    """Axes counts one limit over every lockout parameter. exchsim locks an account after SIGNIN_ACCOUNT_LIMIT
    failures but an address only after SIGNIN_ADDRESS_LIMIT: twenty trainees behind one classroom NAT would otherwise
    lock each other out with a few typos. The address's count only reaches axes once it is over its own limit."""

    def get_failures(self, request, credentials=None) -> int:
        by_account, by_address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        return max(by_account, by_address) if by_address >= settings.SIGNIN_ADDRESS_LIMIT else by_account


def client_address(request) -> str:
    """REMOTE_ADDR, or the address the PROXY_COUNT-th proxy from us saw in X-Forwarded-For (proxies append; entries
    a client wrote itself sit further left and are ignored)."""
    if settings.PROXY_COUNT:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= settings.PROXY_COUNT:
            return forwarded[-settings.PROXY_COUNT]
    return request.META.get("REMOTE_ADDR", "")


def lockout_response(request, original_response=None, credentials=None):
    context = {"cooloff_minutes": settings.SIGNIN_COOLOFF_MINUTES}
    return render(request, "registration/locked_out.html", context, status=429)
