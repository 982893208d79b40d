"""docs/security.md S17: a password change and "end all my sessions" end the other sessions."""

from tests.conftest import PASSWORD, POLICY, csrf_token, login

NEW = "paarse olifant fietst langs de Dinkel"


def test_s17_changing_the_password_ends_the_other_sessions_but_keeps_this_one(app):
    here, elsewhere = app.test_client(), app.test_client()
    login(here, POLICY)
    login(elsewhere, POLICY)
    response = here.post(
        "/account/wachtwoord",
        data={
            "current": PASSWORD,
            "new": NEW,
            "repeat": NEW,
            "csrf_token": csrf_token(here, "/account/wachtwoord"),
        },
    )
    assert response.status_code == 302
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302  # ended: back to the login page
    assert login(app.test_client(), POLICY, PASSWORD).status_code == 401
    assert login(app.test_client(), POLICY, NEW).status_code == 302


def test_a_wrong_current_password_or_a_weak_new_one_is_refused_in_dutch(app, client):
    login(client, POLICY)
    token = csrf_token(client, "/account/wachtwoord")
    response = client.post(
        "/account/wachtwoord",
        data={
            "current": "fout",
            "new": "welkom123456",
            "repeat": "welkom12345",
            "csrf_token": token,
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Huidig wachtwoord: klopt niet." in page
    assert "Herhaling: is niet gelijk" in page
    assert "te makkelijk te raden" in page
    assert "welkom123456" not in page
    assert login(app.test_client(), POLICY, PASSWORD).status_code == 302


def test_s17_end_all_my_sessions_keeps_only_this_one(app):
    here, phone, laptop = app.test_client(), app.test_client(), app.test_client()
    for client in (here, phone, laptop):
        login(client, POLICY)
    response = here.post(
        "/account/sessies-beeindigen", data={"csrf_token": csrf_token(here, "/account/wachtwoord")}
    )
    assert response.status_code == 302
    assert here.get("/").status_code == 200
    assert phone.get("/").status_code == 302 and laptop.get("/").status_code == 302
