"""Typed answers match choices by number, label, or label without diacritics and case."""

import pytest

from bot.messages import Choice
from bot.text_match import fold, match_choice, split_text

MENU = [
    Choice("tip", "Báo tin"),
    Choice("pledge", "Cam kết hộ an toàn"),
    Choice("help", "Trợ giúp"),
]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Báo tin", "tip"),
        ("bao tin", "tip"),
        ("BAO TIN", "tip"),
        ("  báo   tin! ", "tip"),
        ("1", "tip"),
        ("2.", "pledge"),
        ("3)", "help"),
        ("cam ket ho an toan", "pledge"),
        ("tro giup", "help"),
        ("cam", "pledge"),  # a unique beginning
    ],
)
def test_a_typed_answer_means_the_choice(typed: str, expected: str) -> None:
    picked = match_choice(typed, MENU)
    assert picked is not None and picked.key == expected


@pytest.mark.parametrize("typed", ["4", "0", "xyz", "", "ba", "tin"])
def test_unclear_answers_match_nothing(typed: str) -> None:
    assert match_choice(typed, MENU) is None


YES_NO = [Choice("yes", "Có, báo cho tôi"), Choice("no", "Không, cảm ơn")]


@pytest.mark.parametrize(("typed", "expected"), [("co", "yes"), ("Có", "yes"), ("khong", "no")])
def test_yes_and_no_are_the_first_word_of_their_label(typed: str, expected: str) -> None:
    picked = match_choice(typed, YES_NO)
    assert picked is not None and picked.key == expected


def test_a_first_word_shared_by_two_labels_matches_neither() -> None:
    assert match_choice("tin", [Choice("a", "Tin báo mới"), Choice("b", "Tin tôi đã báo")]) is None


def test_fold_removes_diacritics_including_d_stroke() -> None:
    assert fold("Đồng Ý, ĐƯỢC!") == "dong y duoc"
    assert fold("Xã Thanh Mỹ") == "xa thanh my"


def test_long_texts_split_on_boundaries_within_the_limit() -> None:
    paragraph = "Câu thứ nhất. Câu thứ hai dài hơn một chút.\n"
    text = paragraph * 300
    pieces = split_text(text, 4096)
    assert all(len(piece) <= 4096 for piece in pieces)
    assert all(piece.endswith(".") for piece in pieces)
    assert "".join(pieces).replace("\n", "") == text.replace("\n", "")


def test_a_word_longer_than_the_limit_is_cut_hard() -> None:
    assert [len(p) for p in split_text("x" * 5000, 2000)] == [2000, 2000, 1000]
