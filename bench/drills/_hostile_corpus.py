"""The hostile-input drill's corpus: the two tenants, the planted FreshBooks data and each family
of requests (a private module of ``hostile``: not a drill)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from bench.drills._hostile_http import (
    NOT_FOUND_OR_NOT_ALLOWED,
    Browser,
    page_forms,
    route_fill,
    route_parameters,
    url_patterns,
)
from bench.drills.common import WebhookSender, World, in_tests

NUL, RLO = "\x00", "\u202e"
BIDI = ("\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069")
HOSTILE_NAME = f"Evil{NUL} Corp {RLO}gnp.exe\u2066<script>alert(1)</script>\u2069"
HOSTILE_NOTE = f"note{NUL}{NUL} with {RLO}RTL\u2067 and '\"<b>markup</b>"
FAR_DATES = ("0001-01-01", "9999-12-31")
FAR_PERIODS = (("0001-01-01", "9999-12-31"), ("9999-12-31", "0001-01-01"), ("9999-12-31",) * 2)
# One value per kind in the small size; every value in the full size.
HOSTILE_VALUES_SMALL = (f"a{NUL}b{RLO}c", "9" * 40, "9999-12-31")
HOSTILE_VALUES = (
    *HOSTILE_VALUES_SMALL,
    NUL,
    "\u2066x\u2069",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "-1",
    "1e309",
    "NaN",
    "Infinity",
    "0001-01-01",
    "10000-01-01",
    "x" * 20_000,
    "../../etc/passwd",
    "\U0001f600",
    b"\xff\xfe",
)
# Forms whose posting would end the drill's own session or connection: logout is never posted,
# disconnect last, once.
NEVER_POSTED = ("logout",)
POSTED_LAST = ("disconnect",)
ALLOWED_FOR_OTHERS = NOT_FOUND_OR_NOT_ALLOWED


@dataclass
class Tenant:
    user: Any
    business: Any
    connection: Any
    identity: Any
    run: Any
    draft: Any
    rule: Any
    client_ids: list[int]
    sender: WebhookSender | None = None

    def ids(self) -> dict[str, int | str]:
        return {
            "business_pk": self.business.pk,
            "connection_id": self.connection.pk,
            "run_pk": self.run.pk,
            "draft_pk": self.draft.pk,
            "rule_pk": self.rule.pk,
        }


@dataclass
class People:
    a: Tenant
    b: Tenant
    # Secrets the drill handled on the way (codes, states), as "kind:value".
    seen: set[str] = field(default_factory=set)


@dataclass
class Planted:
    sync_failures: int = 0
    refused_by_sandbox: list[str] = field(default_factory=list)


def _tenant(world: World, seeded: dict, index: int) -> Tenant:
    from bench.drills.common import start_invoice_run
    from invoicing.models import BillingPolicy, DraftInvoice, SyncRun
    from invoicing.sync.runs import sync_run_execute
    from tests.factories import RateRuleFactory
    from tests.plugins.freshbooks import connect_sandbox_business

    connected = connect_sandbox_business(world.sandbox, seeded=seeded, business_index=index)
    business = connected.business
    run = sync_run_execute(run_id=SyncRun.objects.create(business=business, kind="full").pk)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    BillingPolicy.objects.update_or_create(business=business, defaults={"standard_rate": 90})
    client_ids = [c["id"] for c in world.sandbox.control.state(business.account_id, "clients")]
    # Its drafts wait on the invoicing queue, which the drill's worker does not take: rows that
    # only the drill's requests could change.
    invoice_run = start_invoice_run(business)
    return Tenant(
        user=business.connection.user,
        business=business,
        connection=business.connection,
        identity=connected.identity,
        run=invoice_run,
        draft=DraftInvoice.objects.filter(run=invoice_run).earliest("pk"),
        rule=RateRuleFactory(business=business, client_freshbooks_id=client_ids[0]),
        client_ids=client_ids,
    )


def two_tenants(world: World) -> People:
    """Two full businesses with different owners, connected by two local users."""
    control = world.sandbox.control
    control.reset()
    seeded = control.seed(
        users=2, businesses=3, clients=3, projects_per_client=1, services=2, time_entries=60
    )
    people = People(a=_tenant(world, seeded, 0), b=_tenant(world, seeded, 1))
    assert people.a.identity.pk != people.b.identity.pk, "the seed gave both businesses one owner"
    return people


def hostile_freshbooks_data(world: World, people: People) -> Planted:
    """Hostile names, notes and far dates in both businesses at FreshBooks, then synced in."""
    from invoicing.models import SyncRun
    from invoicing.sync.runs import sync_run_execute
    from sandbox.control import SandboxControlError

    control, planted = world.sandbox.control, Planted()
    for tenant in (people.a, people.b):
        business = tenant.business
        attempts = [
            ("clients", {"organization": HOSTILE_NAME, "fname": NUL, "lname": RLO}),
            ("projects", {"title": HOSTILE_NAME, "client_id": tenant.client_ids[0]}),
            ("services", {"name": HOSTILE_NAME}),
        ]
        for date in FAR_DATES:
            attempts.append(
                (
                    "time_entries",
                    {
                        "started_at": f"{date}T12:00:00Z",
                        "duration": 3600,
                        "client_id": tenant.client_ids[0],
                        "billable": True,
                        "note": HOSTILE_NOTE,
                    },
                )
            )
        for noun, fields in attempts:
            try:
                control.act_create(business.business_id, noun, **fields)
            except SandboxControlError as error:
                planted.refused_by_sandbox.append(f"{noun}: {str(error)[:150]}")
        run = sync_run_execute(run_id=SyncRun.objects.create(business=business, kind="full").pk)
        if run.status != SyncRun.Status.SUCCEEDED:
            planted.sync_failures += 1
            world.notes.append(f"sync of hostile data failed: {run.error[:300]}")
    world.notes.extend(f"sandbox refused {line}" for line in planted.refused_by_sandbox)
    return planted


# -- webhooks ------------------------------------------------------------------------------------

FORM = "application/x-www-form-urlencoded"
SIGNATURE = "X-FreshBooks-Hmac-SHA256"


def _signed(sender: WebhookSender, fields: list[tuple[str, str]]) -> dict[str, Any]:
    from connections.webhooks.signatures import signature_compute

    signature = signature_compute(verifier=sender.verifier, fields=dict(fields))
    return {
        "data": urlencode(fields).encode(),
        "headers": {"Content-Type": FORM, SIGNATURE: signature},
    }


def _event(tenant: Tenant, object_id: int | str = 1, **changes: str) -> list[tuple[str, str]]:
    identity = str(tenant.identity.identity_id)
    fields = {
        "name": "time_entry.update",
        "object_id": str(object_id),
        "account_id": tenant.business.account_id,
        "business_id": str(tenant.business.business_id),
        "identity_id": identity,
        "user_id": identity,
    }
    fields.update(changes)
    return list(fields.items())


def webhooks(world: World, people: People, client: Browser, base_url: str, *, full: bool) -> None:
    from django.conf import settings

    a, b = people.a, people.b
    a.sender = WebhookSender(a.business, base_url)
    url = a.sender.url
    entry_ids = [e["id"] for e in world.sandbox.control.time_entries(a.business.business_id)]
    b_entry = world.sandbox.control.time_entries(b.business.business_id)[0]["id"]
    plain = {"Content-Type": FORM}
    # Answered without reading the body, so the connection cannot be reused afterwards.
    unread = {**plain, "Connection": "close"}
    cap = settings.WEBHOOK_MAX_BODY_BYTES
    cases: list[tuple[str, dict[str, Any], tuple[int, ...]]] = [
        ("valid", _signed(a.sender, _event(a, entry_ids[0])), (200,)),
        ("unsigned", {"data": urlencode(_event(a)), "headers": plain}, (401,)),
        (
            "forged signature",
            {"data": urlencode(_event(a)), "headers": {**plain, SIGNATURE: "AAAA"}},
            (401,),
        ),
        (
            "signature not ascii",
            {"data": urlencode(_event(a)), "headers": {**plain, SIGNATURE: "é".encode("latin-1")}},
            (401,),
        ),
        ("empty", {"data": b"", "headers": plain}, (400,)),
        (
            "json",
            {"data": json.dumps(dict(_event(a))), "headers": {"Content-Type": "application/json"}},
            (415,),
        ),
        ("not utf-8", {"data": b"name=\xff\xfe", "headers": plain}, (400,)),
        (
            "too many fields",
            {"data": "&".join(f"f{i}=1" for i in range(60)), "headers": plain},
            (400,),
        ),
        (
            "nul raw",
            {"data": b"name=time_entry.update\x00&object_id=1", "headers": plain},
            (400, 401),
        ),
        (
            "nul signed",
            _signed(a.sender, _event(a, entry_ids[0], account_id=f"x{NUL}{RLO}")),
            (200,),
        ),
        (
            "nul signed extra",
            _signed(a.sender, [*_event(a, entry_ids[0]), ("note", HOSTILE_NOTE)]),
            (200,),
        ),
        (
            "nul unsigned",
            {"data": urlencode(_event(a, name=f"time_entry.update{NUL}")), "headers": plain},
            (401,),
        ),
        ("huge name", _signed(a.sender, _event(a, name="time_entry." + "x" * 5000)), (200,)),
        ("b's entry", _signed(a.sender, _event(a, b_entry)), (200,)),
        (
            "b's account",
            _signed(a.sender, _event(a, b_entry, account_id=b.business.account_id)),
            (200,),
        ),
        ("object id absurd", _signed(a.sender, _event(a, "9" * 40)), (200,)),
        ("over the cap", {"data": b"name=x&pad=" + b"p" * (cap + 10), "headers": unread}, (413,)),
        (
            "chunked valid",
            {**_signed(a.sender, _event(a, entry_ids[-1])), "chunked": True},
            (200,),
        ),
        (
            "chunked over the cap",
            {"data": b"name=x&pad=" + b"p" * (cap + 10), "headers": unread, "chunked": True},
            (413,),
        ),
        (
            "verify unsigned",
            {
                "data": urlencode(
                    [("name", "callback.verify"), ("object_id", "1"), ("verifier", "v")]
                ),
                "headers": plain,
            },
            (),
        ),
    ]
    repeat_verify = 60 if full else 20
    for label, request, expected in cases:
        times = repeat_verify if label == "verify unsigned" else 1
        for _ in range(times):
            body = request["data"]
            if request.get("chunked"):
                data = body if isinstance(body, bytes) else body.encode()
                body = iter([data[i : i + 1000] for i in range(0, len(data), 1000)])
            client.post(
                url,
                data=body,
                headers=request["headers"],
                csrf=False,
                label=f"webhook {label}",
                expected=expected,
            )
    for token, expected in (
        ("not-a-token", (404,)),
        ("x" * 300, (404,)),
        ("%00", (404,)),
        (f"{a.business.webhook_token}%00", (404,)),
        ("..%2F..%2Fadmin", (404,)),
    ):
        client.post(
            f"/webhooks/freshbooks/{token}/",
            data=urlencode(_event(a)),
            headers=plain,
            csrf=False,
            label=f"webhook token {token[:20]}",
            expected=expected,
        )


# -- pages showing hostile text, far dates -------------------------------------------------------


def _raw_controls(html: str) -> int:
    return html.count(NUL) + sum(html.count(mark) for mark in BIDI)


def pages_showing_hostile_text(browser: Browser, people: People) -> tuple[int, int]:
    """A's pages that show FreshBooks text: the raw NUL and bidi controls they contain, and how
    many show the planted hostile name at all (else the first figure proves nothing)."""
    business = people.a.business.pk
    found = shown = 0
    for path in (
        "/dashboard/",
        f"/businesses/{business}/",
        f"/businesses/{business}/rates/",
        f"/businesses/{business}/rates/rules/new/",
        f"/businesses/{business}/invoices/",
        f"/businesses/{business}/invoices/new/",
    ):
        response = browser.get(path, expected=(200,))
        if response is not None and response.status_code == 200:
            found += _raw_controls(response.text)
            shown += "gnp.exe" in response.text
    return found, shown


def far_dates(browser: Browser, people: People) -> int:
    business = people.a.business.pk
    client = people.a.client_ids[0]
    found = 0
    for start, end in FAR_PERIODS:
        response = browser.get(
            f"/businesses/{business}/?period=custom&start={start}&end={end}",
            label=f"business page {start}..{end}",
            expected=(200, 400),
        )
        if response is not None and response.status_code == 200:
            found += _raw_controls(response.text)
        browser.post(
            f"/businesses/{business}/invoices/new/",
            data={
                "period": "custom",
                "start": start,
                "end": end,
                "grouping": "service",
                "unpriced": "leave_unbilled",
            },
            label=f"new run {start}..{end}",
            expected=(200, 302, 400),
        )
        browser.post(
            f"/businesses/{business}/rates/rules/new/",
            data={"client": client, "rate": "10", "valid_from": start, "valid_to": end},
            label=f"rate rule {start}..{end}",
            expected=(200, 302, 400),
        )
    return found


# -- OAuth callbacks -----------------------------------------------------------------------------


def _new_state(browser: Browser, people: People) -> str:
    response = browser.post("/connections/connect/", label="connect", expected=(302,))
    if response is None:
        return ""
    location = response.headers.get("Location", "")
    state = parse_qs(urlsplit(location).query).get("state", [""])[0]
    people.seen.add(f"oauth state:{state}")
    return state


def oauth_callbacks(world: World, people: People, browser: Browser, anonymous: Browser) -> None:
    sandbox = world.sandbox
    callback = "/connections/oauth/callback/"

    def code() -> str:
        value = sandbox.control.grant_code(
            client_id=sandbox.client_id,
            identity_id=people.a.identity.identity_id,
            redirect_uri=sandbox.redirect_uri,
        )
        people.seen.add(f"oauth code:{value}")
        return value

    def call(params: dict[str, str], label: str, expected: tuple[int, ...], who=browser):
        return who.get(
            f"{callback}?{urlencode(params)}", label=f"callback {label}", expected=expected
        )

    call({}, "no parameters", (400,))
    call({"code": code()}, "no state", (400,))
    call({"code": code(), "state": "forged"}, "forged state", (400,))
    call({"code": code(), "state": NUL + RLO}, "hostile state", (400,))
    call({"error": "access_denied", "state": _new_state(browser, people)}, "access denied", (400,))
    call(
        {"error": HOSTILE_NOTE * 20, "state": _new_state(browser, people)}, "hostile error", (400,)
    )
    call({"code": "x" * 2000, "state": _new_state(browser, people)}, "absurd code", (400, 502))
    state, used = _new_state(browser, people), code()
    call({"code": used, "state": state}, "valid", (302,))
    # The same session reloading its used callback: its connection exists, so it goes to the
    # business picker, "already connected" (issue 14), and the code is never exchanged again.
    call({"code": used, "state": state}, "reused state and code", (302,))
    call({"code": used, "state": _new_state(browser, people)}, "reused code", (400, 502))
    call({"code": code(), "state": _new_state(browser, people)}, "anonymous", (302,), who=anonymous)


# -- cross-tenant ids ----------------------------------------------------------------------------


def cross_tenant(browser: Browser, anonymous: Browser, people: People) -> None:
    """Every route with B's ids, and A's business with B's inner ids: 404 (or 405), never more."""
    a_ids, b_ids = people.a.ids(), people.b.ids()
    mixed = {**b_ids, "business_pk": a_ids["business_pk"]}
    for name, route in url_patterns():
        parameters = route_parameters(route)
        if not parameters or name.startswith("admin:") or name.startswith("webhooks:"):
            continue
        if not {n for _, n in parameters} <= b_ids.keys():
            continue
        variants = {route_fill(route, b_ids)}
        if len(parameters) > 1 and "business_pk" in {n for _, n in parameters}:
            variants.add(route_fill(route, mixed))
        for path in filter(None, variants):
            for method in ("GET", "POST"):
                browser.request(
                    method,
                    path,
                    data={"confirm": "1"} if method == "POST" else None,
                    label=f"cross-tenant {method} {name} {path}",
                    expected=ALLOWED_FOR_OTHERS,
                )
                anonymous.request(
                    method,
                    path,
                    label=f"anonymous {method} {name}",
                    expected=(302, 403, 405),
                )
    # Every text parameter (webhook tokens, allauth's keys) given what no id looks like.
    for name, route in url_patterns():
        texts = [n for converter, n in route_parameters(route) if converter in ("str", "slug")]
        for value in ("%00", "x" * 300, "%E2%80%AE"):
            path = route_fill(route, {**b_ids, **dict.fromkeys(texts, value)}) if texts else None
            if path:
                anonymous.get(path, label=f"text parameter {name} {value[:6]}")
                browser.post(path, data={"x": NUL}, label=f"text parameter POST {name} {value[:6]}")
    # Admin, with B's objects' ids, for a signed-in non-staff person: never a page.
    for model, pk in (
        ("connections/connectedbusiness", b_ids["business_pk"]),
        ("invoicing/invoicerun", b_ids["run_pk"]),
    ):
        browser.get(f"/admin/{model}/{pk}/change/", label=f"admin {model}", expected=(302,))


# -- forms ---------------------------------------------------------------------------------------


def _form_data(form, value, *, only: str | None = None) -> dict[str, Any]:
    """The form as the page filled it, with ``value`` in every visible field (or in ``only``)."""
    data: dict[str, Any] = {}
    for name, default in form.fields.items():
        kind = form.kinds.get(name, "text")
        fixed = name == "csrfmiddlewaretoken" or kind in ("hidden", "submit")
        data[name] = default if fixed or (only and name != only) else value
    for name, options in form.options.items():
        chosen = value if name == only else (options[0] if options else value)
        data.setdefault(name, chosen)
    return data


def _variants(form, *, full: bool):
    """Every value in every field at once; then one field at a time with the others as the page
    filled them (a form valid but for one field reaches the code behind it)."""
    for value in HOSTILE_VALUES if full else HOSTILE_VALUES_SMALL:
        yield _form_data(form, value)
    fields = [
        name
        for name in [*form.fields, *form.options]
        if name != "csrfmiddlewaretoken" and form.kinds.get(name) not in ("hidden", "submit")
    ]
    for name in [] if in_tests() else fields:
        for value in HOSTILE_VALUES if full else HOSTILE_VALUES_SMALL[:1]:
            yield _form_data(form, value, only=name)


def forms(browser: Browser, people: People, *, full: bool) -> None:
    """Every form on every page of A's, with hostile values in every field."""
    last: list[tuple[str, dict]] = []
    seen: set[tuple[str, str]] = set()
    for name, route in url_patterns():
        if name.startswith("admin:") or name.startswith("webhooks:") or "callback" in name:
            continue
        path = route_fill(route, people.a.ids())
        if path is None:
            continue
        page = browser.get(path, label=f"page {name}")
        if (
            page is None
            or page.status_code != 200
            or "html" not in page.headers.get("Content-Type", "")
        ):
            continue
        for form in page_forms(page.text, page.url):
            key = (form.method, urlsplit(form.action).path)
            foreign = urlsplit(form.action).netloc != urlsplit(browser.base_url).netloc
            if key in seen or foreign or any(word in key[1] for word in NEVER_POSTED):
                continue
            seen.add(key)
            if any(word in key[1] for word in POSTED_LAST):
                last.append((key[1], _form_data(form, HOSTILE_VALUES_SMALL[0])))
                continue
            for data in _variants(form, full=full):
                if form.method == "post":
                    browser.post(key[1], data=data, label=f"form {name} {key[1]}")
                else:
                    browser.get(key[1], params=data, label=f"form GET {name} {key[1]}")
    for path, data in last:
        browser.post(path, data=data, label=f"form (last) {path}")


def big_bodies(browser: Browser, anonymous: Browser, people: People) -> None:
    rules = f"/businesses/{people.a.business.pk}/rates/rules/new/"
    browser.post(
        rules,
        data={"note": "x" * 3_000_000},
        headers={"Connection": "close"},
        label="form 3 MB",
        expected=(400, 413),
    )
    browser.post(
        rules,
        data={f"f{i}": "1" for i in range(2000)},
        label="form 2000 fields",
        expected=(400,),
    )
    body = urlencode({"csrfmiddlewaretoken": browser.csrf(), "note": HOSTILE_NOTE}).encode()
    browser.post(
        rules,
        data=iter([body[:10], body[10:]]),
        headers={"Content-Type": FORM, "X-CSRFToken": browser.csrf()},
        csrf=False,
        label="form chunked",
    )
    anonymous.post(
        "/accounts/login/",
        data={"login": f"a{NUL}@example.com", "password": "p" * 100_000},
        label="login hostile",
        expected=(200, 400, 403, 429),
    )


# -- secrets -------------------------------------------------------------------------------------


def secrets(people: People) -> set[str]:
    """Every secret of the drill as ``kind:value``: tokens (now and as first issued), codes,
    webhook tokens and verifiers, session ids."""
    from django.contrib.sessions.models import Session

    from connections.models import FreshBooksIdentity, WebhookSubscription

    found: set[str] = set()
    for identity in FreshBooksIdentity.objects.all():
        found.add(f"access token:{identity.access_token}")
        found.add(f"refresh token:{identity.refresh_token}")
    for tenant in (people.a, people.b):
        tenant.business.refresh_from_db()
        found.add(f"webhook token:{tenant.business.webhook_token}")
    for subscription in WebhookSubscription.objects.all():
        found.add(f"verifier:{subscription.verifier}")
    for session in Session.objects.all():
        found.add(f"session id:{session.session_key}")
    found.update(people.seen)
    return {value for value in found if not value.endswith(":")}
