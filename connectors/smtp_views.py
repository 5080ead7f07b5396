"""The Received mail page: what the live SMTP endpoint (manage.py smtpserve) accepted for a lab."""

from __future__ import annotations

from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import default

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from .access import get_lab_for_user
from .exchange.fates import Fate
from .models import ReceivedMessage

SHOWN_HEADERS = ("From", "To", "Cc", "Subject", "Date", "Message-ID")


@dataclass
class ReceivedMail:
    message: ReceivedMessage
    headers: list[tuple[str, str]]
    summary: list[tuple[str, str]]
    recipients: list[dict]


def _received(message: ReceivedMessage) -> ReceivedMail:
    parsed = BytesHeaderParser(policy=default).parsebytes(bytes(message.content))
    headers = []
    for name, value in parsed.items():
        try:
            headers.append((name, str(value)))
        except (ValueError, TypeError):  # a malformed header is shown as sent
            headers.append((name, parsed.get(name, failobj="")))
    summary = [(name, value) for name, value in headers if name.lower() in {h.lower() for h in SHOWN_HEADERS}]
    recipients = [{**r, "fate": Fate.named(r.get("fate")) or r.get("fate")} for r in message.recipients]
    return ReceivedMail(message, headers, summary, recipients)


@login_required
@require_safe
def received_mail(request: HttpRequest, slug: str) -> HttpResponse:
    lab = get_lab_for_user(request, slug)
    page = Paginator(lab.received_messages.all(), 25).get_page(request.GET.get("page"))
    context = {"section": "received", "lab": lab, "page": page, "mails": [_received(m) for m in page]}
    return render(request, "connectors/received_mail.html", context)
