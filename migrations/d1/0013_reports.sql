CREATE TABLE `reports` (
	`id` text PRIMARY KEY NOT NULL,
	`room_id` text NOT NULL,
	`seq` integer NOT NULL,
	`reporter_id` text NOT NULL,
	`author_id` text,
	`reason` text NOT NULL,
	`note` text DEFAULT '' NOT NULL,
	`excerpt` text NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`action` text,
	`created_at` integer NOT NULL,
	`closed_by` text,
	`closed_at` integer,
	FOREIGN KEY (`room_id`) REFERENCES `rooms`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`reporter_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`author_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`closed_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `reports_one_per_person` ON `reports` (`room_id`,`seq`,`reporter_id`);--> statement-breakpoint
CREATE INDEX `reports_room_status_idx` ON `reports` (`room_id`,`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `reports_status_idx` ON `reports` (`status`,`created_at`);