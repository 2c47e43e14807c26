"""classify: tag sections with MISPA pillars and thematic areas (taxonomy as data, spaCy matching)."""
