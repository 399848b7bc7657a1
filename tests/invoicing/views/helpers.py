"""Addressing the invoice pages."""

from __future__ import annotations

from django.urls import reverse

MAY = {"period": "custom", "start": "2024-05-01", "end": "2024-05-31"}


def url(name, business, **kwargs):
    return reverse(f"invoices:{name}", kwargs={"business_pk": business.pk, **kwargs})
