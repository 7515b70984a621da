"""Quality: per-document signals measured in characters (signals.py, regional.py), and the rules
over them, one module each (rules/)."""
