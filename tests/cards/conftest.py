from datetime import date

import pytest

from cards import CardContext


@pytest.fixture
def ctx() -> CardContext:
    return CardContext(hook_instance="0b7d3c6e-5a2f-4e0b-9a64-3f7f0d6c2a11", patient_id="pt-42",
                       service_id="essdai-activity", as_of=date(2024, 5, 10))


# Every summary a card builder fits (the card tests' cases) must be one whole sentence: spied on
# where each card module calls fit_summary, checked after each test (tests/cards/card_helpers.py).
SUMMARY_MODULES = ("cards.essdai", "cards.course", "cards.readiness", "cards.safety", "cards.unavailable")


@pytest.fixture(autouse=True)
def summaries_are_sentences(monkeypatch):
    import importlib

    from card_helpers import summary_problems

    seen: list[str] = []
    for name in SUMMARY_MODULES:
        module = importlib.import_module(name)

        def spy(candidates, _real=module.fit_summary):
            out = _real(candidates)
            seen.append(out)
            return out
        monkeypatch.setattr(module, "fit_summary", spy)
    yield seen
    bad = {s: summary_problems(s) for s in seen if summary_problems(s)}
    assert not bad, f"summaries that are not whole sentences: {bad}"
