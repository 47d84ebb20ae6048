"""The Unified Internal Database (UID): pynamodb models of the tables.

Keys follow the access patterns (see README, "UID keys"):

* ``submissions``: hash ``team_id``, range ``submission_id``: a team lists its own
  submissions with one Query, and no query can cross into another team's partition.
* ``records``: hash ``submission_id``, range ``record_id``: the records of a submission
  paged in one Query; a record by id with one GetItem. GSI ``by_accession`` finds a record
  from its BioSamples accession; GSI ``by_team_source`` finds a team's record by data source
  id across submissions (reloads and duplicates).

Table names and the endpoint are bound at run time by :func:`chalicelib.uid.tables.bind`.
"""

from __future__ import annotations

from pynamodb.attributes import (
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model


class SubmissionModel(Model):
    """A team's submission: the facts files do not carry, the uploaded file, its status."""

    class Meta:
        table_name = "unbound-submissions"
        region = "eu-west-1"

    team_id = UnicodeAttribute(hash_key=True)
    submission_id = UnicodeAttribute(range_key=True)
    title = UnicodeAttribute(default="")
    #: The facts files do not carry (chalicelib.submission_facts.SubmissionFacts).
    facts = JSONAttribute(null=True)
    created_by = UnicodeAttribute(null=True)
    status = UnicodeAttribute(default="WAITING")
    status_message = UnicodeAttribute(default="")
    file_key = UnicodeAttribute(null=True)
    file_name = UnicodeAttribute(null=True)
    file_size = NumberAttribute(null=True)
    file_etag = UnicodeAttribute(null=True)
    #: Counts by record status and material, kept up to date by the flows.
    counts = JSONAttribute(default=dict)
    #: Located problems of the last upload (capped, see ingest flow).
    problems = JSONAttribute(default=list)
    #: The last validation: ruleset version, summary, problems grouped by (code, field).
    validation = JSONAttribute(null=True)
    #: Free text the enrichment could not map with certainty: proposals to confirm.
    mappings = JSONAttribute(default=list)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    version = VersionAttribute()


class RecordsByAccession(GlobalSecondaryIndex["RecordModel"]):
    """A record from its BioSamples accession."""

    class Meta:
        index_name = "by_accession"
        projection = AllProjection()

    accession = UnicodeAttribute(hash_key=True)


class RecordsByTeamSource(GlobalSecondaryIndex["RecordModel"]):
    """A team's record from its data source id, across submissions."""

    class Meta:
        index_name = "by_team_source"
        projection = AllProjection()

    team_id = UnicodeAttribute(hash_key=True)
    data_source_id = UnicodeAttribute(range_key=True)


class RecordModel(Model):
    """One animal or sample of a submission, with its validation and BioSamples state."""

    class Meta:
        table_name = "unbound-records"
        region = "eu-west-1"

    submission_id = UnicodeAttribute(hash_key=True)
    record_id = UnicodeAttribute(range_key=True)
    team_id = UnicodeAttribute()
    data_source_id = UnicodeAttribute()
    material = UnicodeAttribute()
    status = UnicodeAttribute(default="LOADED")
    #: The canonical record (chalicelib.records.Record.to_dict()).
    data = JSONAttribute(default=dict)
    validation = JSONAttribute(null=True)
    accession = UnicodeAttribute(null=True)
    content_hash = UnicodeAttribute(default="")
    #: Digest of the sample last written to BioSamples (None: never completed).
    submitted_hash = UnicodeAttribute(null=True)
    #: BioSamples' own words when the record is in ERROR.
    message = UnicodeAttribute(null=True)
    #: The submission worker holding the record, and until when (epoch seconds).
    claimed_by = UnicodeAttribute(null=True)
    claim_until = NumberAttribute(null=True)
    history = JSONAttribute(default=list)
    updated_at = UTCDateTimeAttribute()
    version = VersionAttribute()

    by_accession = RecordsByAccession()
    by_team_source = RecordsByTeamSource()
