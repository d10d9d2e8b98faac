-- What an answer quoted, as it was then: the server library's version, and per excerpt the version
-- (a fingerprint of the text, not the metadata) and title of the document it came from. NULL in
-- answers stored before: their buttons only tell a removed document from a present one.
ALTER TABLE answers ADD COLUMN library_version TEXT;
ALTER TABLE excerpts ADD COLUMN document_version TEXT;
ALTER TABLE excerpts ADD COLUMN document_title TEXT;
