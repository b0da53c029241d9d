"""Issue 13 item 8: wrong bearer tokens to the admin API (and to send_report locally) are
throttled per client: after 10 failures within a minute, 429 with Retry-After, the right token
included, until the oldest failure leaves the window; other clients are not affected."""

from __future__ import annotations

import pytest

from shared.web.factory import create_app
from shared.web.throttle import EXTENSION, MAX_FAILURES, WINDOW, FailureThrottle
from tests.conftest import ADMIN_TOKEN

PATHS = {"admin": ("GET", "/supporters"), "send_report": ("POST", "/alerts")}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("function", sorted(PATHS))
def test_wrong_tokens_are_throttled_per_client(app, function, monkeypatch):
    monkeypatch.delenv("K_SERVICE", raising=False)
    flask_app = create_app(function, app)
    clock = Clock()
    flask_app.extensions[EXTENSION] = FailureThrottle(clock=clock)
    method, path = PATHS[function]

    def call(token: str, client: str = "192.0.2.1"):
        return flask_app.test_client().open(
            path,
            method=method,
            headers={"Authorization": f"Bearer {token}"},
            environ_base={"REMOTE_ADDR": client},
        )

    for guess in range(MAX_FAILURES):
        clock.now += 1
        assert call(f"guess-{guess}").status_code == 401
    clock.now += 1
    refused = call(ADMIN_TOKEN)  # even the right token waits: guesses are not even compared
    assert refused.status_code == 429
    assert refused.get_json()["error"] == "too_many_failures"
    # the first failure was at 1001 and leaves the window at 1001 + WINDOW
    assert int(refused.headers["Retry-After"]) == int(1001 + WINDOW - clock.now)
    assert call(ADMIN_TOKEN, client="192.0.2.2").status_code == 200  # another client is not held up
    clock.now = 1001 + WINDOW + 0.5
    assert call(ADMIN_TOKEN).status_code == 200  # one failure left the window: it may try again
    assert call("one more guess").status_code == 401
    assert call(ADMIN_TOKEN).status_code == 429  # back at the limit


def test_the_throttle_forgets_the_longest_quiet_clients_first():
    clock = Clock()
    throttle = FailureThrottle(max_failures=1, window=60, clock=clock, max_clients=2)
    for client in ("a", "b", "c"):
        throttle.failed(client)
    assert throttle.retry_after("a") == 0  # forgotten: memory stays bounded
    assert throttle.retry_after("b") == throttle.retry_after("c") == 60
