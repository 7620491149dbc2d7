"""Load stage: canonical records and vocabularies into the normalized schema."""

from etl.load.concepts import sync_concepts

__all__ = ["sync_concepts"]
