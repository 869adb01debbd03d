"""Reading a guard corpus and an inventory from disk: strict, with file and line in errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from oob_console.adapters.guard_corpus_toml import CorpusDirectory
from oob_console.adapters.inventory_toml import load_inventory, parse_inventory
from oob_console.core.guard import Verdict
from oob_console.errors import ConfigError, NotFoundError
from tests.guard_support import CORPUS_DIR

INVENTORY = '[[devices]]\nname = "r1"\nplatform = "ios"\nhost = "192.0.2.1"\n' \
            'links = [{ interface = "Gi0/1", kind = "backbone", lag = "Po1" }]\n'


def corpus_dir(tmp_path: Path, cases: str, inventory: str = INVENTORY) -> Path:
    (tmp_path / "inventory.toml").write_text(inventory)
    (tmp_path / "cases.toml").write_text('platform = "ios"\n' + cases)
    return tmp_path


def test_the_repository_corpus_reads() -> None:
    corpus = CorpusDirectory().read(str(CORPUS_DIR))
    assert len(corpus.cases) >= 300 and corpus.inventory.get("mx-bb1") is not None


def test_a_case(tmp_path: Path) -> None:
    root = corpus_dir(tmp_path, """
[[case]]
id = "a"
label = "dangerous"
command = "reload"
devices = ["r1"]
family = "reload"
""")
    (case,) = CorpusDirectory().read(str(root)).cases
    assert (case.id, case.label, case.devices, case.platform) == ("a", Verdict.DANGEROUS, ("r1",), "ios")
    assert case.where == f"{tmp_path}/cases.toml:4"  # the line of its id


@pytest.mark.parametrize(("cases", "message"), [
    ('[[case]]\nid = "a"\nlabel = "harmless"\ncommand = "x"\n', "not a verdict"),
    ('[[case]]\nid = "a"\nlabel = "change"\ncommand = "x"\ncolour = "red"\n', "unknown case key"),
    ('[[case]]\nid = "a"\nlabel = "change"\ncommand = "x"\ndevices = ["r9"]\n', "not in inventory.toml"),
    ('[[case]]\nid = "a"\nlabel = "change"\ncommand = 5\n', "string id, command"),
    ('[[case]]\nid = "a"\nlabel = "change"\ncommand = "x"\n[[case]]\nid = "a"\nlabel = "change"\ncommand = "y"\n',
     "used twice"),
    ("", "no cases"),
    ("[[case]\n", "cannot read"),
])
def test_bad_corpora(tmp_path: Path, cases: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        CorpusDirectory().read(str(corpus_dir(tmp_path, cases)))


def test_a_missing_corpus(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        CorpusDirectory().read(str(tmp_path / "nothing"))


def test_a_relative_corpus_is_looked_for_in_the_site(tmp_path: Path) -> None:
    (tmp_path / "guard_corpus").mkdir()
    corpus_dir(tmp_path / "guard_corpus", '[[case]]\nid = "a"\nlabel = "read-only"\ncommand = "show run"\n')
    assert CorpusDirectory(tmp_path).read("guard_corpus").cases[0].id == "a"


def test_inventory_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "inv.toml"
    path.write_text(INVENTORY)
    device = load_inventory(path).get("r1")
    assert device is not None and device.links[0].lag == "Po1"


@pytest.mark.parametrize(("text", "where"), [
    (INVENTORY + 'role = 5\n', ":6 key devices[0].role"),
    (INVENTORY.replace('"ios"', '"vyos"'), ":3 key devices[0].platform"),
    (INVENTORY + '[[devices]]\nname = "r1"\nplatform = "eos"\nhost = "h"\n', "inv.toml"),
    (INVENTORY.replace('kind = "backbone"', 'kind = "core"'), "devices[0].links[0].kind"),
])
def test_inventory_errors_name_the_key_and_line(text: str, where: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_inventory(text, "inv.toml")
    assert where in str(info.value)
