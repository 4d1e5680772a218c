"""Files: atomic writes, model files, data tables."""
