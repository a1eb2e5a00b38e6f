CREATE TABLE `messages` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`rev` integer NOT NULL,
	`sender_id` text NOT NULL,
	`sender_handle` text NOT NULL,
	`sender_name` text NOT NULL,
	`cid` text NOT NULL,
	`body` text NOT NULL,
	`reply_to` integer,
	`mentions_json` text DEFAULT '[]' NOT NULL,
	`attachments_json` text DEFAULT '[]' NOT NULL,
	`created_at` integer NOT NULL,
	`edited_at` integer,
	`deleted_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `messages_sender_cid` ON `messages` (`sender_id`,`cid`);--> statement-breakpoint
CREATE INDEX `messages_rev` ON `messages` (`rev`);--> statement-breakpoint
CREATE INDEX `messages_created_at` ON `messages` (`created_at`);--> statement-breakpoint
CREATE TABLE `meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `reactions` (
	`seq` integer NOT NULL,
	`user_id` text NOT NULL,
	`emoji` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`seq`, `emoji`, `user_id`)
);
--> statement-breakpoint
CREATE TABLE `read_marks` (
	`user_id` text PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL,
	`at` integer NOT NULL
);
