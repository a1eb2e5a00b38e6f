-- SQLite adds a NOT NULL column only with a default: '' and 0 stand in until the backfill
-- below; the app always writes both (and the unique index refuses a second '').
ALTER TABLE `sessions` ADD `id` text NOT NULL DEFAULT '';--> statement-breakpoint
UPDATE `sessions` SET `id` = 'ses_' || lower(hex(randomblob(12)));--> statement-breakpoint
ALTER TABLE `sessions` ADD `user_agent` text;--> statement-breakpoint
ALTER TABLE `sessions` ADD `last_seen_at` integer NOT NULL DEFAULT 0;--> statement-breakpoint
UPDATE `sessions` SET `last_seen_at` = `created_at`;--> statement-breakpoint
CREATE UNIQUE INDEX `sessions_id_unique` ON `sessions` (`id`);
