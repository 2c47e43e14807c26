-- v5 - each section's text score for every thematic area its text names (tagged or not), as JSON
-- {"2.4": 0.83, "4.1": 0.21}: the tagger writes it with the tags; search ranks by it. Sections
-- tagged before this version have "{}" until `mispa classify --all`.
ALTER TABLE sections ADD COLUMN topics TEXT NOT NULL DEFAULT '{}';
