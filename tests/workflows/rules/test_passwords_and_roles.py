from datetime import date

from workflows.rules.passwords import password_problem
from workflows.rules.phases import days_inclusive, phase_status_on
from workflows.rules.roles import ROLE_PERMISSIONS, Permission, Role, has_permission


def test_s20_password_shorter_than_12_is_refused():
    assert "minstens 12" in (password_problem("Kort-maar-1") or "")


def test_s20_common_passwords_are_refused_even_when_long_enough():
    for common in ("welkom123456", "Wachtwoord1234", "qwertyuiopasdf", "aaaaaaaaaaaa"):
        assert password_problem(common) is not None, common


def test_s20_a_password_containing_the_users_own_name_is_weaker():
    related = ["beleid@enschede.example", "Beleidsmedewerker Enschede"]
    assert password_problem("beleidenschede") is None
    assert password_problem("beleidenschede", related=related) is not None


def test_s20_long_passphrases_up_to_128_characters_are_accepted():
    assert password_problem("paarse olifant fietst langs de Dinkel") is None
    assert password_problem("q7R#vL2m!pX9dT4w" * 4) is None
    assert password_problem("lange zin met woorden " * 5 + "en meer") is None
    assert password_problem("x" * 129) is not None


def test_only_administrators_edit_organisations_and_manage_users():
    for role in Role:
        expected = role is Role.ADMINISTRATOR
        assert has_permission(role, Permission.EDIT_ORGANISATIONS) is expected
        assert has_permission(role, Permission.MANAGE_USERS) is expected


def test_every_role_has_a_permission_set():
    assert set(ROLE_PERMISSIONS) == set(Role)


def test_phase_status_follows_inclusive_end_dates():
    start, end = date(2025, 1, 1), date(2026, 1, 1)
    assert phase_status_on(start, end, today=date(2024, 12, 31)) == "planned"
    assert phase_status_on(start, end, today=date(2026, 1, 1)) == "active"
    assert phase_status_on(start, end, today=date(2026, 1, 2)) == "ended"
    assert days_inclusive(date(2024, 2, 1), date(2024, 12, 31)) == 335
