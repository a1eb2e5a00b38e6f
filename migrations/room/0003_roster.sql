CREATE TABLE `members` (
	`user_id` text PRIMARY KEY NOT NULL,
	`handle` text NOT NULL,
	`role` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `rate_state` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
