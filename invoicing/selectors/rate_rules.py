"""Local rate rules as the Rates page lists them: their scope in words, effective dates, and the
rules whose scope and dates overlap (one of them would never apply)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from connections.models import ConnectedBusiness
from invoicing.models import RateRule
from invoicing.selectors.rates import RateNames, rate_names, rule_scope_label


def rate_rules_of(business: ConnectedBusiness) -> QuerySet[RateRule]:
    return RateRule.objects.filter(business=business).order_by("pk")


def rate_rule_for(business: ConnectedBusiness, rule_pk: int) -> RateRule:
    """The business's rule, or 404 (another business's rule id included)."""
    return get_object_or_404(RateRule, pk=rule_pk, business=business)


@dataclass(frozen=True)
class RuleRow:
    rule: RateRule
    applies_to: str
    effective: str
    overlaps_with: tuple[int, ...] = ()


@dataclass(frozen=True)
class Overlap:
    """Two rules of the same scope whose dates intersect; `winner_id` is the one that bills."""

    first_id: int
    second_id: int
    applies_to: str
    span: str
    winner_id: int

    @property
    def message(self) -> str:
        return (
            f"Rules #{self.first_id} and #{self.second_id} both apply to {self.applies_to} "
            f"{self.span}. Rule #{self.winner_id} is used there (the one starting later, or the "
            "newer one); change the dates or delete one of them."
        )


def effective_words(valid_from: date | None, valid_to: date | None) -> str:
    if valid_from and valid_to:
        return f"{valid_from.isoformat()} to {valid_to.isoformat()}"
    if valid_from:
        return f"from {valid_from.isoformat()}"
    if valid_to:
        return f"until {valid_to.isoformat()}"
    return "always"


def rule_rows(rules: Iterable[RateRule], names: RateNames) -> tuple[list[RuleRow], list[Overlap]]:
    """The rules as the page lists them, and every overlap between two of them."""
    rules = list(rules)
    overlaps = rule_overlaps(rules, names)
    partners: dict[int, list[int]] = {}
    for overlap in overlaps:
        partners.setdefault(overlap.first_id, []).append(overlap.second_id)
        partners.setdefault(overlap.second_id, []).append(overlap.first_id)
    rows = [
        RuleRow(
            rule=rule,
            applies_to=_rule_scope(rule, names),
            effective=effective_words(rule.valid_from, rule.valid_to).capitalize(),
            overlaps_with=tuple(sorted(partners.get(rule.pk, []))),
        )
        for rule in rules
    ]
    rows.sort(
        key=lambda row: (row.applies_to.casefold(), row.rule.valid_from or date.min, row.rule.pk)
    )
    return rows, overlaps


def rule_overlaps(rules: Iterable[RateRule], names: RateNames) -> list[Overlap]:
    """Pairs of rules with the same client, project, service and team member whose effective
    dates intersect (open ends reach forever). The billing rules still pick one (the later
    `valid_from`, then the higher id), but two rules for the same time are usually a mistake."""
    by_scope: dict[tuple[int | None, ...], list[RateRule]] = {}
    for rule in rules:
        by_scope.setdefault(_scope_key(rule), []).append(rule)
    overlaps = []
    for same_scope in by_scope.values():
        same_scope.sort(key=lambda rule: rule.pk)
        for index, first in enumerate(same_scope):
            for second in same_scope[index + 1 :]:
                start = max(first.valid_from or date.min, second.valid_from or date.min)
                end = min(first.valid_to or date.max, second.valid_to or date.max)
                if start > end:
                    continue
                winner = max(
                    (first, second), key=lambda rule: (rule.valid_from or date.min, rule.pk)
                )
                overlaps.append(
                    Overlap(
                        first_id=first.pk,
                        second_id=second.pk,
                        applies_to=_rule_scope(first, names),
                        span=effective_words(
                            None if start == date.min else start,
                            None if end == date.max else end,
                        ),
                        winner_id=winner.pk,
                    )
                )
    return overlaps


def overlaps_for_rule(business: ConnectedBusiness, rule: RateRule) -> list[Overlap]:
    """The overlaps involving one rule (shown as a warning right after saving it)."""
    same_scope = RateRule.objects.filter(
        business=business,
        client_freshbooks_id=rule.client_freshbooks_id,
        project_freshbooks_id=rule.project_freshbooks_id,
        service_freshbooks_id=rule.service_freshbooks_id,
        team_member_identity_id=rule.team_member_identity_id,
    )
    if len(same_scope) < 2:
        return []
    names = rate_names(business)
    return [
        overlap
        for overlap in rule_overlaps(same_scope, names)
        if rule.pk in (overlap.first_id, overlap.second_id)
    ]


def _scope_key(rule: RateRule) -> tuple[int | None, ...]:
    return (
        rule.client_freshbooks_id,
        rule.project_freshbooks_id,
        rule.service_freshbooks_id,
        rule.team_member_identity_id,
    )


def _rule_scope(rule: RateRule, names: RateNames) -> str:
    return rule_scope_label(
        names,
        client_id=rule.client_freshbooks_id,
        project_id=rule.project_freshbooks_id,
        service_id=rule.service_freshbooks_id,
        team_member_id=rule.team_member_identity_id,
    )
