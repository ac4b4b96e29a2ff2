from tests.conftest import sign_in


def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "storage": "ok"}


def test_school_user_signs_in_and_sees_their_case(client, session, world):
    from tests.support.factories import make_case

    case = make_case(session, world)
    session.commit()
    response = sign_in(client, world.school_user)
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert case.pupil.surname in page
