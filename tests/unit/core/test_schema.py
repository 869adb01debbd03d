from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pytest

from oob_console.core.schema import SchemaError, SecretRef, load_dataclass, locate_key


@dataclass(frozen=True)
class Peer:
    address: str
    asn: int = field(default=64500, metadata={"min": 1, "max": 4294967295})
    password: SecretRef | None = None
    mode: Literal["active", "passive"] = "active"


@dataclass(frozen=True)
class Root:
    peers: tuple[Peer, ...] = ()
    weights: dict[str, float] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)


def test_nested_values_convert() -> None:
    root = load_dataclass(Root, {"peers": [{"address": "192.0.2.1", "password": "env:PW"}],
                                 "weights": {"a": 1}, "tags": ["x"]})
    assert root.peers[0].password == SecretRef("env", "PW")
    assert root.weights == {"a": 1.0} and isinstance(root.weights["a"], float)


@pytest.mark.parametrize(
    ("data", "key", "fragment"),
    [
        ({"peers": [{"address": "a", "password": "hunter2"}]}, "peers[0].password", "never written inline"),
        ({"peers": [{"address": "a", "asn": 0}]}, "peers[0].asn", "at least 1"),
        ({"peers": [{"address": "a", "mode": "lazy"}]}, "peers[0].mode", "expected one of"),
        ({"peers": [{}]}, "peers[0].address", "required key is missing"),
        ({"peers": [{"address": 1}]}, "peers[0].address", "expected a string"),
        ({"peers": {"address": "a"}}, "peers", "expected a list"),
        ({"weights": {"a": "heavy"}}, "weights.a", "expected a number"),
        ({"extra": 1}, "extra", "unknown key"),
    ],
)
def test_errors_name_the_dotted_key(data: dict[str, object], key: str, fragment: str) -> None:
    with pytest.raises(SchemaError) as info:
        load_dataclass(Root, data)
    assert info.value.key == key
    assert fragment in info.value.message


SOURCE = """\
# comment
[site]
name = "x"

[[peers]]
address = "a"

[[peers]]
address = "b"
asn = 0

[peers.timers]
hold = 3
"""


def test_locate_key_follows_tables_and_array_tables() -> None:
    assert locate_key(SOURCE, "site.name") == 3
    assert locate_key(SOURCE, "peers[1].asn") == 10
    assert locate_key(SOURCE, "peers[0].address") == 6
    assert locate_key(SOURCE, "peers[1].timers.hold") == 13
    assert locate_key(SOURCE, "peers[1].missing") == 8  # the table's header
    assert locate_key(SOURCE, "nowhere.at_all") is None
