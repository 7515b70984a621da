"""Segment: word tokens for every document, by CKIP when a model is available, else by an offline fallback."""
