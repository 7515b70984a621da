"""Publish: every source's final documents → a Hugging Face dataset repository folder."""
