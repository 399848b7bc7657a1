"""Telling tenants apart in the operators' console: whose business a row is, and a filter by it.

Two tenants may each connect a business called "Northwind Design Co.", so a business is always
shown with its owner's email (`business_label`), and every per-business list has an owner column
and a business filter whose choices say whose each business is.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from connections.models import ConnectedBusiness

OWNER_PATH = "business__connection__user"


def business_label(business: ConnectedBusiness) -> str:
    """ "Northwind Design Co. · owner@example.com": the owner is the local user who connected it."""
    return f"{business.name} · {business.connection.user.email}"


class BusinessFilter(admin.SimpleListFilter):
    """Rows of one business, chosen by name and owner; a tampered value shows no rows."""

    title = "business"
    parameter_name = "business"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        businesses = ConnectedBusiness.objects.select_related("connection__user").order_by(
            "name", "connection__user__email", "pk"
        )
        return [(str(business.pk), business_label(business)) for business in businesses]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value is None:
            return queryset
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(business_id=int(value))


class TenantColumns:
    """Mixin for admins of per-business rows: an owner column next to the business.

    Add "owner" to list_display and OWNER_PATH to list_select_related.
    """

    @admin.display(description="owner", ordering=f"{OWNER_PATH}__email")
    def owner(self, row) -> str:
        business = row.business
        return business.connection.user.email if business is not None else "—"
