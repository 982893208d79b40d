"""Issue 16, point 2: pages count through the ``aantal`` filter, so one of a thing is singular
("1 dossier") and none reads "geen …"."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from storage.organisations import find_organisation_by_name
from tests.conftest import POLICY, login
from webapp.database import sessions


def test_the_aantal_filter_counts_numbers_and_lists(app: Flask) -> None:
    template = app.jinja_env.from_string(
        "{{ rows | aantal('dossier') }}; {{ 3 | aantal('besluit') }}; {{ 0 | aantal('signaal') }}"
    )
    assert template.render(rows=["één"]) == "1 dossier; 3 besluiten; geen signalen"


def test_a_list_of_one_dossier_says_1_dossier(app: Flask, client: FlaskClient) -> None:
    with sessions(app)() as session:
        enschede = find_organisation_by_name(session, "Enschede")
        assert enschede is not None
        enschede_id = enschede.id
    login(client, POLICY)
    page = client.get(f"/besluiten/?gemeente={enschede_id}").get_data(as_text=True)
    assert '<caption class="utrecht-table__caption">1 dossier</caption>' in page
