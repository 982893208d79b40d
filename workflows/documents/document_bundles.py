"""Named bundles: one PDF of several documents, with an index page and a bookmark per
document (docs/architecture.md §6).

- ``bw`` (a decision dossier): the agenda form and, as annexes, the volmachten the decision
  grants;
- ``overeenkomst`` (an agreement): the agreement and the volmachten it rests on, so that the
  provider can see the lead municipality's authority (BW 3:71);
- ``volmachten`` (a mandate): every granting municipality's volmacht, with each
  municipality's signing status on the index page.

Missing or outdated documents are generated first; all conversions of a bundle happen in one
soffice call. Bundles are made by a background job, never inside a web request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import documents as store
from storage.decisions import Effect
from storage.documents import Bundle, Document
from storage.files import FileStore
from storage.mandates import Mandate
from workflows import audit
from workflows.actors import Actor
from workflows.decisions import decisions
from workflows.documents import documents
from workflows.documents.engine import bundles
from workflows.errors import InvalidInput, NotFound
from workflows.registers import agreements, mandates
from workflows.rules.acts import MandateKind
from workflows.rules.document_fields import MANDATE_BUNDLE_TITLES
from workflows.rules.dutch_format import long_date
from workflows.rules.roles import Permission

BUNDLE_LABELS = {
    "bw": "B&W-bundel",
    "overeenkomst": "Overeenkomstbundel",
    # Named after the kind of mandate most bundles hold; a mandaat's own bundle says so.
    "volmachten": MANDATE_BUNDLE_TITLES[MandateKind.VOLMACHT],
}
BUNDLE_SUBJECTS = {"bw": "decision", "overeenkomst": "agreement", "volmachten": "mandate"}
_GRANT_STATUS_WORDS = {
    "draft": "nog niet verleend",
    "granted": "verleend",
    "active": "verleend en van kracht",
    "expired": "verlopen",
    "revoked": "ingetrokken",
}

Progress = Callable[[int, int], None]
MAX_CHOSEN = 100
MIXED_SUBJECTS = (
    "Een bundel bevat documenten van één onderwerp. Deze documenten horen bij verschillende "
    "dossiers, mandaten, overeenkomsten of regelingen: maak per onderwerp een eigen bundel."
)


@dataclass(frozen=True)
class Planned:
    """What a named bundle holds: (kind, subject type, subject id, party) per document, with
    the note the index page shows for it."""

    title: str
    subject_type: str
    subject_id: int
    provider_id: int | None
    items: list[tuple[str, str, int, int | None, str]]


def plan(session: Session, actor: Actor, name: str, subject_id: int) -> Planned:
    if name == "bw":
        decision = decisions.get_visible(session, actor, subject_id)
        items: list[tuple[str, str, int, int | None, str]] = [
            ("agendaformulier", "decision", decision.id, None, "")
        ]
        granted = session.scalars(
            select(Effect.mandate_id).where(
                Effect.decision_id == decision.id,
                Effect.kind == "grant_mandate",
                Effect.mandate_id.is_not(None),
            )
        ).all()
        for mandate_id in dict.fromkeys(granted):
            assert mandate_id is not None
            mandate = mandates.get_visible(session, actor, mandate_id)
            grantors = [g for g in mandate.grants if g.grantor_id == decision.municipality_id]
            for grant in grantors or mandate.grants[:1]:
                items.append(("volmacht", "mandate", mandate.id, grant.grantor_id, "bijlage"))
        return Planned(
            f"{BUNDLE_LABELS['bw']}: {decision.subject}", "decision", decision.id, None, items
        )
    if name == "overeenkomst":
        agreement = agreements.get_visible(session, actor, subject_id)
        items = [("inkoopovereenkomst", "agreement", agreement.id, None, "")]
        for mandate in agreement.mandates:
            for grant in sorted(mandate.grants, key=lambda g: g.grantor.name):
                if grant.status in ("granted", "active"):
                    items.append(
                        ("volmacht", "mandate", mandate.id, grant.grantor_id, "bijlage (BW 3:71)")
                    )
        return Planned(
            f"{BUNDLE_LABELS['overeenkomst']}: {agreement.reference} {agreement.provider.name}",
            "agreement",
            agreement.id,
            agreement.provider_id,
            items,
        )
    if name == "volmachten":
        mandate = mandates.get_visible(session, actor, subject_id)
        items = [
            ("volmacht", "mandate", mandate.id, grant.grantor_id, _signing_status(grant))
            for grant in sorted(mandate.grants, key=lambda g: g.grantor.name)
        ]
        if not items:
            raise InvalidInput({"name": "Nog geen gemeente verleent dit: er is niets te bundelen."})
        return Planned(
            f"{_mandate_bundle_title(mandate.kind)}: {mandate.title}",
            "mandate",
            mandate.id,
            None,
            items,
        )
    raise InvalidInput({"name": "Bundel: kies bw, overeenkomst of volmachten."})


def _mandate_bundle_title(kind: str) -> str:
    # A mandaat's documents are mandaatbesluiten (docs/volmacht-en-mandaat.md), so its bundle
    # is not a "Volmachtenbundel".
    return MANDATE_BUNDLE_TITLES.get(kind, BUNDLE_LABELS["volmachten"])


def named_bundle_label(session: Session, name: str, subject_id: int) -> str:
    """The name of a subject's own bundle as its documents page offers it."""
    if name == "volmachten":
        mandate = session.get(Mandate, subject_id)
        if mandate is not None:
            return _mandate_bundle_title(mandate.kind)
    return BUNDLE_LABELS[name]


def _signing_status(grant: object) -> str:
    status = str(getattr(grant, "status", ""))
    granted_on = getattr(grant, "granted_on", None)
    word = _GRANT_STATUS_WORDS.get(status, status)
    return f"{word} op {long_date(granted_on)}" if granted_on is not None else word


def make_named(
    session: Session,
    files: FileStore,
    actor: Actor,
    name: str,
    subject_id: int,
    *,
    now: datetime,
    progress: Progress | None = None,
) -> Bundle:
    actor.require(Permission.GENERATE_DOCUMENTS)
    planned = plan(session, actor, name, subject_id)
    made: list[tuple[Document, str]] = []
    for number, (kind, subject_type, item_id, party_id, note) in enumerate(planned.items):
        document = documents.generate(
            session, files, actor, kind, subject_type, item_id, party_id=party_id, now=now
        )
        made.append((document, note))
        if progress is not None:
            progress(number + 1, len(planned.items) + 1)
    return _assemble(
        session,
        files,
        actor,
        name=name,
        title=planned.title,
        subject_type=planned.subject_type,
        subject_id=planned.subject_id,
        provider_id=planned.provider_id,
        parts=made,
        now=now,
    )


def make_from_documents(
    session: Session, files: FileStore, actor: Actor, document_ids: list[int], *, now: datetime
) -> Bundle:
    """A bundle of chosen documents, all visible to the actor and of one subject."""
    chosen = chosen_documents(session, actor, document_ids)
    first = chosen[0]
    return _assemble(
        session,
        files,
        actor,
        name="eigen",
        title=f"Bundel: {first.title}",
        subject_type=first.subject_type,
        subject_id=first.subject_id,
        provider_id=first.provider_id
        if all(d.provider_id == first.provider_id for d in chosen)
        else None,
        parts=[(d, "") for d in chosen],
        now=now,
    )


def chosen_documents(session: Session, actor: Actor, document_ids: list[int]) -> list[Document]:
    """The documents someone picks for a bundle. A bundle is listed with, and shown to the
    readers of, one subject; documents of another subject (a secret dossier, another
    provider's agreement) would reach readers who may not see them (S11, S12)."""
    actor.require(Permission.GENERATE_DOCUMENTS)
    if not document_ids or len(document_ids) > MAX_CHOSEN:
        raise InvalidInput({"document_ids": f"Kies 1 tot {MAX_CHOSEN} documenten."})
    chosen = [documents.get(session, actor, i) for i in dict.fromkeys(document_ids)]
    if len({(d.subject_type, d.subject_id) for d in chosen}) > 1:
        raise InvalidInput({"document_ids": MIXED_SUBJECTS})
    return chosen


def _assemble(
    session: Session,
    files: FileStore,
    actor: Actor,
    *,
    name: str,
    title: str,
    subject_type: str,
    subject_id: int,
    provider_id: int | None,
    parts: list[tuple[Document, str]],
    now: datetime,
) -> Bundle:
    same = identical(
        session,
        name=name,
        subject_type=subject_type,
        subject_id=subject_id,
        provider_id=provider_id,
        document_ids=[document.id for document, _ in parts],
    )
    if same is not None:
        return same
    documents.ensure_pdfs(session, files, [document for document, _ in parts])
    merged = bundles.merge(
        [
            bundles.BundlePart(
                title=document.title,
                pdf=files.read(document.pdf_key or ""),
                note=note,
            )
            for document, note in parts
        ],
        title=title,
        index=bundles.IndexPage(compiled_on=long_date(now.date())),
    )
    stored = files.put(merged)
    bundle = Bundle(
        name=name,
        title=title[:400],
        subject_type=subject_type,
        subject_id=subject_id,
        provider_id=provider_id,
        document_ids=[document.id for document, _ in parts],
        file_key=stored.key,
        sha256=stored.sha256,
        size=stored.size,
        pages=bundles.page_count(merged),
        made_by_id=actor.user_id,
        made_by_label=actor.label,
        made_at=now,
    )
    session.add(bundle)
    session.flush()
    audit.record(
        session,
        actor,
        action="generate",
        object_type="bundle",
        object_id=bundle.id,
        new_values={"name": name, "documents": bundle.document_ids, "sha256": stored.sha256},
    )
    return bundle


def identical(
    session: Session,
    *,
    name: str,
    subject_type: str,
    subject_id: int,
    provider_id: int | None,
    document_ids: list[int],
) -> Bundle | None:
    """An existing bundle of exactly these documents, in this order, for the same readers.

    A document row is one immutable version (a changed input makes a new row), so equal ids
    are equal versions, and the bundle would come out the same but for its compilation date:
    making it again would only add a copy to the list the provider chooses from."""
    for bundle in store.bundles_of(session, subject_type, subject_id):
        if (
            bundle.name == name
            and bundle.provider_id == provider_id
            and list(bundle.document_ids) == document_ids
        ):
            return bundle
    return None


def listed(session: Session, actor: Actor, subject_type: str, subject_id: int) -> list[Bundle]:
    actor.require(Permission.VIEW_DOCUMENTS)
    found = documents.subject(session, actor, subject_type, subject_id)
    if actor.is_provider:
        if found.type != "agreement" or not documents.listed(
            session, actor, subject_type, subject_id
        ):
            return []
        rows = store.bundles_of(
            session, subject_type, subject_id, provider_id=actor.organisation_id
        )
    else:
        rows = store.bundles_of(session, subject_type, subject_id)
    return [bundle for bundle in rows if _may_read_every_document(session, actor, bundle)]


def get(session: Session, actor: Actor, bundle_id: int) -> Bundle:
    actor.require(Permission.VIEW_DOCUMENTS)
    provider = actor.organisation_id if actor.is_provider else None
    missing = NotFound("Deze bundel bestaat niet of u heeft er geen toegang toe.")
    if actor.is_provider and provider is None:
        raise missing
    bundle = store.get_bundle(session, bundle_id, provider_id=provider)
    if bundle is None:
        raise missing
    try:
        documents.subject(session, actor, bundle.subject_type, bundle.subject_id)
    except (NotFound, InvalidInput) as error:
        raise missing from error
    if actor.is_provider and not documents.listed(
        session, actor, bundle.subject_type, bundle.subject_id
    ):
        raise missing
    if not _may_read_every_document(session, actor, bundle):
        raise missing
    return bundle


def _may_read_every_document(session: Session, actor: Actor, bundle: Bundle) -> bool:
    """A bundle's readers are those who may read every document in it (S11, S12): one page
    of a secret dossier in a bundle of a public one would otherwise reach everyone who sees
    the public one. Checked when the bundle is read, so bundles made before the one-subject
    rule are covered too."""
    wanted = list(dict.fromkeys(bundle.document_ids))
    held = store.documents_by_ids(session, wanted)
    if len(held) != len(wanted):
        return False
    annexes = _annexes_for_provider(session, actor, bundle)
    # Whether a document may be read depends only on its subject and its addressee.
    decided: dict[tuple[str, int, int | None], bool] = {}
    for document in held:
        if document.kind == "volmacht" and (document.subject_type, document.subject_id) in annexes:
            continue
        key = (document.subject_type, document.subject_id, document.provider_id)
        if key not in decided:
            decided[key] = documents.may_read(session, actor, document)
        if not decided[key]:
            return False
    return True


def _annexes_for_provider(session: Session, actor: Actor, bundle: Bundle) -> set[tuple[str, int]]:
    """The one exception: the provider reads the volmachten its agreement rests on, inside
    that agreement's bundle only, to see the lead municipality's authority (BW 3:71)."""
    if not actor.is_provider or bundle.name != "overeenkomst" or bundle.subject_type != "agreement":
        return set()
    agreement = agreements.get_visible(session, actor, bundle.subject_id)
    return {("mandate", mandate.id) for mandate in agreement.mandates}


def content(session: Session, files: FileStore, actor: Actor, bundle_id: int) -> documents.Content:
    bundle = get(session, actor, bundle_id)
    audit.record(
        session,
        actor,
        action="download",
        object_type="bundle",
        object_id=bundle.id,
        new_values={"sha256": bundle.sha256},
    )
    return documents.Content(
        files.read(bundle.file_key), f"bundel-{bundle.name}-{bundle.id}.pdf", documents.PDF_TYPE
    )
