CREATE TABLE `push_windows` (
	`user_id` text NOT NULL,
	`room_id` text NOT NULL,
	`last_push_at` integer NOT NULL,
	`pending` integer DEFAULT 0 NOT NULL,
	`pending_payload` text,
	`flush_queued` integer DEFAULT false NOT NULL,
	PRIMARY KEY(`user_id`, `room_id`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`room_id`) REFERENCES `rooms`(`id`) ON UPDATE no action ON DELETE cascade
);
