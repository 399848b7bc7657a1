"""one_ahead: a sync fetches the next page while it stores this one, never more than one ahead."""

import threading

import pytest

from invoicing.sync.prefetch import one_ahead


def test_yields_every_item_in_order():
    assert list(one_ahead(iter(range(5)))) == [0, 1, 2, 3, 4]
    assert list(one_ahead(iter([]))) == []


def test_fetches_the_first_item_in_the_callers_thread_and_later_ones_ahead_in_another():
    threads = []

    def pages():
        for number in range(3):
            threads.append(threading.current_thread())
            yield number

    assert list(one_ahead(pages())) == [0, 1, 2]
    assert threads[0] is threading.current_thread()
    assert all(thread is not threading.current_thread() for thread in threads[1:])


def test_never_holds_more_than_one_item_beyond_the_one_being_stored():
    fetched = []
    ahead = []

    def pages():
        for number in range(6):
            fetched.append(number)
            yield number

    for item in one_ahead(pages()):
        # Give the helper thread time to run on as far as it would.
        threading.Event().wait(0.02)
        ahead.append(len(fetched) - (item + 1))
    assert max(ahead) <= 1


def test_an_error_fetching_a_page_reaches_the_caller_after_the_pages_before_it():
    def pages():
        yield 1
        raise ConnectionError("FreshBooks went away")

    seen = []
    with pytest.raises(ConnectionError):
        for item in one_ahead(pages()):
            seen.append(item)
    assert seen == [1]
