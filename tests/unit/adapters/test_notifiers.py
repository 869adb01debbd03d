"""What each channel puts on the wire (the lab tests send it to real local servers)."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest

from oob_console.adapters.notifiers.factory import build_channels
from oob_console.adapters.notifiers.http import origin
from oob_console.adapters.notifiers.matrix import MatrixChannel
from oob_console.adapters.notifiers.pagerduty import PagerDutyChannel
from oob_console.adapters.notifiers.slack import SlackChannel
from oob_console.adapters.notifiers.webhook import WebhookChannel
from oob_console.config import parse_config
from oob_console.core.notice import Notice
from oob_console.errors import ConfigError, UnavailableError

N = Notice(id="0123456789abcdef", site="sjc1", severity="critical", text="backbone down", created=1_790_000_000.0,
           kind="drill", details={"step": 3})


def test_pagerduty_event() -> None:
    ch = PagerDutyChannel("pd", routing_key=lambda: "RK")
    req = ch.build(N)
    body = json.loads(req.body)
    assert req.method == "POST" and req.url == "https://events.pagerduty.com/v2/enqueue"
    assert body["routing_key"] == "RK" and body["event_action"] == "trigger"
    assert body["dedup_key"] == "oob-sjc1-0123456789abcdef" == json.loads(ch.build(N).body)["dedup_key"]
    assert body["payload"]["severity"] == "critical" and body["payload"]["source"] == "sjc1"
    assert body["payload"]["custom_details"] == {"text": "backbone down", "step": 3}
    assert body["payload"]["timestamp"].endswith("+00:00")


def test_matrix_put_uses_a_stable_txn_id_and_quotes_the_room() -> None:
    ch = MatrixChannel("mx", homeserver="https://hs.example/", room="!room:hs.example", access_token=lambda: "T")
    req = ch.build(N)
    assert req.method == "PUT"
    assert req.url == ("https://hs.example/_matrix/client/v3/rooms/%21room%3Ahs.example/send/m.room.message/"
                       "oob-0123456789abcdef")
    assert req.headers["Authorization"] == "Bearer T"
    assert json.loads(req.body) == {"msgtype": "m.text", "body": "[sjc1] CRITICAL: backbone down"}
    assert ch.endpoint() == "https://hs.example"


def test_webhook_signs_the_exact_body_and_sends_the_idempotency_key() -> None:
    ch = WebhookChannel("h", url=lambda: "http://10.0.0.1:8080/x?token=s3cret", secret=lambda: "k")
    req = ch.build(N)
    assert req.headers["Idempotency-Key"] == N.id
    want = "sha256=" + hmac.new(b"k", req.body, hashlib.sha256).hexdigest()
    assert req.headers["X-Oob-Signature"] == want
    assert json.loads(req.body)["details"] == {"step": 3}
    assert ch.endpoint() == "http://10.0.0.1:8080"  # no path, no token
    assert "X-Oob-Signature" not in WebhookChannel("h", url=lambda: "http://h/").build(N).headers


def test_slack_text_and_endpoint_hide_the_secret_url() -> None:
    ch = SlackChannel("s", webhook_url=lambda: "https://hooks.slack.com/services/T/B/SECRET")
    assert json.loads(ch.build(N).body) == {"text": "*[sjc1] CRITICAL* backbone down"}
    assert ch.endpoint() == "https://hooks.slack.com"


def test_origin_refuses_what_is_not_http() -> None:
    assert origin("http://[2001:db8::1]:8008/x") == "http://[2001:db8::1]:8008"
    with pytest.raises(ConfigError):
        origin("ftp://x/")


def test_nothing_listening_is_unavailable_not_a_traceback() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ch = WebhookChannel("h", url=lambda: f"http://127.0.0.1:{port}/")
    with pytest.raises(UnavailableError):
        ch.send(N)


def test_factory_reads_secrets_only_when_sending(tmp_path: Path) -> None:
    text = f"""
[[comms.channels]]
name = "pd"
kind = "pagerduty"
secret = "file:{tmp_path}/missing"
[[comms.channels]]
name = "slack"
kind = "slack"
url_ref = "env:OOB_TEST_NO_SUCH_VAR"
"""
    channels = build_channels(parse_config(text, tmp_path / "c.toml").comms)
    assert set(channels) == {"pd", "slack"}
    with pytest.raises(ConfigError) as info:
        channels["pd"].build(N)
    assert "missing" in info.value.message
    with pytest.raises(ConfigError):
        channels["slack"].endpoint()


def test_a_malformed_secret_url_does_not_leak_into_the_error() -> None:
    ch = SlackChannel("s", webhook_url=lambda: "https://hooks.example:SECRETTOKEN/services/T/B/x")
    with pytest.raises(ConfigError) as info:
        ch.send(N)
    assert "SECRETTOKEN" not in str(info.value)
