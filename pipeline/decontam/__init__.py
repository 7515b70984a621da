"""Decontamination: documents that share a long character n-gram with an evaluation benchmark's items."""
