ALTER TABLE `messages` ADD `thread_of` integer;--> statement-breakpoint
ALTER TABLE `messages` ADD `reply_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `messages` ADD `last_reply_at` integer;--> statement-breakpoint
ALTER TABLE `messages` ADD `last_repliers_json` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `messages` ADD `pinned_by` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `pinned_at` integer;--> statement-breakpoint
CREATE INDEX `messages_main` ON `messages` (`seq`) WHERE thread_of IS NULL;--> statement-breakpoint
CREATE INDEX `messages_thread` ON `messages` (`thread_of`,`seq`) WHERE thread_of IS NOT NULL;--> statement-breakpoint
CREATE INDEX `messages_pinned` ON `messages` (`pinned_at`) WHERE pinned_at IS NOT NULL;