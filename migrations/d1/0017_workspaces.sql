CREATE TABLE `workspace_members` (
	`workspace_id` text NOT NULL,
	`user_id` text NOT NULL,
	`role` text DEFAULT 'member' NOT NULL,
	`joined_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `user_id`),
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `workspace_members_user_idx` ON `workspace_members` (`user_id`);--> statement-breakpoint
CREATE TABLE `workspaces` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`slug` text NOT NULL,
	`data_location` text,
	`retention_json` text,
	`join_policy` text DEFAULT 'invite' NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `workspaces_slug_unique` ON `workspaces` (`slug`);--> statement-breakpoint
ALTER TABLE `audit_log` ADD `workspace_id` text;--> statement-breakpoint
CREATE INDEX `audit_workspace_idx` ON `audit_log` (`workspace_id`,`id`);--> statement-breakpoint
ALTER TABLE `invites` ADD `workspace_id` text DEFAULT 'ws_default' NOT NULL;--> statement-breakpoint
ALTER TABLE `rooms` ADD `workspace_id` text DEFAULT 'ws_default' NOT NULL;--> statement-breakpoint
CREATE INDEX `rooms_workspace_idx` ON `rooms` (`workspace_id`,`kind`,`name`);--> statement-breakpoint
-- The default workspace holds everything that existed before workspaces: every room (by the
-- column default above) and every person (instance admins as its admins). New people join it at
-- sign-up ("open"), as everyone joined the instance before.
INSERT INTO `workspaces` (`id`, `name`, `slug`, `data_location`, `retention_json`, `join_policy`, `created_by`, `created_at`)
  VALUES ('ws_default', 'Confab', 'default', NULL, NULL, 'open', NULL, CAST(unixepoch('subsec') * 1000 AS integer));--> statement-breakpoint
INSERT INTO `workspace_members` (`workspace_id`, `user_id`, `role`, `joined_at`)
  SELECT 'ws_default', `id`, CASE `role` WHEN 'admin' THEN 'admin' ELSE 'member' END, `created_at` FROM `users`;--> statement-breakpoint
UPDATE `audit_log` SET `workspace_id` = 'ws_default' WHERE `room_id` IS NOT NULL;
