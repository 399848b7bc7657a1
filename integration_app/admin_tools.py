"""What every operators' console page shares: status badges, read-only log admins, row counts.

Badges say their state in words and carry a tone (ok, warn, error, muted) for colour, so colour is
never the only signal.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, IntegerField, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

BADGE_TONES = frozenset({"ok", "info", "warn", "error", "muted"})


def colour_badge(tone: str, label: str) -> SafeString:
    """A coloured pill for list and change pages; `tone` is ok, warn, error or muted.

    Colours come from static/css/admin_extra.css (the Content-Security-Policy allows no inline
    style), keyed by `data-tone`.
    """
    return format_html(
        '<span class="status-badge" data-tone="{}">{}</span>',
        tone if tone in BADGE_TONES else "muted",
        label,
    )


def count_of(queryset: QuerySet, field: str = "business") -> Coalesce:
    """A per-row COUNT as a correlated subquery (no GROUP BY over the whole list)."""
    return Coalesce(
        Subquery(
            queryset.values(field).annotate(total=Count("pk")).values("total")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


class ReadOnlyAdmin(admin.ModelAdmin):
    """Audit and log records: changed only by services, never by hand in admin."""

    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
