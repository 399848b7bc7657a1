"""allauth adapter: failed-login limits per address and per address-and-account.

allauth counts failed logins per IP address (``10/m/ip``) and per *account* (``5/5m/key``, the key
being the email address). The per-account count lets anyone, from anywhere, lock a victim out by
typing five wrong passwords for their address. Here the key is the client address *and* the
account, so a stranger only locks themselves out; brute force stays limited per address (and per
address and account), the counters live in the shared Redis cache so every web process sees them.

The price: an attacker with many addresses gets five guesses per address per five minutes against
one account. Passwords are checked against Django's validators (length, common passwords) at
sign-up, which is what makes that budget acceptable.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal.ratelimit import get_ip
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        # allauth: "<site domain>:<email>". Used for the "key" part of ACCOUNT_RATE_LIMITS'
        # login_failed (consumed before authenticating, rolled back on success, cleared after a
        # password reset). get_ip is allauth's own (trusted proxies, IPv6 /64 prefix).
        return f"{get_ip(request)}:{super()._get_login_attempts_cache_key(request, **credentials)}"
