"""What extending an arrangement touches, shown before the extension is added ("Verlengen")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from storage import agreements as agreement_store
from storage import mandates as mandate_store
from workflows.actors import Actor
from workflows.errors import InvalidInput
from workflows.registers import arrangements
from workflows.registers.agreements import snapshot as agreement_snapshot
from workflows.registers.agreements import term_of
from workflows.rules.acts import new
from workflows.rules.agreements import AgreementStatus
from workflows.rules.dutch_format import long_date
from workflows.rules.periods import ONE_DAY
from workflows.rules.roles import Permission


@dataclass(frozen=True)
class Effect:
    register: str  # "overeenkomst", "volmacht"
    subject: str
    text: str
    needs_action: bool


def extension_impact(
    session: Session, actor: Actor, arrangement_id: int, *, new_end: date
) -> list[Effect]:
    actor.require(Permission.EDIT_ARRANGEMENTS)
    arrangement = arrangements.visible(session, actor, arrangement_id)
    if not arrangement.phases:
        raise InvalidInput(
            {"end_on": "Einddatum: de regeling heeft nog geen fase om te verlengen."}
        )
    start = arrangement.phases[-1].end_on + ONE_DAY
    if new_end < start:
        raise InvalidInput(
            {
                "end_on": (
                    f"Einddatum: de verlenging begint op {long_date(start)} "
                    "en moet daarna eindigen."
                )
            }
        )
    effects: list[Effect] = []
    for agreement in agreement_store.list_agreements(session, arrangement_ids=[arrangement.id]):
        if agreement.status in {AgreementStatus.ENDED, AgreementStatus.TERMINATED}:
            continue
        term = term_of(agreement_snapshot(agreement))
        subject = f"{agreement.reference} – {agreement.provider.name}"
        if agreement.maximum_end_on < new_end:
            effects.append(
                Effect(
                    "overeenkomst",
                    subject,
                    f"loopt uiterlijk tot {long_date(agreement.maximum_end_on)}: "
                    "voor de verlenging is een nieuwe overeenkomst of een wijziging nodig "
                    "(Aanbestedingswet 2.163b).",
                    True,
                )
            )
        elif agreement.end_on < new_end:
            left = agreement.extension_count - agreement.extensions_used
            effects.append(
                Effect(
                    "overeenkomst",
                    subject,
                    f"eindigt op {long_date(agreement.end_on)}; verlengen met een optie "
                    f"({left} van {agreement.extension_count} over), opzeggen uiterlijk "
                    f"{long_date(term.notice_deadline())}.",
                    True,
                )
            )
        else:
            effects.append(
                Effect("overeenkomst", subject, f"loopt tot {long_date(agreement.end_on)}.", False)
            )
    for mandate in mandate_store.list_mandates(session, arrangement_id=arrangement.id):
        if not mandate.includes_extensions:
            effects.append(
                Effect(
                    mandate.kind,
                    mandate.title,
                    "dekt alleen de genoemde fasen, niet de verlenging: "
                    f"{new(mandate.kind)} is nodig.",
                    True,
                )
            )
        elif mandate.valid_until is not None and mandate.valid_until < new_end:
            effects.append(
                Effect(
                    mandate.kind,
                    mandate.title,
                    f"dekt verlengingen, maar is geldig tot {long_date(mandate.valid_until)}.",
                    True,
                )
            )
        else:
            effects.append(
                Effect(
                    mandate.kind,
                    mandate.title,
                    "dekt de verlenging (ook eventuele verlengingen).",
                    False,
                )
            )
    effects.append(
        Effect(
            "termijnen",
            "Termijnen en signalen",
            "worden na het opslaan opnieuw berekend uit de registers.",
            False,
        )
    )
    return effects
