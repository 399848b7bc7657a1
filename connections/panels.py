"""Panels other apps add to the dashboard, registered in their `AppConfig.ready()`.

The dashboard belongs to connections, which never imports invoicing; invoicing plugs its issues
feed and unbilled totals in here, as it plugs its webhook handlers into the registry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# (user, the dashboard's connections with their active businesses) -> a panel: a dict with the
# "template" to include and its context, or None to show nothing.
PanelProvider = Callable[[Any, list], dict[str, Any] | None]
_providers: list[PanelProvider] = []


def register(provider: PanelProvider) -> PanelProvider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def panels_for(user, connections: list) -> list[dict[str, Any]]:
    return [panel for provider in _providers if (panel := provider(user, connections))]
