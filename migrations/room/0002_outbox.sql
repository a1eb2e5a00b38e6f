CREATE TABLE `inbox_subscribers` (
	`user_id` text PRIMARY KEY NOT NULL,
	`since` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `outbox` (
	`topic` text NOT NULL,
	`key` text NOT NULL,
	`value` text NOT NULL,
	PRIMARY KEY(`topic`, `key`)
);
