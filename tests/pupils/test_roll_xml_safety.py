"""A CTF is read with defusedxml: no document type or entities in any encoding, and a limit."""

import pytest

from fieldvisit.pupils import roll_files
from fieldvisit.pupils.roll_files import RollFileError, parse_roll
from tests.pupils.test_roll_import import roll, upload, upn

LAUGHS = """<?xml version="1.0" encoding="UTF-16"?>
<!DOCTYPE CTfile [
  <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
]>
<CTfile><CTFpupilData><Pupil><Surname>&c;</Surname></Pupil></CTFpupilData></CTfile>
"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE CTfile [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<CTfile><CTFpupilData><Pupil><Surname>&x;</Surname></Pupil></CTFpupilData></CTfile>
"""
DTD_ONLY = """<?xml version="1.0"?>
<!DOCTYPE CTfile SYSTEM "http://example.invalid/ctf.dtd">
<CTfile><CTFpupilData><Pupil><UPN>X</UPN></Pupil></CTFpupilData></CTfile>
"""


def pupil_xml(serial: int) -> str:
    return (
        f"<Pupil><UPN>{upn(serial)}</UPN><Surname>Nowak</Surname><Forename>Kacper</Forename>"
        "<DOB>2014-09-12</DOB><Sex>M</Sex></Pupil>"
    )


@pytest.mark.parametrize(
    "data",
    [
        LAUGHS.encode("utf-16"),
        LAUGHS.replace("UTF-16", "UTF-8").encode(),
        EXTERNAL.encode("utf-16"),
        EXTERNAL.encode(),
        DTD_ONLY.encode("utf-16"),
        DTD_ONLY.encode(),
    ],
    ids=["laughs-utf16", "laughs-utf8", "external-utf16", "external-utf8", "dtd-utf16", "dtd"],
)
def test_a_document_type_or_entity_is_refused_in_any_encoding(data):
    with pytest.raises(RollFileError, match=r"document type \(DTD\) or entities"):
        parse_roll(data)


def test_a_utf16_ctf_without_a_document_type_is_read_with_its_lines():
    text = f'<?xml version="1.0" encoding="UTF-16"?>\n<CTfile><CTFpupilData>\n{pupil_xml(1)}\n'
    text += "</CTFpupilData></CTfile>\n"
    parsed = parse_roll(text.encode("utf-16"))
    assert parsed.kind == "CTF" and parsed.rows == [
        (
            3,
            {
                "upn": upn(1),
                "forename": "Kacper",
                "surname": "Nowak",
                "date_of_birth": "2014-09-12",
                "sex": "M",
            },
        )
    ]


def test_a_ctf_with_too_many_elements_is_refused_with_a_clear_message(
    session, world, signed_in, monkeypatch
):
    monkeypatch.setattr(roll_files, "MAX_XML_ELEMENTS", 40)
    pupils = "".join(pupil_xml(n) for n in range(1, 10))
    ctf = f"<CTfile><CTFpupilData>{pupils}</CTFpupilData></CTfile>"
    response = upload(signed_in(world.school_user), ctf, "roll.xml")
    assert response.status_code == 400
    assert "more than 40 XML elements" in response.get_data(as_text=True)
    assert roll(session, world) == {}


def test_an_entity_in_an_upload_is_refused_on_the_page(session, world, signed_in):
    response = upload(signed_in(world.school_user), LAUGHS.encode("utf-16"), "roll.xml")
    assert response.status_code == 400
    assert "export it again" in response.get_data(as_text=True)
