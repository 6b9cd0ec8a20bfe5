"""Indonesian language: the analysis chain, its word tables and dates. Imports nothing of the engine."""
