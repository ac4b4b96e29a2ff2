"""Unique Pupil Numbers: check letter, validation and building UPNs."""

ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"
UPN_LENGTH = 13


class InvalidUPN(ValueError):
    """A UPN that is not 13 valid characters with the right check letter."""


def _describe(char: str) -> str:
    return "a space" if char.isspace() else f"'{char}'"


def _check_body(body: str) -> None:
    """Raise InvalidUPN unless body is characters 2-13 of a UPN."""
    if len(body) != UPN_LENGTH - 1:
        raise InvalidUPN(
            f"A UPN without its check letter has {UPN_LENGTH - 1} characters; "
            f"this one has {len(body)}."
        )
    for position, char in enumerate(body[:-1], start=2):
        if char not in "0123456789":
            raise InvalidUPN(
                f"Characters 2 to 12 of a UPN are digits, but character {position} "
                f"is {_describe(char)}."
            )
    last = body[-1]
    if last not in "0123456789" and last not in ALPHABET:
        raise InvalidUPN(
            f"The last character of a UPN is a digit, or for a temporary UPN a letter "
            f"other than I, O or S, but it is {_describe(last)}."
        )


def check_letter(twelve_chars: str) -> str:
    """Return the check letter for characters 2-13 of a UPN."""
    _check_body(twelve_chars)
    total = 0
    for weight, char in enumerate(twelve_chars, start=2):
        value = int(char) if char.isdigit() else ALPHABET.index(char)
        total += weight * value
    return ALPHABET[total % len(ALPHABET)]


def validate_upn(value: str) -> str:
    """Return the UPN stripped and in capitals, or raise InvalidUPN saying what is wrong."""
    upn = value.strip().upper()
    if not upn:
        raise InvalidUPN("Enter the UPN: 13 characters, like B801200005001.")
    if len(upn) != UPN_LENGTH:
        raise InvalidUPN(f"A UPN has {UPN_LENGTH} characters; this one has {len(upn)}.")
    first = upn[0]
    if first not in ALPHABET:
        raise InvalidUPN(
            f"A UPN starts with a check letter other than I, O or S, "
            f"but this one starts with {_describe(first)}."
        )
    expected = check_letter(upn[1:])
    if first != expected:
        raise InvalidUPN(
            f"The check letter should be {expected}, not {first}; "
            "one of the characters may be mistyped."
        )
    return upn


def is_temporary(upn: str) -> bool:
    """Say whether a valid UPN is a temporary one, ending in a letter."""
    return validate_upn(upn)[-1].isalpha()


def make_upn(la: str, estab: str, year2: str, serial: str) -> str:
    """Build a valid UPN from its LA, establishment, year of issue and serial parts."""
    for name, part, length in (
        ("LA number", la, 3),
        ("establishment number", estab, 4),
        ("year of issue", year2, 2),
        ("serial", serial, 3),
    ):
        if len(part) != length:
            raise InvalidUPN(f"The {name} in a UPN has {length} characters, not {len(part)}.")
    body = f"{la}{estab}{year2}{serial}".upper()
    return check_letter(body) + body
