"""What an LA triages a missing child on, recorded once on the pupil, with the DfE's codes.

The codes are those of the school census and the Common Transfer File (the DfE's Common
Basic Data Set), so a roll import or a CTF fills them in as the school's system holds them;
the school can correct them on the pupil's page. Each is optional: "not recorded" is said
as such, never guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# SEN provision (CBDS: SENprovision).
SEN_PROVISION = {
    "N": "No special educational need",
    "K": "SEN support",
    "E": "Education, health and care plan",
}

# Ethnicity, the DfE's main categories (CBDS: Ethnicity).
ETHNICITY = {
    "WBRI": "White - British",
    "WIRI": "White - Irish",
    "WIRT": "Traveller of Irish heritage",
    "WROM": "Gypsy/Roma",
    "WOTH": "Any other White background",
    "MWBC": "White and Black Caribbean",
    "MWBA": "White and Black African",
    "MWAS": "White and Asian",
    "MOTH": "Any other mixed background",
    "AIND": "Indian",
    "APKN": "Pakistani",
    "ABAN": "Bangladeshi",
    "AOTH": "Any other Asian background",
    "BCRB": "Black - Caribbean",
    "BAFR": "Black - African",
    "BOTH": "Any other Black background",
    "CHNE": "Chinese",
    "OOTH": "Any other ethnic group",
    "REFU": "Refused",
    "NOBT": "Information not yet obtained",
}
# The two census categories that make a pupil Gypsy, Roma or Traveller.
GYPSY_ROMA_TRAVELLER = frozenset({"WROM", "WIRT"})

# First language, the census's grouped codes (CBDS: the first language's category). A file
# that names the language itself (POL, URD...) is read as "other than English" and the
# language kept by its code.
FIRST_LANGUAGE = {
    "ENG": "English",
    "ENB": "Believed to be English",
    "OTH": "Other than English",
    "OTB": "Believed to be other than English",
    "REF": "Refused",
    "NOT": "Information not obtained",
}
ADDITIONAL_LANGUAGE = frozenset({"OTH", "OTB"})

YES_NO = {"yes": True, "no": False}


@dataclass(frozen=True)
class Characteristic:
    label: str
    value: str
    flag: bool = False  # worth the LA's attention at a glance


def described(pupil: Any) -> list[Characteristic]:
    """Each characteristic in words, "Not recorded" where the school has not said."""
    language = FIRST_LANGUAGE.get(pupil.first_language or "", "Not recorded")
    if pupil.language_spoken:
        language = f"{language} ({pupil.language_spoken})"
    ethnicity = ETHNICITY.get(pupil.ethnicity or "", "Not recorded")
    return [
        Characteristic(
            "Special educational needs",
            SEN_PROVISION.get(pupil.sen_provision or "", "Not recorded"),
            flag=pupil.sen_provision in ("K", "E"),
        ),
        Characteristic("Ethnicity", ethnicity, flag=pupil.ethnicity in GYPSY_ROMA_TRAVELLER),
        Characteristic(
            "First language",
            language,
            flag=pupil.first_language in ADDITIONAL_LANGUAGE,
        ),
        Characteristic(
            "Interpreter needed",
            _yes_no(pupil.interpreter_needed),
            flag=bool(pupil.interpreter_needed),
        ),
        Characteristic(
            "Eligible for free school meals",
            _yes_no(pupil.fsm_eligible),
            flag=bool(pupil.fsm_eligible),
        ),
        Characteristic(
            "Service family", _yes_no(pupil.service_child), flag=bool(pupil.service_child)
        ),
        Characteristic(
            "Believed to have gone to (country)",
            pupil.believed_country or "Not known",
            flag=bool(pupil.believed_country),
        ),
    ]


def flags(pupil: Any) -> list[str]:
    """The short labels an LA triages on, for a list or a referral's heading."""
    found = []
    if pupil.sen_provision == "E":
        found.append("EHC plan")
    elif pupil.sen_provision == "K":
        found.append("SEN support")
    if pupil.first_language in ADDITIONAL_LANGUAGE:
        found.append("EAL")
    if pupil.interpreter_needed:
        found.append("Interpreter")
    if pupil.ethnicity in GYPSY_ROMA_TRAVELLER:
        found.append("Gypsy, Roma or Traveller")
    if pupil.fsm_eligible:
        found.append("FSM")
    if pupil.service_child:
        found.append("Service family")
    return found


def _yes_no(value: bool | None) -> str:
    return "Not recorded" if value is None else ("Yes" if value else "No")


def first_language_from(code: str) -> tuple[str, str]:
    """Read a first-language code from a file: a grouped code as it is, a named language as
    "other than English" with the language kept."""
    code = code.strip().upper()
    if not code:
        return "", ""
    if code in FIRST_LANGUAGE:
        return code, ""
    return "OTH", code


def as_values(pupil: Any) -> Mapping[str, str]:
    """The pupil's characteristics as a form's values, for the edit page."""
    values = {
        "sen_provision": pupil.sen_provision or "",
        "ethnicity": pupil.ethnicity or "",
        "first_language": pupil.first_language or "",
        "language_spoken": pupil.language_spoken or "",
        "believed_country": pupil.believed_country or "",
    }
    for name in ("interpreter_needed", "fsm_eligible", "service_child"):
        value = getattr(pupil, name)
        values[name] = "" if value is None else ("yes" if value else "no")
    return values
