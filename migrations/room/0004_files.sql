CREATE TABLE `file_trash` (
	`key` text PRIMARY KEY NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `files` (
	`id` text PRIMARY KEY NOT NULL,
	`uploader_id` text NOT NULL,
	`name` text NOT NULL,
	`content_type` text NOT NULL,
	`kind` text NOT NULL,
	`state` text NOT NULL,
	`size` integer DEFAULT 0 NOT NULL,
	`width` integer,
	`height` integer,
	`preview_width` integer,
	`preview_height` integer,
	`seq` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `files_seq` ON `files` (`seq`,`created_at`);--> statement-breakpoint
ALTER TABLE `messages` ADD `files_bytes` integer DEFAULT 0 NOT NULL;