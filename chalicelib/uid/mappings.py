"""A team's confirmed and rejected ontology mappings (free text → term), remembered so
that the next upload is enriched with them and the question is not asked twice.

Stored in the ``dictionaries`` table: ``kind = "mapping:<team id>"``, ``key =
"<what>:<folded text>"``, ``label`` the term id, or empty for a rejected proposal.
"""

from __future__ import annotations

from chalicelib.accounts.models import DictionaryModel
from chalicelib.tables import bind
from chalicelib.validate.enrich import Kind, fold

KINDS = tuple(k.value for k in Kind)


def _bind() -> None:
    bind(DictionaryModel, "dictionaries_table")


def remember(team_id: str, kind: str, text: str, term: str | None, who: str) -> None:
    """Confirm ``text`` as ``term`` for the team, or reject the proposals (term None)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    if not text.strip():
        raise ValueError("text is required")
    _bind()
    DictionaryModel(f"mapping:{team_id}", f"{kind}:{fold(text)}", label=term or "",
                    country=text.strip()[:200], added_by=who).save()


def team_mappings(team_id: str) -> tuple[dict[str, dict[str, str]], set[tuple[str, str]]]:
    """(confirmed ``{kind: {text: term}}``, rejected ``{(kind, folded text)}``)."""
    _bind()
    confirmed: dict[str, dict[str, str]] = {}
    rejected: set[tuple[str, str]] = set()
    for item in DictionaryModel.query(f"mapping:{team_id}"):
        kind, _, folded = item.key.partition(":")
        if item.label:
            confirmed.setdefault(kind, {})[item.country or folded] = item.label
        else:
            rejected.add((kind, folded))
    return confirmed, rejected
