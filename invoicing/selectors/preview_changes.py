"""What changed between the preview a person saw and the plan "Create drafts" found: line by
line, in words."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from invoicing.money_format import format_money


def preview_changes(seen: dict[str, Any], now: dict[str, Any]) -> list[dict[str, Any]]:
    """The differences a user must see before drafts are created, client by client.

    Compares what would be created: each client's draft (held back or not, currency, taxes,
    total), its lines (entries, hours, rate, amount, where the rate comes from, taxes) and its
    expense lines (an
    expense deleted, billed or changed in FreshBooks since). Returns
    [{"client_name", "changes": [sentence, ...]}], empty when nothing differs.
    """
    seen_drafts = {draft["client_id"]: draft for draft in seen.get("drafts", [])}
    new_drafts = {draft["client_id"]: draft for draft in now.get("drafts", [])}
    changes = []
    for client_id in sorted(
        seen_drafts.keys() | new_drafts.keys(),
        key=lambda key: (
            (new_drafts.get(key) or seen_drafts[key])["client_name"].casefold(),
            key,
        ),
    ):
        before, after = seen_drafts.get(client_id), new_drafts.get(client_id)
        sentences = _draft_changes(before, after)
        if sentences:
            name = (after or before or {}).get("client_name", f"Client {client_id}")
            changes.append({"client_name": name, "changes": sentences})
    return changes


def _amount(draft: dict[str, Any], key: str = "total") -> str:
    return format_money(draft.get(key), draft.get("currency_code"))


def _draft_changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    if before is None and after is not None:
        count = len(after.get("expense_lines", []))
        expenses = f", {count} expense{'' if count == 1 else 's'}" if count else ""
        return [
            f"New draft: {_hours(after['hours'])}{expenses}, {_amount(after)}"
            + (" (held back)" if after.get("blocked_reason") else "")
            + "."
        ]
    if after is None and before is not None:
        return [f"No longer billed in this run (the preview showed {_amount(before)})."]
    if before is None or after is None:
        return []
    sentences = []
    if before.get("currency_code") != after.get("currency_code"):
        sentences.append(
            f"Currency changed from {before.get('currency_code')} to {after.get('currency_code')}."
        )
    if bool(before.get("blocked_reason")) != bool(after.get("blocked_reason")):
        sentences.append(
            f"Now held back: {after['blocked_reason']}"
            if after.get("blocked_reason")
            else "No longer held back: this draft will be created."
        )
    sentences.extend(_line_changes(before, after))
    old_taxes, new_taxes = _draft_taxes(before), _draft_taxes(after)
    if old_taxes != new_taxes:
        sentences.append(f"Taxes {old_taxes} → {new_taxes}.")
    sentences.extend(_expense_changes(before, after))
    if Decimal(before["total"]) != Decimal(after["total"]):
        sentences.append(f"Total {_amount(before)} → {_amount(after)}.")
    return sentences


def _draft_taxes(draft: dict[str, Any]) -> str:
    """ "HST (13%) $13.00", "none" (previews made before taxes have none)."""
    code = draft.get("currency_code")
    parts = [
        f"{tax['label']} {format_money(tax['amount'], code)}" for tax in draft.get("taxes") or []
    ]
    return ", ".join(parts) or "none"


def _line_taxes(line: dict[str, Any]) -> str:
    labels = list(line.get("taxes") or [])
    if len(labels) == 2 and line.get("compound_tax"):
        labels[1] += " compound"
    return ", ".join(labels) or "no tax"


def _hours(hours: str) -> str:
    return f"{hours} hour" if Decimal(hours) == 1 else f"{hours} hours"


def _line_changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    old_lines = list(before.get("lines", []))
    new_lines = list(after.get("lines", []))
    pairs = []
    # The same entries first (a rate or an amount changed), then the same name (entries moved).
    for same in (
        lambda old, new: "entry_ids" in old and old.get("entry_ids") == new.get("entry_ids"),
        lambda old, new: old["name"] == new["name"],
    ):
        for old in list(old_lines):
            match = next((new for new in new_lines if same(old, new)), None)
            if match is not None:
                pairs.append((old, match))
                old_lines.remove(old)
                new_lines.remove(match)
    code = after.get("currency_code")
    sentences = []
    for old, new in pairs:
        sentence = _line_difference(old, new, code)
        if sentence:
            sentences.append(sentence)
    for old in old_lines:
        sentences.append(
            f"Line “{old['name']}” removed ({_hours(old['quantity'])}, "
            f"{format_money(old['amount'], code)})."
        )
    for new in new_lines:
        sentences.append(
            f"Line “{new['name']}” added ({_hours(new['quantity'])} at "
            f"{format_money(new['unit_cost'], code)}, {format_money(new['amount'], code)})."
        )
    return sentences


def _line_difference(old: dict[str, Any], new: dict[str, Any], code: str | None) -> str:
    parts = []
    if "entry_ids" in old:
        added = sorted(set(new.get("entry_ids", [])) - set(old["entry_ids"]))
        removed = sorted(set(old["entry_ids"]) - set(new.get("entry_ids", [])))
        if added:
            parts.append(f"{_entries(added)} added")
        if removed:
            parts.append(f"{_entries(removed)} no longer on it")
    if Decimal(old["quantity"]) != Decimal(new["quantity"]):
        parts.append(f"hours {old['quantity']} → {new['quantity']}")
    if Decimal(old["unit_cost"]) != Decimal(new["unit_cost"]):
        parts.append(
            f"rate {format_money(old['unit_cost'], code)} → {format_money(new['unit_cost'], code)}"
        )
    if Decimal(old["amount"]) != Decimal(new["amount"]):
        parts.append(
            f"amount {format_money(old['amount'], code)} → {format_money(new['amount'], code)}"
        )
    if _line_taxes(old) != _line_taxes(new):
        parts.append(f"taxes {_line_taxes(old)} → {_line_taxes(new)}")
    if old.get("rate_sources") != new.get("rate_sources"):
        parts.append("rate now from " + "; ".join(new.get("rate_sources") or ["nowhere"]))
    if not parts:
        return ""
    return f"Line “{new['name']}”: " + "; ".join(parts) + "."


def _expense_name(line: dict[str, Any]) -> str:
    details = ", ".join(part for part in (line.get("vendor"), line.get("date")) if part)
    return f"Expense #{line['expense_id']}" + (f" ({details})" if details else "")


def _expense_changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    old = {line["expense_id"]: line for line in before.get("expense_lines", [])}
    new = {line["expense_id"]: line for line in after.get("expense_lines", [])}
    code = after.get("currency_code")
    sentences = []
    for expense_id in sorted(old.keys() | new.keys()):
        was, now = old.get(expense_id), new.get(expense_id)
        if now is None and was is not None:
            sentences.append(
                f"{_expense_name(was)} is no longer billed: deleted, billed or changed in "
                f"FreshBooks ({format_money(was['amount'], code)})."
            )
        elif was is None and now is not None:
            sentences.append(f"{_expense_name(now)} added ({format_money(now['amount'], code)}).")
        elif was is not None and now is not None:
            parts = []
            if Decimal(was["amount"]) != Decimal(now["amount"]):
                parts.append(
                    f"amount {format_money(was['amount'], code)} → "
                    f"{format_money(now['amount'], code)}"
                )
            if was.get("taxes") != now.get("taxes"):
                parts.append("taxes " + (", ".join(now.get("taxes") or []) or "none"))
            if parts:
                sentences.append(f"{_expense_name(now)}: " + "; ".join(parts) + ".")
    return sentences


def _entries(ids: list[int]) -> str:
    listed = ", ".join(f"#{entry_id}" for entry_id in ids[:10])
    more = f" and {len(ids) - 10} more" if len(ids) > 10 else ""
    noun = "entry" if len(ids) == 1 else "entries"
    return f"{len(ids)} {noun} ({listed}{more})"


# -- planning a preview from the mirror --------------------------------------------------------
