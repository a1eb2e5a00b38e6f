CREATE TABLE `admin_sockets` (
	`session_hash` text NOT NULL,
	`user_id` text NOT NULL,
	`room_id` text NOT NULL,
	PRIMARY KEY(`session_hash`, `room_id`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`room_id`) REFERENCES `rooms`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `admin_sockets_user_idx` ON `admin_sockets` (`user_id`);