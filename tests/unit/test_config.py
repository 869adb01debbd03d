from __future__ import annotations

from pathlib import Path

import pytest

from oob_console.config import Config, find_config, load_config, parse_config, read_secret
from oob_console.core.schema import SecretRef
from oob_console.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]


def test_example_config_parses_and_sets_every_section() -> None:
    loaded = load_config(str(REPO / "config.example.toml"))
    assert loaded.config.site.name == "sjc1-oob"
    # every top-level section of the model appears in the example, documented
    text = (REPO / "config.example.toml").read_text()
    for name in Config.__dataclass_fields__:
        assert f"[{name}]" in text or f"[[{name}]]" in text, f"config.example.toml lacks [{name}]"


def _err(text: str, tmp_path: Path) -> ConfigError:
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        parse_config(text, path)
    return info.value


def test_wrong_type_names_file_key_and_line(tmp_path: Path) -> None:
    err = _err('[site]\nname = "x"\n\n[audit]\ncheckpoint_every = "often"\n', tmp_path)
    assert err.where == f"{tmp_path / 'c.toml'}:5 key audit.checkpoint_every"
    assert "expected an integer" in err.message


def test_unknown_key_is_rejected_with_known_keys_in_hint(tmp_path: Path) -> None:
    err = _err("[paths]\nstore = 'a'\naudit_lgo = 'b'\n", tmp_path)
    assert err.where is not None and err.where.endswith(":3 key paths.audit_lgo")
    assert err.message == "unknown key" and err.hint and "audit_log" in err.hint


def test_unknown_section_is_rejected(tmp_path: Path) -> None:
    err = _err("[sitee]\nname = 'a'\n", tmp_path)
    assert err.where is not None and err.where.endswith(":1 key sitee")


def test_bad_toml_gives_the_line(tmp_path: Path) -> None:
    err = _err("[site]\nname = \n", tmp_path)
    assert err.where == f"{tmp_path / 'c.toml'}:2" and err.message.startswith("not valid TOML")


def test_bool_is_not_an_integer_and_limits_apply(tmp_path: Path) -> None:
    assert "expected an integer" in _err("[audit]\ncheckpoint_every = true\n", tmp_path).message
    assert "at least 0" in _err("[audit]\ncheckpoint_every = -1\n", tmp_path).message


def test_site_name_is_validated(tmp_path: Path) -> None:
    err = _err('[site]\nname = "bad name!"\n', tmp_path)
    assert err.where is not None and err.where.endswith(":2 key site.name")


def test_search_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    xdg = tmp_path / "xdg" / "oob-console"
    xdg.mkdir(parents=True)
    (xdg / "config.toml").write_text("")
    assert find_config(None) == xdg / "config.toml"
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("OOB_HOME", str(home))
    with pytest.raises(ConfigError, match=r"OOB_HOME has no config\.toml"):
        find_config(None)  # never falls back to /etc or XDG when OOB_HOME is set
    (home / "config.toml").write_text("")
    assert find_config(None) == home / "config.toml"
    explicit = tmp_path / "other.toml"
    explicit.write_text("")
    assert find_config(str(explicit)) == explicit
    with pytest.raises(ConfigError, match="not found"):
        find_config(str(tmp_path / "missing.toml"))


def test_relative_paths_resolve_against_the_config_dir(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("[paths]\naudit_log = 'logs/a.jsonl'\n")
    loaded = load_config(str(tmp_path / "config.toml"))
    assert loaded.resolve(loaded.config.paths.audit_log) == tmp_path.resolve() / "logs" / "a.jsonl"


def test_secret_refs_never_inline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError):
        SecretRef.parse("hunter2")
    with pytest.raises(ValueError):
        SecretRef.parse("env:not a name")
    monkeypatch.setenv("OOB_TEST_TOKEN", "s3cret")
    assert read_secret(SecretRef.parse("env:OOB_TEST_TOKEN"), where="t") == "s3cret"
    secret = tmp_path / "token"
    secret.write_text("abc\n")
    secret.chmod(0o644)
    with pytest.raises(ConfigError, match="readable by others"):
        read_secret(SecretRef.parse(f"file:{secret}"), where="t")
    secret.chmod(0o600)
    assert read_secret(SecretRef.parse(f"file:{secret}"), where="t") == "abc"
    with pytest.raises(ConfigError, match="not set"):
        read_secret(SecretRef.parse("env:OOB_TEST_UNSET_VAR"), where="t")


@pytest.mark.parametrize("value", ["10:30", "0:30:60", "10:130:60", "60:30:10", "a:b:c", "10:30:60:1"])
def test_max_startups_must_be_start_rate_full(value: str) -> None:
    from oob_console.config import ServerConfig

    with pytest.raises(ValueError, match="max_startups"):
        ServerConfig(max_startups=value).validate()
    assert ServerConfig().startups() == (10, 30, 60)
