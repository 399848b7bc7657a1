"""The shared per-identity rate gate, against the real Redis at 127.0.0.1:6379."""

from __future__ import annotations

import logging
import multiprocessing
import socket
import time
import uuid

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from connections.freshbooks import RateLimited, RedisRateGate

from .conftest import API, make_client

REDIS_URL = "redis://127.0.0.1:6379/0"


class RealSleep:
    """Sleeps for real (the gate needs time to pass) and remembers how long it was asked to."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        time.sleep(seconds)


@pytest.fixture
def redis_client():
    client = redis.Redis.from_url(REDIS_URL)
    client.ping()
    yield client
    client.close()


@pytest.fixture
def key_prefix(redis_client):
    prefix = f"test:fb:rate:{uuid.uuid4().hex}:"
    yield prefix
    for key in redis_client.scan_iter(match=f"{prefix}*"):
        redis_client.delete(key)


def test_burst_is_admitted_at_once_then_calls_are_spaced_by_the_rate(redis_client, key_prefix):
    sleep = RealSleep()
    gate = RedisRateGate(
        redis_client, rate_per_second=20, burst=3, key_prefix=key_prefix, sleep=sleep
    )
    started = time.monotonic()
    for _ in range(3):
        gate.acquire("identity-1")
    assert sleep.calls == []
    gate.acquire("identity-1")
    assert time.monotonic() - started >= 0.04
    assert sleep.calls and 0.03 <= sleep.calls[0] <= 0.06


def test_identities_have_separate_budgets(redis_client, key_prefix):
    sleep = RealSleep()
    gate = RedisRateGate(
        redis_client, rate_per_second=0.5, burst=1, key_prefix=key_prefix, sleep=sleep
    )
    gate.acquire("identity-a")
    gate.acquire("identity-b")
    assert sleep.calls == []
    with pytest.raises(RateLimited):
        gate.acquire("identity-a", timeout=0.1)


def test_pause_blocks_every_gate_on_the_same_redis(redis_client, key_prefix):
    worker_one = RedisRateGate(redis_client, key_prefix=key_prefix)
    worker_two = RedisRateGate(redis.Redis.from_url(REDIS_URL), key_prefix=key_prefix)
    worker_one.pause("identity-1", 0.3)
    assert 0.2 < worker_two.paused_for("identity-1") <= 0.3
    started = time.monotonic()
    worker_two.acquire("identity-1")
    assert time.monotonic() - started >= 0.25
    assert worker_two.paused_for("identity-1") == 0.0


def test_a_shorter_pause_never_cuts_a_longer_one(redis_client, key_prefix):
    gate = RedisRateGate(redis_client, key_prefix=key_prefix)
    gate.pause("identity-1", 5)
    gate.pause("identity-1", 0.1)
    assert gate.paused_for("identity-1") > 4


def test_acquire_gives_up_with_rate_limited_instead_of_waiting_past_its_timeout(
    redis_client, key_prefix
):
    sleep = RealSleep()
    gate = RedisRateGate(redis_client, key_prefix=key_prefix, sleep=sleep)
    gate.pause("identity-1", 5)
    started = time.monotonic()
    with pytest.raises(RateLimited) as raised:
        gate.acquire("identity-1", timeout=1)
    assert time.monotonic() - started < 0.5
    assert 4 < raised.value.retry_after <= 5
    assert sleep.calls == []


def test_gate_keys_expire_so_idle_identities_leave_nothing_behind(redis_client, key_prefix):
    gate = RedisRateGate(redis_client, rate_per_second=5, burst=10, key_prefix=key_prefix)
    gate.acquire("identity-1")
    keys = list(redis_client.scan_iter(match=f"{key_prefix}*"))
    assert len(keys) == 1
    assert 0 < redis_client.pttl(keys[0]) <= 3000


def test_client_429_pauses_the_identity_for_other_workers(
    redis_client, key_prefix, tokens, sleeps, mocked
):
    gate = RedisRateGate(redis_client, key_prefix=key_prefix)
    client = make_client(tokens, sleeps, rate_gate=gate, rate_key="identity-7", max_attempts=1)
    mocked.get(f"{API}/auth/api/v1/users/me", status=429, headers={"Retry-After": "20"})
    with pytest.raises(RateLimited):
        client.me()
    other_worker = RedisRateGate(redis.Redis.from_url(REDIS_URL), key_prefix=key_prefix)
    assert 19 < other_worker.paused_for("identity-7") <= 20
    assert other_worker.paused_for("identity-8") == 0.0


def test_unreachable_redis_fails_open_with_a_warning(caplog):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
    unreachable = redis.Redis(host="127.0.0.1", port=port, retry=Retry(NoBackoff(), 0))
    gate = RedisRateGate(unreachable)
    with caplog.at_level(logging.WARNING):
        gate.acquire("identity-1", timeout=1)
        gate.pause("identity-1", 5)
        assert gate.paused_for("identity-1") == 0.0
    assert any("rate gate unavailable" in record.getMessage() for record in caplog.records)


def _count_acquisitions(prefix: str, start_at: float, window: float, results) -> None:
    """One 'worker process': acquire as fast as the shared gate allows during the window."""
    gate = RedisRateGate(
        redis.Redis.from_url(REDIS_URL), rate_per_second=20, burst=5, key_prefix=prefix
    )
    while time.time() < start_at:
        time.sleep(0.001)
    count = 0
    while True:
        gate.acquire("shared-identity", timeout=5)
        if time.time() >= start_at + window:
            break
        count += 1
    results.put(count)


def test_four_processes_share_one_budget(redis_client, key_prefix):
    window = 1.5
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    start_at = time.time() + 0.5
    workers = [
        context.Process(target=_count_acquisitions, args=(key_prefix, start_at, window, results))
        for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    counts = [results.get(timeout=20) for _ in workers]
    for worker in workers:
        worker.join(timeout=10)
        assert worker.exitcode == 0

    # Burst 5 plus 20/s for 1.5 s allows 35 in total, however many processes ask.
    allowed = 5 + 20 * window
    assert sum(counts) <= allowed + 2, counts
    assert sum(counts) >= 20 * window * 0.8, counts
    assert all(count > 0 for count in counts), counts
