from datetime import date

import pytest

from cards import CardContext


@pytest.fixture
def ctx() -> CardContext:
    return CardContext(hook_instance="0b7d3c6e-5a2f-4e0b-9a64-3f7f0d6c2a11", patient_id="pt-42",
                       service_id="essdai-activity", as_of=date(2024, 5, 10))
