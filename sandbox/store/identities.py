"""Identities (FreshBooks users), businesses and memberships; the ``/me`` and team-member bodies.

Choices (reference §2 marks them UNCONFIRMED):
- A client-only membership has ``role: "client"`` and a business whose ``account_id`` is ``null``;
  that business's ``business_clients`` names the account it is a client of.
- Staff roles are every role except ``client``. Owners, admins (``business_partner``), managers and
  accountants see every team member's time; ``business_employee`` and ``contractor`` see their own.
- Team members of a business are its staff memberships.
"""

from __future__ import annotations

import secrets
import string
import uuid
from typing import Any

from sandbox import clock
from sandbox.db import Transaction, dumps, loads

STAFF_ROLES = (
    "owner",
    "business_partner",
    "business_manager",
    "business_employee",
    "business_accountant",
    "contractor",
    "manager",
)
ROLES = (*STAFF_ROLES, "client")
SEES_ALL_TIME = ("owner", "business_partner", "business_manager", "business_accountant", "manager")
# The legacy ``roles[]`` list calls the owner "admin".
_LEGACY_ROLE = {"owner": "admin"}


def new_account_id(transaction: Transaction) -> str:
    alphabet = string.ascii_uppercase + string.digits
    while True:
        account_id = "".join(secrets.choice(string.ascii_uppercase) for _ in range(2)) + "".join(
            secrets.choice(alphabet) for _ in range(3)
        )
        if not transaction.one("SELECT 1 FROM businesses WHERE account_id = ?", (account_id,)):
            return account_id


def create_identity(
    transaction: Transaction, *, email: str, first_name: str, last_name: str
) -> dict[str, Any]:
    cursor = transaction.execute(
        "INSERT INTO identities (email, first_name, last_name, identity_uuid, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (email, first_name, last_name, str(uuid.uuid4()), clock.iso_z(clock.utc_now())),
    )
    return identity(transaction, cursor.lastrowid)


def identity(transaction: Transaction, identity_id: int) -> dict[str, Any] | None:
    row = transaction.one("SELECT * FROM identities WHERE identity_id = ?", (identity_id,))
    return dict(row) if row else None


def identity_by_email(transaction: Transaction, email: str) -> dict[str, Any] | None:
    row = transaction.one("SELECT * FROM identities WHERE lower(email) = lower(?)", (email,))
    return dict(row) if row else None


def all_identities(transaction: Transaction) -> list[dict[str, Any]]:
    return [dict(row) for row in transaction.all("SELECT * FROM identities ORDER BY identity_id")]


def create_business(
    transaction: Transaction,
    *,
    name: str,
    timezone: str,
    currency_code: str,
    with_account: bool = True,
    city: str = "Toronto",
    country: str = "Canada",
    province: str = "Ontario",
    business_clients: list[dict] | None = None,
) -> dict[str, Any]:
    account_id = new_account_id(transaction) if with_account else None
    data = {
        "date_format": "mm/dd/yyyy",
        "address": {
            "street": f"{secrets.randbelow(900) + 100} Main Street",
            "city": city,
            "province": province,
            "country": country,
            "postal_code": "M5V 2T6" if country == "Canada" else "10001",
        },
        "phone_number": f"416-555-{secrets.randbelow(9000) + 1000}",
        "billing_country_code": "CAN" if country == "Canada" else "USA",
        "business_clients": business_clients or [],
    }
    cursor = transaction.execute(
        "INSERT INTO businesses (account_id, business_uuid, name, timezone, currency_code, data) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (account_id, str(uuid.uuid4()), name, timezone, currency_code, dumps(data)),
    )
    return business(transaction, cursor.lastrowid)


def update_business_clients(
    transaction: Transaction, business_id: int, business_clients: list[dict]
) -> None:
    row = transaction.one("SELECT data FROM businesses WHERE business_id = ?", (business_id,))
    data = loads(row["data"])
    data["business_clients"] = business_clients
    transaction.execute(
        "UPDATE businesses SET data = ? WHERE business_id = ?", (dumps(data), business_id)
    )


def _business_row(row) -> dict[str, Any] | None:
    if row is None:
        return None
    record = dict(row)
    record["data"] = loads(record["data"])
    return record


def business(transaction: Transaction, business_id: int) -> dict[str, Any] | None:
    return _business_row(
        transaction.one("SELECT * FROM businesses WHERE business_id = ?", (business_id,))
    )


def business_by_account(transaction: Transaction, account_id: str) -> dict[str, Any] | None:
    return _business_row(
        transaction.one("SELECT * FROM businesses WHERE account_id = ?", (account_id,))
    )


def all_businesses(transaction: Transaction) -> list[dict[str, Any]]:
    rows = transaction.all("SELECT * FROM businesses ORDER BY business_id")
    return [_business_row(row) for row in rows]


def add_membership(
    transaction: Transaction, *, identity_id: int, business_id: int, role: str
) -> int:
    cursor = transaction.execute(
        "INSERT INTO memberships (identity_id, business_id, role, created_at) VALUES (?, ?, ?, ?)",
        (identity_id, business_id, role, clock.iso_z(clock.utc_now())),
    )
    return cursor.lastrowid


def role_in(transaction: Transaction, identity_id: int, business_id: int) -> str | None:
    row = transaction.one(
        "SELECT role FROM memberships WHERE identity_id = ? AND business_id = ?",
        (identity_id, business_id),
    )
    return row["role"] if row else None


def staff_role(transaction: Transaction, identity_id: int, business_id: int) -> str | None:
    role = role_in(transaction, identity_id, business_id)
    return role if role in STAFF_ROLES else None


def owner_of(transaction: Transaction, business_id: int) -> int | None:
    row = transaction.one(
        "SELECT identity_id FROM memberships WHERE business_id = ? "
        "ORDER BY role != 'owner', membership_id LIMIT 1",
        (business_id,),
    )
    return row["identity_id"] if row else None


def staff_members(transaction: Transaction, business_id: int) -> list[dict[str, Any]]:
    rows = transaction.all(
        "SELECT m.membership_id, m.role, m.created_at AS joined_at, i.* FROM memberships m "
        "JOIN identities i ON i.identity_id = m.identity_id "
        "WHERE m.business_id = ? AND m.role != 'client' ORDER BY m.membership_id",
        (business_id,),
    )
    return [dict(row) for row in rows]


def business_document(record: dict[str, Any]) -> dict[str, Any]:
    """The ``business`` object inside a ``business_memberships[]`` item."""
    data = record["data"]
    address = data["address"]
    return {
        "id": record["business_id"],
        "business_uuid": record["business_uuid"],
        "name": record["name"],
        "account_id": record["account_id"],
        "date_format": data["date_format"],
        "address": {
            "id": record["business_id"] + 70000,
            "street": address["street"],
            "city": address["city"],
            "province": address["province"],
            "country": address["country"],
            "postal_code": address["postal_code"],
        },
        "phone_number": {"id": record["business_id"] + 80000, "phone_number": data["phone_number"]},
        "business_clients": data["business_clients"],
        "timezone": record["timezone"],
        "active": True,
        "status": "active",
        "billing_country_code": data["billing_country_code"],
    }


def me_document(transaction: Transaction, identity_id: int) -> dict[str, Any]:
    person = identity(transaction, identity_id)
    memberships = transaction.all(
        "SELECT * FROM memberships WHERE identity_id = ? ORDER BY membership_id", (identity_id,)
    )
    profession = {
        "id": identity_id + 30000,
        "business_id": None,
        "title": "Consultant",
        "company": f"{person['first_name']} {person['last_name']}",
        "designation": None,
    }
    business_memberships, groups, roles = [], [], []
    permissions: dict[str, dict] = {}
    subscription_statuses: dict[str, str] = {}
    for membership in memberships:
        record = business(transaction, membership["business_id"])
        document = business_document(record)
        business_memberships.append(
            {
                "id": membership["membership_id"],
                "role": membership["role"],
                "unacknowledged_change": False,
                "business": document,
            }
        )
        groups.append(
            {
                "id": membership["membership_id"],
                "group_id": record["business_id"] + 320000,
                "role": membership["role"],
                "identity_id": identity_id,
                "identity_uuid": person["identity_uuid"],
                "business_id": record["business_id"],
                "active": True,
            }
        )
        role_account = record["account_id"]
        if role_account is None and document["business_clients"]:
            role_account = document["business_clients"][0]["account_id"]
        if role_account is not None:
            roles.append(
                {
                    "id": membership["membership_id"] + 60000,
                    "role": _LEGACY_ROLE.get(membership["role"], membership["role"]),
                    "systemid": record["business_id"] + 600000,
                    "userid": membership["membership_id"],
                    "created_at": membership["created_at"],
                    "links": {
                        "destroy": f"/service/auth/api/v1/users/role/"
                        f"{membership['membership_id'] + 60000}"
                    },
                    "accountid": role_account,
                }
            )
        if record["account_id"] is not None:
            permissions[record["account_id"]] = {}
            subscription_statuses[record["account_id"]] = "active"
    return {
        "id": identity_id,
        "profile": {
            "setup_complete": True,
            "first_name": person["first_name"],
            "last_name": person["last_name"],
            "phone_number": None,
            "address": None,
            "professions": [profession],
            "has_password": True,
        },
        "identity_id": identity_id,
        "identity_uuid": person["identity_uuid"],
        "first_name": person["first_name"],
        "last_name": person["last_name"],
        "email": person["email"],
        "language": "en",
        "confirmed_at": person["created_at"],
        "created_at": person["created_at"],
        "unconfirmed_email": None,
        "setup_complete": True,
        "phone_numbers": [{"title": "", "phone_number": None}],
        "addresses": [None],
        "profession": profession,
        "links": {
            "me": f"/service/auth/api/v1/users?id={identity_id}",
            "roles": f"/service/auth/api/v1/users/role/{identity_id}",
        },
        "permissions": permissions,
        "groups": groups,
        "subscription_statuses": subscription_statuses,
        "integrations": {},
        "business_memberships": business_memberships,
        "identity_origin": None,
        "roles": roles,
    }


def team_member_document(member: dict[str, Any], business_id: int) -> dict[str, Any]:
    return {
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"team-member/{member['membership_id']}")),
        "first_name": member["first_name"],
        "middle_name": "",
        "last_name": member["last_name"],
        "email": member["email"],
        "job_title": "",
        "street_1": "",
        "street_2": "",
        "city": "",
        "province": "",
        "country": "",
        "postal_code": "",
        "phone_number": "",
        "business_id": business_id,
        "business_role_name": member["role"],
        "active": True,
        "identity_id": member["identity_id"],
        "invitation_date_accepted": member["joined_at"],
        "created_at": member["joined_at"],
        "updated_at": member["joined_at"],
    }
