"""Thin wiring between the store and the pages: read store -> pure transform -> return."""
