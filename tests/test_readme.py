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
