"""The shape comparator itself: it must catch every kind of difference it claims to."""

from __future__ import annotations

import pytest

from tests.sandbox.shapes import Rules, assert_same_shape

FIXTURE = {"id": 1, "name": "x", "note": None, "tags": [{"k": "a"}], "amount": {"amount": "1.00"}}


def test_identical_shapes_match():
    assert_same_shape({**FIXTURE, "id": 2, "name": "y"}, FIXTURE)


def test_a_missing_key_is_reported():
    body = {key: value for key, value in FIXTURE.items() if key != "name"}
    with pytest.raises(AssertionError, match="name: missing"):
        assert_same_shape(body, FIXTURE)


def test_an_undocumented_extra_key_is_reported_and_a_documented_one_allowed():
    body = {**FIXTURE, "extra": 1}
    with pytest.raises(AssertionError, match="extra: not in the fixture"):
        assert_same_shape(body, FIXTURE)
    assert_same_shape(body, FIXTURE, rules=Rules(extra_keys=frozenset({"extra"})))


def test_a_type_change_is_reported():
    with pytest.raises(AssertionError, match=r"id: \['str'\]"):
        assert_same_shape({**FIXTURE, "id": "1"}, FIXTURE)


def test_null_where_the_fixture_has_a_value_is_reported_unless_documented():
    body = {**FIXTURE, "name": None}
    with pytest.raises(AssertionError, match="name: null"):
        assert_same_shape(body, FIXTURE)
    assert_same_shape(body, FIXTURE, rules=Rules(nullable=frozenset({"name"})))


def test_null_is_fine_where_another_fixture_shows_null():
    assert_same_shape({**FIXTURE, "name": None}, FIXTURE, {**FIXTURE, "name": None})


def test_any_type_is_accepted_where_the_fixture_only_shows_null():
    assert_same_shape({**FIXTURE, "note": "text"}, FIXTURE)


def test_list_items_are_compared_and_an_always_empty_list_is_reported():
    with pytest.raises(AssertionError, match=r"tags\[\].k: \['int'\]"):
        assert_same_shape({**FIXTURE, "tags": [{"k": 1}]}, FIXTURE)
    with pytest.raises(AssertionError, match="sandbox list is always empty"):
        assert_same_shape({**FIXTURE, "tags": []}, FIXTURE)


def test_nested_objects_are_compared():
    with pytest.raises(AssertionError, match="amount.amount"):
        assert_same_shape({**FIXTURE, "amount": {"amount": 1}}, FIXTURE)


def test_maps_compare_values_not_keys():
    fixture = {"permissions": {"ABC123": {}}}
    rules = Rules(maps=frozenset({"permissions"}))
    assert_same_shape({"permissions": {"XYZ": {}}}, fixture, rules=rules)
    with pytest.raises(AssertionError, match="permissions"):
        assert_same_shape({"permissions": {"XYZ": "text"}}, fixture, rules=rules)
