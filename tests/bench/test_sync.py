"""bench/sync.py at a tiny size: every entry mirrored with the minimum of calls, and the SDK peer
lists the same entries."""

import pytest
import sync


@pytest.mark.django_db
def test_a_full_sync_mirrors_every_entry_with_one_call_per_page(sandbox, use_sandbox):
    result = sync.measure_full_sync(sandbox, entries=150, latency_ms=0)

    assert result["entries"] > 100  # more than one page, so the page ahead is exercised
    assert result["time_entry_calls"] == result["time_entry_pages"]
    assert result["peak_bytes"] > 0


@pytest.mark.django_db
def test_the_official_sdk_lists_the_same_entries(sandbox, use_sandbox, monkeypatch):
    monkeypatch.setenv("FRESHBOOKS_API_URL", sandbox.url)
    result = sync.measure_full_sync(sandbox, entries=150, latency_ms=0)

    seconds = sync.measure_sdk_listing(sandbox, result["business"], expected=result["entries"])

    assert seconds > 0
