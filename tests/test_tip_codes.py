"""A tip's code however it is typed, including codes that themselves begin with TB."""

from __future__ import annotations

import pytest

from bot.tips.codes import normalise_tip_code


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("TB-7K3Q", "TB-7K3Q"),
        ("tb-7k3q", "TB-7K3Q"),
        ("tb 7k3q", "TB-7K3Q"),
        ("7k3q", "TB-7K3Q"),
        ("tbxu", "TB-TBXU"),  # a code beginning with TB, typed without its prefix
        ("TB-TBXU", "TB-TBXU"),
        ("tbtbxu", "TB-TBXU"),
    ],
)
def test_a_typed_code_names_its_tip(typed: str, code: str) -> None:
    assert normalise_tip_code(typed) == code
