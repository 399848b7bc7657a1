"""Hostile input: the corpus an attacker (or a strange FreshBooks account) sends, against gunicorn.

Two people, A (the attacker, signed in) and B (the victim), each with a connected business mirrored
from the sandbox, rate rules, an invoice run and a draft. Then, over HTTP to the app under gunicorn
with a Celery worker processing webhooks:

- **webhooks** to A's endpoint: unsigned, forged and foreign signatures, empty, JSON, non-UTF-8,
  too many fields, NUL and right-to-left characters (signed and not), B's ids in a signed body,
  bodies over the cap (declared and chunked), a chunked valid delivery, unsigned verification
  floods, unknown and absurd tokens;
- **hostile text in FreshBooks data** (through the control API: client names and entry notes
  with NUL, RLO and isolates, markup) synced in, then every page of A's that shows it, checked for
  raw NUL and bidirectional controls in the HTML;
- **far dates** 0001-01-01 and 9999-12-31 on every date field: time entries in FreshBooks, the
  business page's period filter, a new run, rate rule validity;
- **forms**: every form on every page of A's posted with each hostile value in every field;
  bodies over Django's caps, too many fields and chunked bodies;
- **OAuth callbacks**: no state, a forged state, ``error`` parameters, a reused code, a code for
  another state;
- **cross-tenant ids**: every URL pattern of the app (walked from the URLconf) filled with B's ids
  (and A's business with B's runs, drafts, rules), sent as GET and as a CSRF-valid POST by A.

Checks: 0 answers with status 500 (or no answer), every cross-tenant request answered 404 (405
for a method a view never takes), 0 rows of B's changed (every row reachable from B's user,
snapshotted before and after), 0 secrets (tokens, codes, states, verifiers, webhook tokens,
session ids) in the app processes' logs, 0 raw NUL or bidirectional controls in a page.

Small: three hostile values in every field at once, then the first in each field alone. Full: all
eighteen, both ways. In the test-suite: as small,
without the one-field-at-a-time posts and without a worker processing the accepted deliveries.
"""

from __future__ import annotations

import time

from bench.drills import _hostile_corpus as corpus
from bench.drills._hostile_http import Browser, Tally
from bench.drills.common import (
    DrillResult,
    World,
    deliveries_unsettled,
    in_tests,
    isolated,
    signed_in_session,
    wait_for,
)


def tenant_rows(user) -> dict[tuple[str, object], dict]:
    """Every row reachable from ``user`` (what deleting the user would take with it), by value."""
    from django.contrib.admin.utils import NestedObjects

    collector = NestedObjects(using="default")
    collector.collect([user])
    rows: dict[tuple[str, object], dict] = {}
    for model, instances in collector.data.items():
        for instance in instances:
            fresh = model._default_manager.filter(pk=instance.pk).first()
            if fresh is None:
                continue
            rows[(model._meta.label, fresh.pk)] = {
                field.attname: getattr(fresh, field.attname)
                for field in model._meta.concrete_fields
            }
    for connection in user.freshbooks_connections.all():
        identity = connection.identity
        rows[("connections.FreshBooksIdentity", identity.pk)] = {
            field.attname: getattr(identity, field.attname)
            for field in identity._meta.concrete_fields
        }
    return rows


def rows_changed(before: dict, after: dict) -> int:
    changed = sum(1 for key, values in before.items() if after.get(key) != values)
    return changed + len(after.keys() - before.keys())


def secrets_in_logs(world: World, secrets: set[str]) -> dict[str, int]:
    """How often each kind of secret appears in the app processes' logs."""
    found: dict[str, int] = {}
    logs = "".join(path.read_text(errors="replace") for path in world.log_dir.glob("*.log"))
    for secret in secrets:
        kind, value = secret.split(":", 1)
        if len(value) >= 8 and value in logs:
            found[kind] = found.get(kind, 0) + logs.count(value)
    return found


def drill(*, full: bool) -> DrillResult:
    with World("hostile", env={"WEBHOOK_UNCHECKED_PER_HOUR": "50"}) as world:
        people = corpus.two_tenants(world)
        planted = corpus.hostile_freshbooks_data(world, people)
        # In the test-suite no worker processes the deliveries (only their answers are checked).
        worker = None if in_tests() else world.start_worker("a", queues="webhooks,default")
        web, base_url = world.start_web(workers=2, threads=4)
        if worker is not None:
            worker.wait_ready()
        world.wait_web(web, base_url)
        tally = Tally()
        attacker = Browser(base_url, tally, signed_in_session(people.a.user))
        anonymous = Browser(base_url, tally)
        before = tenant_rows(people.b.user)
        started = time.monotonic()

        sections = {
            "webhooks": lambda: corpus.webhooks(world, people, anonymous, base_url, full=full),
            "hostile_pages": lambda: corpus.pages_showing_hostile_text(attacker, people),
            "far_dates": lambda: corpus.far_dates(attacker, people),
            "oauth": lambda: corpus.oauth_callbacks(world, people, attacker, anonymous),
            "cross_tenant": lambda: corpus.cross_tenant(attacker, anonymous, people),
            "big_bodies": lambda: corpus.big_bodies(attacker, anonymous, people),
            "forms": lambda: corpus.forms(attacker, people, full=full),
        }
        per_section: dict[str, int] = {}
        raw_controls, shown = 0, 0
        for name, section in sections.items():
            requests_before = tally.requests
            outcome = section()
            if name == "hostile_pages":
                raw_controls, shown = outcome
            else:
                raw_controls += outcome or 0
            per_section[name] = tally.requests - requests_before
        sent = time.monotonic() - started
        if worker is not None:
            wait_for(
                lambda: deliveries_unsettled(people.a.business) == 0,
                timeout=120,
                message="A's webhook deliveries to be processed",
                alive=[worker, web],
            )
        after = tenant_rows(people.b.user)
        changed = rows_changed(before, after)
        leaked = secrets_in_logs(world, corpus.secrets(people))
        world.notes.extend(f"500: {line}" for line in tally.server_errors[:20])
        world.notes.extend(f"no answer: {line}" for line in tally.no_answer[:10])
        world.notes.extend(f"unexpected: {line}" for line in tally.unexpected[:20])
        world.notes.extend(f"secret in logs: {kind} x{count}" for kind, count in leaked.items())
        world.notes.append(
            "requests by section: " + ", ".join(f"{k} {v}" for k, v in per_section.items())
        )
        passed = (
            not tally.server_errors
            and not tally.no_answer
            and not tally.unexpected
            and changed == 0
            and not leaked
            and raw_controls == 0
            and planted.sync_failures == 0
            and shown > 0
        )
        return world.result(
            passed=passed,
            counts={
                "requests": tally.requests,
                "status_500": len(tally.server_errors),
                "no_answer": len(tally.no_answer),
                "unexpected_status": len(tally.unexpected),
                "other_tenant_rows_changed": changed,
                "secrets_in_logs": sum(leaked.values()),
                "raw_controls_in_pages": raw_controls,
                "pages_showing_hostile_names": shown,
                "sync_failures": planted.sync_failures,
            },
            ratios={"requests_per_second": tally.requests / sent if sent else 0.0},
        )


def run(*, full: bool = False) -> DrillResult:
    return isolated(__name__, full=full)
