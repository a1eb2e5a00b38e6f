CREATE TABLE `delivered_marks` (
	`user_id` text PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL
);
