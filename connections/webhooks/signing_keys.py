"""A business's webhook signing keys, read once per web process and reused for its deliveries.

Every delivery needs the business its token names and that business's verifiers. Reading (and
decrypting) them for each request cost a query and most of the endpoint's CPU, so each web process
keeps what it read. The cache never decides alone: the INSERT that stores a delivery accepted with
a cached key re-checks, in the same statement, that the key is still the subscription's verifier,
still verified, and the business still active under this token (``connections.webhooks.intake``).
When it is not, nothing is stored, the entry is forgotten and the delivery is judged again on a
fresh read. So a rotated verifier, a new token or a disconnected business take effect at once,
with no invalidation message to miss.

Only the fast path of signed event deliveries uses this; everything else (verifications, refused
deliveries) reads the database as before.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property

from django.db.models import F, FilteredRelation, Q, TextField
from django.db.models.functions import Cast

from connections.encryption import decrypt
from connections.models import ACTIVE_BUSINESSES, ConnectedBusiness

# Tokens of businesses whose keys one process keeps; beyond this the cache starts again.
MAX_CACHED_BUSINESSES = 2000


@dataclass(frozen=True)
class SigningKey:
    subscription_pk: int
    event: str
    verifier: str = ""
    # The column's value as stored (ciphertext): what the storing INSERT compares against.
    stored_verifier: str = ""

    def __repr__(self) -> str:  # never show the verifier
        return f"<SigningKey subscription={self.subscription_pk} {self.event}>"


@dataclass(frozen=True)
class SigningKeys:
    """A business (only what ingest needs) and its verified subscriptions' keys."""

    business_pk: int
    account_id: str
    business_id: int
    token: str
    keys: tuple[SigningKey, ...]

    def __repr__(self) -> str:  # never show the token (the URL's secret) or a verifier
        return f"<SigningKeys business={self.business_pk} keys={len(self.keys)}>"

    @cached_property
    def business(self) -> ConnectedBusiness:
        """A stand-in carrying the fields ingest reads (pk, account and business ids); shared by
        the requests of this process, so never saved or changed."""
        return ConnectedBusiness(
            pk=self.business_pk,
            account_id=self.account_id,
            business_id=self.business_id,
            webhook_token=self.token,
        )


_cached: dict[str, SigningKeys] = {}
_lock = threading.Lock()


def signing_keys_read(token: str) -> SigningKeys | None:
    """The active business with this token and its verified keys, in one query; None if none."""
    rows = list(
        ConnectedBusiness.objects.filter(ACTIVE_BUSINESSES, webhook_token=token)
        .annotate(
            signing=FilteredRelation(
                "webhook_subscriptions", condition=Q(webhook_subscriptions__verified=True)
            )
        )
        .order_by("pk", "signing__pk")
        .values_list(
            "pk",
            "account_id",
            "business_id",
            F("signing__pk"),
            F("signing__event"),
            # The ciphertext itself: a Cast has no decrypting converter.
            Cast("signing__verifier", output_field=TextField()),
        )
    )
    if not rows:
        return None
    business_pk, account_id, business_id = rows[0][:3]
    keys = tuple(
        SigningKey(
            subscription_pk=subscription_pk,
            event=event,
            verifier=decrypt(stored) if stored else "",
            stored_verifier=stored or "",
        )
        for pk, _, _, subscription_pk, event, stored in rows
        if pk == business_pk and subscription_pk is not None and stored
    )
    return SigningKeys(
        business_pk=business_pk,
        account_id=account_id,
        business_id=business_id,
        token=token,
        keys=keys,
    )


def signing_keys_for(token: str) -> tuple[SigningKeys | None, bool]:
    """The keys for ``token`` and whether they came from this process's cache (else just read)."""
    cached = _cached.get(token)
    if cached is not None:
        return cached, True
    found = signing_keys_read(token)
    if found is not None:
        with _lock:
            if len(_cached) >= MAX_CACHED_BUSINESSES:
                _cached.clear()
            _cached[token] = found
    return found, False


def signing_keys_forget(token: str) -> None:
    """Drop the cached keys of ``token`` (they failed to store a delivery, or to verify one)."""
    with _lock:
        _cached.pop(token, None)


def signing_keys_forget_all() -> None:
    with _lock:
        _cached.clear()
