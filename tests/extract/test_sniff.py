"""Encoding and delimiter rules, pinned on the cases that would go wrong."""

import pytest

from etl.extract.delimiter import detect_delimiter
from etl.extract.model import FileContentError
from etl.extract.sniff import decode_text, looks_russian

RU = (
    "Код пациента;Пол;МОБ перед ТГСК;Терапия перед ТГСК\r\n"
    "ТГСК-2019-014;м;MOБ-;ИнO\r\n"
    "ТГСК-2019-015;Ж;<0,01%;«Беспонса» №2 — x10^6\r\n"
)


def test_windows_1251_with_latin_letters_typed_inside_words_is_cp1251() -> None:
    decoded = decode_text(RU.encode("cp1251"))
    assert (decoded.text, decoded.encoding, decoded.guessed) == (RU, "cp1251", False)


@pytest.mark.parametrize("text", ["Пол\nМ\n", "Код;Пол\nА;Ж\n", "Исход\nжив\nумер\n"])
def test_tiny_windows_1251_files_are_not_left_to_the_guesser(text: str) -> None:
    assert decode_text(text.encode("cp1251")).encoding == "cp1251"


def test_utf8_wins_over_cp1251_and_bom_is_recognised() -> None:
    assert decode_text(RU.encode("utf-8")).encoding == "utf-8"
    decoded = decode_text(RU.encode("utf-8-sig"))
    assert (decoded.encoding, decoded.text) == ("utf-8-sig", RU)


def test_latin1_text_is_not_taken_for_cp1251_and_the_guess_is_flagged() -> None:
    text = "Patient ID,Diagnosis\nHSCT-1,leucémie aiguë lymphoblastique récidivante\n"
    decoded = decode_text(text.encode("latin-1"))
    assert decoded.encoding != "cp1251"
    assert decoded.guessed


def test_looks_russian() -> None:
    assert looks_russian("Код пациента;Пол")
    assert looks_russian("ascii only")
    assert not looks_russian("leucйmie aiguл rйcidivante")


def test_bom_followed_by_non_utf8_is_refused() -> None:
    with pytest.raises(FileContentError, match="not UTF-8 text"):
        decode_text(b"\xef\xbb\xbf" + "Пол".encode("cp1251"))


def test_a_stray_byte_after_a_utf8_bom_flags_its_line_only() -> None:
    decoded = decode_text(b"\xef\xbb\xbfa,b\r\nc,d\x96\r\ne,f\r\n", ["utf-8"])
    assert (decoded.encoding, decoded.text) == ("utf-8-sig", "a,b\r\nc,d\\x96\r\ne,f\r\n")
    assert [(b.line, b.offset, b.byte) for b in decoded.bad_lines] == [(2, 11, 0x96)]


@pytest.mark.parametrize(
    ("text", "default", "expected"),
    [
        ("Код пациента;Экспрессия CD22, %;Дозы ИнО, мг/м2\nА;74,5;0,8/0,5/0,5\nБ;80;\n", ",", ";"),
        ('Patient ID,"CD22 expression, %",Note\nA,74.5,"x; y"\nB,80,z\n', ";", ","),
        ("Patient ID;Result\nA;0,5\nB;1,25\n", ",", ";"),
        ("Patient ID,Result\nA,0.5\n", ";", ","),
        ("Код пациента\nА\n", ";", ";"),  # one column: the feed's usual delimiter
        ("Код пациента\nА\n", ",", ","),
        ('a;b\n"1\n2;3";4\n', ",", ";"),
    ],
)
def test_detect_delimiter(text: str, default: str, expected: str) -> None:
    assert detect_delimiter(text, default) == expected
