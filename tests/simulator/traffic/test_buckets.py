"""Token buckets: continuous refill, debt for throttled charges, exact waits."""

from __future__ import annotations

import math

from simulator.traffic.buckets import TokenBucket


def test_bucket_refills_continuously_up_to_capacity() -> None:
    b = TokenBucket(10, 10, now=0.0)
    b.take(10)
    b.refill(2.5)
    assert math.isclose(b.level, 2.5)
    b.refill(100.0)
    assert b.level == 10


def test_wait_for_is_exactly_enough() -> None:
    b = TokenBucket(35, 10, now=0.0)
    b.take(35)
    b.take(2)  # a throttled request still drains the bucket
    wait = b.wait_for(2)
    assert math.isclose(wait, 4 / 3.5)
    b.refill(wait)
    assert b.fits(2)


def test_debt_is_at_most_one_capacity() -> None:
    b = TokenBucket(5, 10, now=0.0)
    for _ in range(100):
        b.take(5)
    assert b.level == -5
    assert math.isclose(b.wait_for(1), 12.0)
    assert math.isclose(b.usage(), 2.0)


def test_a_charge_above_capacity_needs_a_full_bucket() -> None:
    b = TokenBucket(1, 10, now=0.0)
    assert b.fits(5)
    b.take(5)
    assert math.isclose(b.wait_for(5), 20.0)


def test_a_clock_set_back_does_not_refill() -> None:
    b = TokenBucket(10, 10, now=100.0)
    b.take(10)
    b.refill(50.0)
    assert b.level == 0
    b.refill(51.0)
    assert math.isclose(b.level, 1.0)


def test_resize_keeps_what_was_used() -> None:
    b = TokenBucket(35, 10, now=0.0)
    b.take(10)
    b.resize(50)
    assert b.level == 40 and math.isclose(b.rate, 5.0)
    b.resize(5)
    assert b.level == -5
