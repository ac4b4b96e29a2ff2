import pytest

from fieldvisit.core.upn import (
    ALPHABET,
    InvalidUPN,
    check_letter,
    is_temporary,
    make_upn,
    validate_upn,
)


def test_check_letter_of_the_domain_example():
    assert check_letter("801200005001") == "B"
    assert validate_upn("B801200005001") == "B801200005001"


@pytest.mark.parametrize("letter", [c for c in ALPHABET if c != "B"])
def test_any_other_check_letter_is_wrong(letter):
    with pytest.raises(InvalidUPN, match="The check letter should be B"):
        validate_upn(letter + "801200005001")


@pytest.mark.parametrize(
    "upn",
    [
        "M80120000500A",  # A counts as 0
        "Y80120000500Z",  # Z counts as 22
    ],
)
def test_temporary_upn(upn):
    assert validate_upn(upn) == upn
    assert is_temporary(upn)


def test_permanent_upn_is_not_temporary():
    assert not is_temporary("B801200005001")


def test_lowercase_and_spaces_are_normalised():
    assert validate_upn("  b801200005001\n") == "B801200005001"
    assert validate_upn("m80120000500a") == "M80120000500A"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Enter the UPN"),
        ("   ", "Enter the UPN"),
        ("B80120000500", "has 13 characters; this one has 12"),
        ("B8012000050011", "has 13 characters; this one has 14"),
        ("I801200005001", "starts with a check letter other than I, O or S"),
        ("O801200005001", "starts with a check letter other than I, O or S"),
        ("S801200005001", "starts with a check letter other than I, O or S"),
        ("1801200005001", "starts with a check letter"),
        ("B8012000O5001", "character 9 is 'O'"),
        ("B801 00005001", "character 5 is a space"),
        ("B80120000500I", "last character of a UPN is a digit"),
        ("B80120000500S", "last character of a UPN is a digit"),
        ("B80120000500-", "last character of a UPN is a digit"),
    ],
)
def test_invalid_upn_says_what_is_wrong(value, message):
    with pytest.raises(InvalidUPN, match=message):
        validate_upn(value)


def test_invalid_upn_is_a_value_error():
    assert issubclass(InvalidUPN, ValueError)


def test_make_upn_builds_the_domain_example():
    assert make_upn("801", "2000", "05", "001") == "B801200005001"


@pytest.mark.parametrize("serial", [f"{n:03d}" for n in range(0, 1000, 37)] + ["00A", "12z"])
def test_make_upn_builds_valid_upns(serial):
    upn = make_upn("873", "4012", "26", serial)
    assert validate_upn(upn) == upn
    assert is_temporary(upn) is serial[-1].isalpha()


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (("80", "2000", "05", "001"), "LA number in a UPN has 3 characters, not 2"),
        (("801", "20000", "05", "001"), "establishment number in a UPN has 4 characters"),
        (("801", "2000", "5", "001"), "year of issue in a UPN has 2 characters"),
        (("801", "2000", "05", "0001"), "serial in a UPN has 3 characters"),
        (("8A1", "2000", "05", "001"), "character 3 is 'A'"),
        (("801", "2000", "05", "00O"), "last character of a UPN is a digit"),
    ],
)
def test_make_upn_refuses_bad_parts(parts, message):
    with pytest.raises(InvalidUPN, match=message):
        make_upn(*parts)
