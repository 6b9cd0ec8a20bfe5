"""Building and updating an index from sources: the indexer and duplicate detection."""
