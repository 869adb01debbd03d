from __future__ import annotations

from oob_console.core.auth.login_limits import FailureLimiter


def test_failures_within_the_window_lock_then_the_lock_expires() -> None:
    lim = FailureLimiter(max_failures=3, window=60, lockout=300)
    assert not lim.failure("addr:a", 0) and not lim.failure("addr:a", 10)
    assert lim.locked_for("addr:a", 11) == 0
    assert lim.failure("addr:a", 20)  # the third one locks
    assert lim.locked_for("addr:a", 20) == 300
    assert lim.locked_for("addr:b", 20) == 0  # others are not affected
    assert not lim.failure("addr:a", 30)  # more failures while locked do not extend or re-announce
    assert lim.locked_for("addr:a", 319) == 1
    assert lim.locked_for("addr:a", 320) == 0


def test_old_failures_fall_out_of_the_window_and_success_clears() -> None:
    lim = FailureLimiter(max_failures=2, window=60, lockout=300)
    lim.failure("key:x", 0)
    assert not lim.failure("key:x", 61)  # the first is out of the window
    lim.success("key:x")
    assert not lim.failure("key:x", 62)


def test_zero_means_no_lockout_and_memory_is_bounded() -> None:
    assert not any(FailureLimiter(max_failures=0).failure("a", t) for t in range(100))
    lim = FailureLimiter(max_failures=5, window=10, lockout=10)
    for i in range(10_050):
        lim.failure(f"addr:{i}", float(i) / 1000)
    assert len(lim._failures) <= 10_000
