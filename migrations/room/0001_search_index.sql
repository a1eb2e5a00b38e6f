-- Full-text index over message bodies, kept in step with inserts, edits, deletes and retention.
-- unicode61 with remove_diacritics 2 folds "café" and "cafe" together.
CREATE VIRTUAL TABLE `messages_fts` USING fts5(
	body,
	content='messages',
	content_rowid='seq',
	tokenize='unicode61 remove_diacritics 2'
);
--> statement-breakpoint
CREATE TRIGGER `messages_fts_insert` AFTER INSERT ON `messages` BEGIN
	INSERT INTO messages_fts(rowid, body) VALUES (new.seq, new.body);
END;
--> statement-breakpoint
CREATE TRIGGER `messages_fts_delete` AFTER DELETE ON `messages` BEGIN
	INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.seq, old.body);
END;
--> statement-breakpoint
CREATE TRIGGER `messages_fts_update` AFTER UPDATE OF body ON `messages` BEGIN
	INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.seq, old.body);
	INSERT INTO messages_fts(rowid, body) VALUES (new.seq, new.body);
END;
