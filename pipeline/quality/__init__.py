"""Quality: per-document signals measured in characters, and filters over them."""
