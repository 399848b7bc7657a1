"""Words for pages: relative times people say ("just now"), codes as labels, no doubled prefixes.

`{% load wording %}` then `{{ when|ago }}`, `{{ code|label }}`, `{{ text|drop_prefix:"Blocked" }}`.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django import template
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# Codes that can reach a page from stored previews and runs; everything else is capitalised words.
LABELS = {
    "detailed": "one line per time entry",
    "service": "service",
    "project": "project",
    "team_member": "team member",
    "day": "day",
    "single": "a single line",
    "bill_zero": "unpriced time billed as 0.00 lines",
    "leave_unbilled": "unpriced time left unbilled",
    "hold": "a client's draft held back until its unpriced time has a rate",
}


@register.filter
def ago(moment: datetime | None) -> str:
    """ "just now" under a minute, else Django's naturaltime ("3 minutes ago", "2 hours ago")."""
    if not moment:
        return ""
    if abs(timezone.now() - moment) < timedelta(minutes=1):
        return "just now"
    return str(naturaltime(moment))


@register.filter
def label(code: object) -> str:
    text = str(code or "")
    return LABELS.get(text, text.replace("_", " "))


@register.filter
def drop_prefix(text: object, prefix: str) -> str:
    """ "Blocked: no rate" with prefix "Blocked" reads "no rate" where a badge already says it."""
    value = str(text or "")
    head = f"{prefix}: "
    return value[len(head) :] if value.lower().startswith(head.lower()) else value


@register.filter
def sentence(text: object) -> str:
    """Ends the text with a full stop, so a link after it starts a new sentence."""
    value = str(text or "").rstrip()
    return value if not value or value[-1] in ".!?" else f"{value}."


ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


@register.filter
def dates_unbroken(text: object) -> SafeString:
    """Each ISO date on one line ("2026-/11-01" never), while a long label may still wrap between
    its dates; the text is escaped as usual."""
    escaped = str(conditional_escape(str(text)))
    return mark_safe(  # noqa: S308 - the text was escaped above; only the spans are markup
        ISO_DATE.sub(lambda match: f'<span class="nowrap">{match.group(0)}</span>', escaped)
    )
