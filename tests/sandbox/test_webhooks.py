"""Webhooks: registration, verification handshake, signed deliveries, retries, test modes
(reference §8)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from tests.sandbox.helpers import WebhookReceiver, World, wait_for


def _callbacks_path(world: World, callback_id: int | None = None) -> str:
    path = f"/events/account/{world.account_id}/events/callbacks"
    return path if callback_id is None else f"{path}/{callback_id}"


def _register(world: World, receiver: WebhookReceiver, event: str, *, verify: bool = True) -> dict:
    callback = world.alice.post(
        _callbacks_path(world), json={"callback": {"event": event, "uri": receiver.uri}}
    ).json()["response"]["result"]["callback"]
    world.sandbox.control.flush_webhooks()
    if verify:
        verifier = receiver.events("callback.verify")[-1].form["verifier"]
        verified = world.alice.put(
            _callbacks_path(world, callback["callbackid"]),
            json={"callback": {"verifier": verifier, "callback_id": callback["callbackid"]}},
        )
        assert verified.json()["response"]["result"]["callback"]["verified"] is True
    return callback


def _documented_signature(verifier: str, posted_fields: list[tuple[str, str]]) -> str:
    """Reference §8.3, as FreshBooks' docs show it in Python."""
    message = json.dumps({key: str(value) for key, value in posted_fields})
    digest = hmac.new(verifier.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _create_client(world: World, organization: str = "Hooked Inc") -> dict:
    return world.alice.post(
        world.accounting("users/clients"), json={"client": {"organization": organization}}
    ).json()["response"]["result"]["client"]


def test_creating_a_callback_sends_the_verification_post(world: World):
    with WebhookReceiver() as receiver:
        response = world.alice.post(
            _callbacks_path(world),
            json={"callback": {"event": "invoice.create", "uri": receiver.uri}},
        )
        callback = response.json()["response"]["result"]["callback"]
        assert callback["verified"] is False
        world.sandbox.control.flush_webhooks()
        (verify,) = receiver.events("callback.verify")
    assert [key for key, _value in verify.fields] == [
        "name",
        "object_id",
        "verifier",
        "account_id",
        "user_id",
    ]
    assert verify.form["object_id"] == str(callback["callbackid"])
    assert verify.form["account_id"] == world.account_id
    assert verify.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert "X-FreshBooks-Hmac-SHA256" not in verify.headers


def test_a_wrong_verifier_is_refused_and_the_callback_stays_unverified(world: World):
    with WebhookReceiver() as receiver:
        callback = _register(world, receiver, "client.create", verify=False)
        response = world.alice.put(
            _callbacks_path(world, callback["callbackid"]),
            json={"callback": {"verifier": "wrong"}},
        )
    assert response.status_code == 422
    assert response.json()["errno"] == 422
    assert response.json()["details"] == ["verifier: Value error, Invalid verifier."]
    fetched = world.alice.get(_callbacks_path(world, callback["callbackid"])).json()
    assert fetched["response"]["result"]["callback"]["verified"] is False


def test_events_are_delivered_only_after_verification(world: World):
    with WebhookReceiver() as receiver:
        _register(world, receiver, "client.create", verify=False)
        _create_client(world, "Before verification")
        world.sandbox.control.flush_webhooks()
        assert receiver.events("client.create") == []


def test_a_verified_callback_receives_signed_deliveries_in_the_documented_form(world: World):
    with WebhookReceiver() as receiver:
        _register(world, receiver, "client.create")
        verifier = receiver.events("callback.verify")[-1].form["verifier"]
        client = _create_client(world)
        world.sandbox.control.flush_webhooks()
        (delivery,) = receiver.events("client.create")
    assert [key for key, _value in delivery.fields] == [
        "name",
        "object_id",
        "account_id",
        "business_id",
        "identity_id",
        "user_id",
    ]
    assert delivery.form == {
        "name": "client.create",
        "object_id": str(client["id"]),
        "account_id": world.account_id,
        "business_id": str(world.business_id),
        "identity_id": str(world.summary["users"][0]["identity_id"]),
        "user_id": str(world.summary["users"][0]["identity_id"]),
    }
    assert delivery.headers["X-FreshBooks-Hmac-SHA256"] == _documented_signature(
        verifier, delivery.fields
    )


def test_a_bare_noun_subscribes_to_every_verb_and_an_exact_event_to_one(world: World):
    with WebhookReceiver() as everything, WebhookReceiver() as creates_only:
        _register(world, everything, "client")
        _register(world, creates_only, "client.create")
        client = _create_client(world)
        world.alice.put(
            world.accounting(f"users/clients/{client['id']}"), json={"client": {"note": "hi"}}
        )
        world.alice.put(
            world.accounting(f"users/clients/{client['id']}"), json={"client": {"vis_state": 1}}
        )
        world.sandbox.control.flush_webhooks()
        assert [
            post.form["name"]
            for post in everything.events()
            if post.form["name"] != "callback.verify"
        ] == [
            "client.create",
            "client.update",
            "client.delete",
        ]
        assert [post.form["name"] for post in creates_only.events("client.create")] == [
            "client.create"
        ]
        assert creates_only.events("client.update") == []


@pytest.mark.parametrize(
    ("event", "make_change"),
    [
        (
            "time_entry.update",
            lambda world: world.sandbox.control.update_time_entry(
                world.business_id,
                next(
                    e["id"]
                    for e in world.sandbox.control.time_entries(world.business_id)
                    if e["active"]
                ),
                note="edited in the FreshBooks UI",
            ),
        ),
        (
            "project.create",
            lambda world: world.sandbox.control.act_create(
                world.business_id, "projects", title="From the UI"
            ),
        ),
        (
            "service.create",
            lambda world: world.sandbox.control.act_create(
                world.business_id, "services", name="Workshops"
            ),
        ),
    ],
)
def test_changes_made_through_the_control_api_emit_events(world: World, event, make_change):
    with WebhookReceiver() as receiver:
        _register(world, receiver, event.split(".")[0])
        make_change(world)
        world.sandbox.control.flush_webhooks()
        assert [post.form["name"] for post in receiver.events(event)] == [event]


def test_invoice_events_follow_api_writes(world: World):
    client = world.alice.get(world.accounting("users/clients")).json()["response"]["result"][
        "clients"
    ][0]
    with WebhookReceiver() as receiver:
        _register(world, receiver, "invoice")
        invoice = world.alice.post(
            world.accounting("invoices/invoices"),
            json={"invoice": {"customerid": client["id"], "create_date": "2024-05-01"}},
        ).json()["response"]["result"]["invoice"]
        world.alice.delete(world.accounting(f"invoices/invoices/{invoice['id']}"))
        world.sandbox.control.flush_webhooks()
        names = [
            post.form["name"]
            for post in receiver.events()
            if post.form["name"] != "callback.verify"
        ]
    assert names == ["invoice.create", "invoice.delete"]


def test_a_failing_endpoint_is_retried_with_backoff_until_it_answers(world: World):
    with WebhookReceiver() as receiver:
        _register(world, receiver, "client.create")
        receiver.statuses = [500, 503]
        client = _create_client(world)
        wait_for(lambda: len(receiver.events("client.create")) == 3, timeout=10)
    attempts = [
        delivery
        for delivery in world.sandbox.control.webhook_deliveries()
        if delivery["event"] == "client.create"
    ]
    assert [(a["attempt"], a["status"], a["outcome"]) for a in attempts] == [
        (1, 500, "failed"),
        (2, 503, "failed"),
        (3, 200, "delivered"),
    ]
    assert {a["object_id"] for a in attempts} == {client["id"]}


def test_a_redirect_counts_as_a_failure(world: World):
    with WebhookReceiver() as receiver:
        _register(world, receiver, "client.create")
        receiver.statuses = [302]
        _create_client(world)
        world.sandbox.control.flush_webhooks()
        assert len(receiver.events("client.create")) == 2
    outcomes = [
        (d["status"], d["outcome"])
        for d in world.sandbox.control.webhook_deliveries()
        if d["event"] == "client.create"
    ]
    assert outcomes == [(302, "failed"), (200, "delivered")]


def test_a_delivery_that_always_fails_is_dropped_after_the_last_attempt(world: World):
    with WebhookReceiver() as receiver:
        _register(world, receiver, "client.create")
        receiver.default_status = 500
        _create_client(world)
        world.sandbox.control.flush_webhooks()
        assert len(receiver.events("client.create")) == 5
    outcomes = [
        d["outcome"]
        for d in world.sandbox.control.webhook_deliveries()
        if d["event"] == "client.create"
    ]
    assert outcomes == ["failed"] * 4 + ["dropped"]


def test_duplicate_mode_delivers_each_event_twice(world: World):
    with WebhookReceiver() as receiver:
        _register(world, receiver, "client.create")
        world.sandbox.control.set_webhook_mode(duplicate=True)
        first, second = _create_client(world, "One"), _create_client(world, "Two")
        world.sandbox.control.flush_webhooks()
        object_ids = [post.form["object_id"] for post in receiver.events("client.create")]
    assert sorted(object_ids) == sorted([str(first["id"])] * 2 + [str(second["id"])] * 2)


def test_duplicate_fraction_duplicates_that_share_of_events(world: World):
    with WebhookReceiver() as receiver:
        _register(world, receiver, "client.create")
        world.sandbox.control.set_webhook_mode(duplicate=0.5)
        for index in range(4):
            _create_client(world, f"Client {index}")
        world.sandbox.control.flush_webhooks()
        assert len(receiver.events("client.create")) == 6


def test_reorder_mode_delivers_newest_first(world: World):
    with WebhookReceiver() as receiver:
        _register(world, receiver, "client.create")
        world.sandbox.control.set_webhook_mode(reorder=True)
        created = [_create_client(world, f"Client {index}") for index in range(3)]
        world.sandbox.control.flush_webhooks()
        delivered = [int(post.form["object_id"]) for post in receiver.events("client.create")]
    assert delivered == [client["id"] for client in reversed(created)]


def test_delay_mode_holds_deliveries(world: World):
    with WebhookReceiver() as receiver:
        _register(world, receiver, "client.create")
        world.sandbox.control.set_webhook_mode(delay_ms=1500)
        _create_client(world)
        assert receiver.events("client.create") == []
        wait_for(lambda: receiver.events("client.create"), timeout=10)


def test_resend_sends_the_same_verifier_again(world: World):
    with WebhookReceiver() as receiver:
        callback = _register(world, receiver, "invoice.create", verify=False)
        world.alice.put(
            _callbacks_path(world, callback["callbackid"]), json={"callback": {"resend": True}}
        )
        world.sandbox.control.flush_webhooks()
        verifies = receiver.events("callback.verify")
    assert len(verifies) == 2
    assert verifies[0].form["verifier"] == verifies[1].form["verifier"]


def test_list_filters_callbacks_by_event_and_parent_event(world: World):
    with WebhookReceiver() as receiver:
        for event in ("invoice", "invoice.create", "client.create"):
            _register(world, receiver, event, verify=False)
        listed = world.alice.get(
            _callbacks_path(world), params={"search[event]": "invoice.create"}
        ).json()["response"]["result"]
    assert sorted(callback["event"] for callback in listed["callbacks"]) == [
        "invoice",
        "invoice.create",
    ]
    assert listed["total"] == 2


def test_an_empty_callback_list_has_zero_pages(world: World):
    listed = world.alice.get(_callbacks_path(world)).json()
    assert listed == {
        "response": {"result": {"callbacks": [], "page": 1, "pages": 0, "per_page": 15, "total": 0}}
    }


def test_a_deleted_callback_gets_nothing_more(world: World):
    with WebhookReceiver() as receiver:
        callback = _register(world, receiver, "client.create")
        deleted = world.alice.delete(_callbacks_path(world, callback["callbackid"]))
        assert deleted.status_code == 204
        _create_client(world)
        world.sandbox.control.flush_webhooks()
        assert receiver.events("client.create") == []
    missing = world.alice.get(_callbacks_path(world, callback["callbackid"]))
    assert missing.status_code == 404
    assert missing.json() == {"errno": 404, "message": "Requested resource could not be found."}
