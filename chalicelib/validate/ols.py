"""An optional online resolver for terms the store does not hold: the EBI Ontology Lookup
Service (OLS4). Off unless the stage sets ``OLS_URL`` (or the CLI gets ``--ols``); a term
found there is added to the store with its label, synonyms and every ancestor, so the
rules (labels, descendants) treat it like a loaded term. An OLS outage is an error, never
"unknown": the validation is retried rather than reporting terms wrongly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests

from chalicelib.validate.terms import InMemoryTermStore, Term, normalize_term_id

_EFO_BASE = "http://www.ebi.ac.uk/efo/"
_OBO_BASE = "http://purl.obolibrary.org/obo/"


class OlsUnavailable(RuntimeError):
    """OLS did not answer usefully (down, timeout, not JSON)."""


def iri_of(term_id: str) -> str:
    """The IRI of a short term id (``EFO_0001741`` → the EFO namespace, others → OBO)."""
    tid = normalize_term_id(term_id)
    if tid.startswith(("http://", "https://")):
        return tid
    return (_EFO_BASE if tid.startswith("EFO_") else _OBO_BASE) + tid


class OlsClient:
    """The two OLS4 calls the validator needs (HTTP adapter, nothing else)."""

    def __init__(self, base_url: str, *, timeout: float = 10,
                 session: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = session or requests.Session()

    def _get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any] | None:
        try:
            answer = self.session.get(f"{self.base_url}{path}", params=params,
                                      timeout=self.timeout,
                                      headers={"Accept": "application/json"})
        except requests.RequestException as exc:
            raise OlsUnavailable(f"OLS did not answer: {exc}") from exc
        if answer.status_code == 404:
            return None
        if answer.status_code != 200:
            raise OlsUnavailable(f"OLS answered {answer.status_code}")
        try:
            doc = answer.json()
        except ValueError as exc:
            raise OlsUnavailable("OLS answered something that is not JSON") from exc
        if not isinstance(doc, dict):
            raise OlsUnavailable("OLS answered an unexpected shape")
        return doc

    def term(self, term_id: str) -> Term | None:
        """The term with all its ancestors as parents, or None when OLS does not know it."""
        iri = iri_of(term_id)
        doc = self._get("/terms", {"iri": iri})
        found = (doc or {}).get("_embedded", {}).get("terms") or []
        if not found:
            return None
        best = next((t for t in found if t.get("is_defining_ontology")), found[0])
        ontology = best.get("ontology_name", "")
        encoded = quote(quote(iri, safe=""), safe="")
        ancestors_doc = self._get(f"/ontologies/{ontology}/terms/{encoded}/"
                                  "hierarchicalAncestors", {"size": 1000}) or {}
        ancestors = tuple(normalize_term_id(a.get("short_form") or a.get("iri", ""))
                          for a in ancestors_doc.get("_embedded", {}).get("terms") or []
                          if a.get("short_form") or a.get("iri"))
        return Term(id=normalize_term_id(best.get("short_form") or term_id),
                    label=str(best.get("label", "")),
                    synonyms=tuple(str(s) for s in best.get("synonyms") or ()),
                    parents=ancestors, obsolete=bool(best.get("is_obsolete")))


@dataclass
class ResolvingTermStore(InMemoryTermStore):
    """An in-memory store that asks OLS about ids it does not hold (once per id)."""

    resolver: OlsClient | None = None
    _asked: set[str] = field(default_factory=set, repr=False)

    def get(self, term_id: str) -> Term | None:
        term = super().get(term_id)
        if term is not None or self.resolver is None:
            return term
        tid = normalize_term_id(term_id)
        if tid in self._asked:
            return None
        self._asked.add(tid)
        fetched = self.resolver.term(tid)
        if fetched is None:
            return None
        self.add(fetched)
        return super().get(tid)


def resolving(store: InMemoryTermStore, ols_url: str | None) -> InMemoryTermStore:
    """``store`` itself when no OLS URL is set; else a copy that resolves through OLS."""
    if not ols_url:
        return store
    wrapped = ResolvingTermStore(resolver=OlsClient(ols_url))
    for term in store.all_terms():
        wrapped.add(term)
    for species, breed in store._species_breed.items():
        wrapped.set_general_breed(species, breed)
    return wrapped
