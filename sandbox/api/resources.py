"""The five routes of an accounting resource FreshBooks lets users edit (list, create, read,
update, delete), the same way for every such resource: expenses and taxes.

Each answers in the accounting envelope (``{"response": {"result": {<name>: ...}}}``), pages the
list, checks the ``user:<plural>:read``/``write`` scope, and leaves the rules to the store module
(``search``, ``create``, ``get``, ``update``, ``delete``).
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from flask import Blueprint, jsonify

from sandbox.api.common import (
    accounting_list,
    authorize,
    json_body,
    page_window,
    runtime,
    staff_account,
)
from sandbox.validation import wrapped


def accounting_crud(
    blueprint: Blueprint,
    path: str,
    *,
    store: ModuleType,
    singular: str,
    plural: str,
    filters: Callable[[], dict[str, Any]],
) -> None:
    """Register the five routes of ``path`` (``.../<account_id>/<plural>``) on ``blueprint``."""
    read, write = f"user:{plural}:read", f"user:{plural}:write"
    # The id's name in the route says what it is (`expense_id`, `tax_id`), as in FreshBooks' docs.
    id_name = f"{singular}_id"
    item = f"{path}/<int:{id_name}>"

    def one(value: dict[str, Any]):
        return jsonify({"response": {"result": {singular: value}}})

    def list_all(account_id: str):
        chosen = filters()
        page, per_page, window = page_window(15)
        with runtime().db.reading() as reader:
            grant = authorize(reader, read)
            business = staff_account(reader, grant, account_id)
            found, total = store.search(reader, business["account_id"], chosen, window)
        return jsonify(accounting_list(plural, found, page, per_page, total))

    def create(account_id: str):
        with runtime().db.transaction() as transaction:
            grant = authorize(transaction, write)
            business = staff_account(transaction, grant, account_id)
            created = store.create(
                transaction,
                business,
                wrapped(json_body(), singular),
                identity_id=grant.identity_id,
            )
        return one(created)

    def get(account_id: str, **ids: int):
        object_id = ids[id_name]
        with runtime().db.reading() as reader:
            grant = authorize(reader, read)
            business = staff_account(reader, grant, account_id)
            found = store.get(reader, business["account_id"], object_id)
        return one(found)

    def update(account_id: str, **ids: int):
        object_id = ids[id_name]
        with runtime().db.transaction() as transaction:
            grant = authorize(transaction, write)
            business = staff_account(transaction, grant, account_id)
            updated = store.update(
                transaction,
                business,
                object_id,
                wrapped(json_body(), singular),
                identity_id=grant.identity_id,
            )
        return one(updated)

    def delete(account_id: str, **ids: int):
        object_id = ids[id_name]
        with runtime().db.transaction() as transaction:
            grant = authorize(transaction, write)
            business = staff_account(transaction, grant, account_id)
            store.delete(transaction, business, object_id, identity_id=grant.identity_id)
        return jsonify({"response": {}})

    blueprint.add_url_rule(path, f"list_{plural}", list_all, methods=["GET"])
    blueprint.add_url_rule(path, f"create_{singular}", create, methods=["POST"])
    blueprint.add_url_rule(item, f"get_{singular}", get, methods=["GET"])
    blueprint.add_url_rule(item, f"update_{singular}", update, methods=["PUT"])
    blueprint.add_url_rule(item, f"delete_{singular}", delete, methods=["DELETE"])
