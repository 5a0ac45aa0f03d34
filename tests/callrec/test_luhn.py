from callrec.luhn import luhn_valid
from tests.cards import luhn_complete


def test_a_completed_number_passes_and_every_single_changed_digit_fails() -> None:
    number = luhn_complete("453201511283036")
    assert luhn_valid(number)
    for position in range(len(number)):
        for digit in "0123456789":
            if digit != number[position]:
                assert not luhn_valid(number[:position] + digit + number[position + 1:])


def test_two_adjacent_digits_swapped_fail() -> None:
    assert luhn_valid("79927398713")  # the usual worked example
    assert not luhn_valid("97927398713")
    assert not luhn_valid("79927398731")


def test_digits_of_other_scripts_count_and_anything_else_is_false_without_raising() -> None:
    arabic_indic = "".join(chr(0x0660 + int(d)) for d in "79927398713")
    assert luhn_valid(arabic_indic)
    assert not luhn_valid("7992739871\u00b3")  # a superscript three: a digit to isdigit(), not decimal
    assert not luhn_valid("")
    assert not luhn_valid("4532-0151")
    assert not luhn_valid(" 79927398713")
