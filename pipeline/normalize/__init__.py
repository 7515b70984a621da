"""Normalize: Unicode clean-up, script and language identification, Simplified→Taiwan Traditional."""
