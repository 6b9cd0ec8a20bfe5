"""Where an index lives on disk: its schema, its generations and how they are written."""
