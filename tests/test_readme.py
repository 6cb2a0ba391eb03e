"""The README documents every configuration key and every project CodeSystem code; keep it true."""

from pathlib import Path

import pytest

from configuration import CONFIG_KEYS
from fhir_mappings.code_tables.essdai_codesystem import CODES

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("key", [k.name for k in CONFIG_KEYS])
def test_every_config_key_is_documented(key):
    assert f"| `{key}` |" in README


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_codesystem_code_is_documented(code):
    assert f"| `{code}` | {CODES[code].display} |" in README


def test_first_lines_are_the_setup_demo_and_test_commands():
    blocks = README.split("```bash\n")
    assert blocks[1].startswith("python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/essdai-cds demo")
    assert blocks[2].startswith(".venv/bin/python -m pytest")


def _config_rows() -> dict[str, tuple[str, str]]:
    import re

    section = README.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    return {m[0]: (m[1], m[2]) for m in re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \| (.*?) \| (.*?) \|", section, re.M)}


def _default_cell(value: object) -> str:
    import json

    if value is None:
        return "—"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, list):
        return f"`{json.dumps(value)}`"
    return f"`{value}`"


def test_every_documented_config_key_exists_with_its_default_and_type():
    rows = _config_rows()
    assert list(rows) == [k.name for k in CONFIG_KEYS]
    for key in CONFIG_KEYS:
        default, kind = rows[key.name]
        assert kind == key.kind, key.name
        assert default == ("see meaning" if key.name == "WORKSHEET_SCOPES" else _default_cell(key.default)), key.name


def _command_options() -> dict[str, set[str]]:
    import argparse
    import importlib

    from essdai_cds.cli import COMMANDS

    found: dict[str, set[str]] = {}
    for name, (module, _help) in COMMANDS.items():
        parser = argparse.ArgumentParser()
        importlib.import_module(module).add_arguments(parser)
        actions = list(parser._actions)
        for action in parser._actions:  # `db upgrade`: the options of the sub-sub-command
            if isinstance(action, argparse._SubParsersAction):
                actions += [a for sub in action.choices.values() for a in sub._actions]
        found[name] = {o for a in actions for o in a.option_strings if o.startswith("--") and o != "--help"}
    return found


def _command_rows() -> dict[str, str]:
    import re

    section = README.split("### Other commands", 1)[1].split("\n## ", 1)[0]
    return {m[0]: m[1] for m in re.findall(r"^\| `essdai-cds (\w+)(.*?)` \|", section, re.M)}


def _section(heading: str) -> str:
    """The README text under `heading` (a "## " or "### " line) up to the next heading of any level."""
    import re

    text = README.split(f"\n{heading}\n", 1)[1]
    return re.split(r"\n#{2,3} ", text, maxsplit=1)[0]


# where a command is documented beyond its row of "Other commands" (`score` has no row: its own section)
COMMAND_SECTIONS = {"score": ("### Offline scoring",), "screen": ("## Population screening", "### Screening on Spark")}


def _command_text(command: str) -> str:
    return _command_rows().get(command, "") + "".join(_section(h) for h in COMMAND_SECTIONS.get(command, ()))


@pytest.mark.parametrize("command", sorted(_command_options()))
def test_every_cli_option_is_in_the_readme_and_every_documented_one_exists(command):
    """Each option is documented where its command is (its row of "Other commands", or its own section),
    not merely somewhere in the README; and every option a row shows exists."""
    import re

    text = _command_text(command)
    assert text.strip(), f"essdai-cds {command} is documented nowhere"
    options = _command_options()[command]
    undocumented = sorted(o for o in options if not re.search(re.escape(o) + r"(?![a-z-])", text))
    assert undocumented == []
    row = _command_rows().get(command, "")
    assert sorted(set(re.findall(r"--[a-z][a-z-]*", row)) - options) == []
