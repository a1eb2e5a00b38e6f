CREATE TABLE `thread_follows` (
	`room_id` text NOT NULL,
	`root_seq` integer NOT NULL,
	`user_id` text NOT NULL,
	`following` integer NOT NULL,
	`last_read_seq` integer DEFAULT 0 NOT NULL,
	`changed_at` integer NOT NULL,
	PRIMARY KEY(`room_id`, `root_seq`, `user_id`),
	FOREIGN KEY (`room_id`) REFERENCES `rooms`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `thread_follows_user` ON `thread_follows` (`user_id`,`room_id`);--> statement-breakpoint
CREATE TABLE `thread_replies` (
	`room_id` text NOT NULL,
	`seq` integer NOT NULL,
	`root_seq` integer NOT NULL,
	`sender_id` text NOT NULL,
	PRIMARY KEY(`room_id`, `seq`),
	FOREIGN KEY (`room_id`) REFERENCES `rooms`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `thread_replies_root` ON `thread_replies` (`room_id`,`root_seq`,`seq`);--> statement-breakpoint
CREATE TABLE `threads` (
	`room_id` text NOT NULL,
	`root_seq` integer NOT NULL,
	`rev` integer NOT NULL,
	`reply_count` integer NOT NULL,
	`last_reply_seq` integer NOT NULL,
	`last_reply_at` integer NOT NULL,
	`root_sender_id` text NOT NULL,
	`root_sender_name` text NOT NULL,
	`root_excerpt` text NOT NULL,
	PRIMARY KEY(`room_id`, `root_seq`),
	FOREIGN KEY (`room_id`) REFERENCES `rooms`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `mentions` ADD `root_seq` integer;