"""People: user profiles and the shared dictionaries (organizations...), in DynamoDB.

``users``: hash ``user_id`` (the Cognito ``sub``), GSI ``by_email``. Besides profiles it
holds revoked tokens (``user_id = "revoked#<jti>"``, expiring with the token), so that
logging out ends a token before its natural expiry.
``dictionaries``: hash ``kind`` (``organization``...), range ``key``.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model


class UsersByEmail(GlobalSecondaryIndex["UserModel"]):
    class Meta:
        index_name = "by_email"
        projection = AllProjection()

    email = UnicodeAttribute(hash_key=True)


class UserModel(Model):
    """A person's profile (the account itself lives in Cognito)."""

    class Meta:
        table_name = "unbound-users"
        region = "eu-west-1"

    user_id = UnicodeAttribute(hash_key=True)
    email = UnicodeAttribute(null=True)
    first_name = UnicodeAttribute(default="")
    last_name = UnicodeAttribute(default="")
    initials = UnicodeAttribute(default="")
    affiliation = UnicodeAttribute(default="")
    role = UnicodeAttribute(default="")
    organization = UnicodeAttribute(default="")
    site_admin = BooleanAttribute(default=False)
    #: Event kinds this person does not want by email, e.g. ["upload_loaded"].
    email_opt_out = JSONAttribute(default=list)
    created_at = UTCDateTimeAttribute(null=True)
    #: Set on revoked-token, refresh-token and sign-out items only (DynamoDB TTL).
    expires_at = NumberAttribute(null=True)
    #: Refresh-token items: whose token it is and when it was issued; sign-out items: when
    #: the person signed out (epoch seconds).
    owner = UnicodeAttribute(null=True)
    issued_at = NumberAttribute(null=True)

    by_email = UsersByEmail()


class DictionaryModel(Model):
    """An entry of a shared dictionary (organizations for now)."""

    class Meta:
        table_name = "unbound-dictionaries"
        region = "eu-west-1"

    kind = UnicodeAttribute(hash_key=True)
    key = UnicodeAttribute(range_key=True)
    label = UnicodeAttribute()
    country = UnicodeAttribute(default="")
    added_by = UnicodeAttribute(null=True)
    #: Kind-specific details (for ontology terms: synonyms, parents, obsolete, kind).
    data = JSONAttribute(null=True)
