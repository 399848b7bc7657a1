"""Sending webhook tasks without ever failing the caller: the database row is the outbox.

A broker outage must not turn a received delivery into a 500 (FreshBooks would retry, then drop
it), so enqueue failures are logged and left to the sweeper, which re-enqueues rows still pending.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction

from integration_app.enqueue import publish_now


def _send(task_name: str, argument: int, countdown: float | None) -> bool:
    from connections import webhook_tasks

    return publish_now(getattr(webhook_tasks, task_name), (argument,), countdown=countdown)


def _after_commit(task_name: str, argument: int, countdown: float | None = None) -> None:
    transaction.on_commit(partial(_send, task_name, argument, countdown))


def delivery_enqueue(delivery_id: int, *, countdown: float | None = None) -> None:
    _after_commit("process_delivery", delivery_id, countdown)


def subscriptions_sync_enqueue(business_pk: int, *, countdown: float | None = None) -> None:
    _after_commit("sync_subscriptions", business_pk, countdown)


def subscription_confirm_enqueue(subscription_pk: int) -> None:
    _after_commit("confirm_subscription", subscription_pk)


def subscription_resend_enqueue(subscription_pk: int) -> None:
    _after_commit("resend_verification", subscription_pk)
