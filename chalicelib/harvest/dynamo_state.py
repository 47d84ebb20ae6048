"""The harvester's memory on AWS: one item of the ``dictionaries`` table
(``kind = "harvest"``, ``key = "state"``) holding :class:`RunState` as JSON."""

from __future__ import annotations

from chalicelib.accounts.models import DictionaryModel
from chalicelib.harvest.state import RunState
from chalicelib.tables import bind


class DynamoRunStateStore:
    """:class:`chalicelib.harvest.state.RunStateStore` in DynamoDB."""

    def __init__(self, key: str = "state") -> None:
        bind(DictionaryModel, "dictionaries_table")
        self.key = key

    def load(self) -> RunState:
        from pynamodb.exceptions import DoesNotExist

        try:
            item = DictionaryModel.get("harvest", self.key, consistent_read=True)
        except DoesNotExist:
            return RunState()
        return RunState.from_dict(item.data or {})

    def save(self, state: RunState) -> None:
        DictionaryModel("harvest", self.key, label="harvester state",
                        data=state.to_dict()).save()
