"""Every page template compiles: a slip such as a block named twice (two branches each adding
``{% block styles %}`` to the doctor's page) is a 500 on every request of that page, found
here instead of by a patient."""

from __future__ import annotations

import pytest
from django.template import engines

from tests.unit.test_templates_translated import TEMPLATES

NAMES = sorted(str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*.html"))


@pytest.mark.parametrize("name", NAMES)
def test_the_template_compiles(name: str) -> None:
    engines["django"].get_template(name)
