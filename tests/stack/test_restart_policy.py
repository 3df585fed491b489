"""When `filmstudio up` starts a dead service again, and when it gives up (restarts.py)."""

from __future__ import annotations

from film_assets.stack.restarts import MAX_DEATHS, WINDOW_S, RestartPolicy


def test_each_death_in_the_window_doubles_the_wait_until_the_service_keeps_dying():
    policy = RestartPolicy("api")
    delays = [policy.died(at=10.0 * n) for n in range(MAX_DEATHS)]
    assert delays == [2.0**n for n in range(MAX_DEATHS - 1)] + [None]
    assert f"died {MAX_DEATHS} times within {WINDOW_S:.0f} s" in policy.gave_up_because()


def test_deaths_older_than_the_window_are_forgotten():
    policy = RestartPolicy("dagster-daemon")
    for n in range(MAX_DEATHS * 3):  # one death every window and a bit: restarted every time, after 1 s
        assert policy.died(at=n * (WINDOW_S + 1)) == 1.0


def test_the_moto_server_is_never_restarted_and_says_why():
    policy = RestartPolicy("moto")
    assert policy.died(at=0.0) is None
    assert "in memory" in policy.gave_up_because()
