"""Dedup: exact and near-duplicate removal across all sources (a global stage)."""
