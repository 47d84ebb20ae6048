"""Teams (gene banks) and their members, one table.

``teams``: hash ``team_id``, range ``item``: ``TEAM`` for the team itself and
``MEMBER#<user id>`` per member; GSI ``by_member`` (``user_id``, ``team_id``) answers "which
teams is this person in" with one query. Every read of team data is keyed by team id.
"""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model


class TeamsByMember(GlobalSecondaryIndex["TeamItemModel"]):
    class Meta:
        index_name = "by_member"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    team_id = UnicodeAttribute(range_key=True)


class TeamItemModel(Model):
    class Meta:
        table_name = "unbound-teams"
        region = "eu-west-1"

    team_id = UnicodeAttribute(hash_key=True)
    item = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute(null=True)
    country = UnicodeAttribute(null=True)
    user_id = UnicodeAttribute(null=True)
    email = UnicodeAttribute(null=True)
    role = UnicodeAttribute(null=True)  # admin or member
    added_by = UnicodeAttribute(null=True)
    webin_user = UnicodeAttribute(null=True)
    webin_updated_at = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute(null=True)

    by_member = TeamsByMember()
