-- Hand-added: failures inside the window still count after the deploy (keys gain the `login:` prefix).
INSERT INTO `rate_events` (`key`, `at`) SELECT 'login:' || `key`, `at` FROM `login_failures`;--> statement-breakpoint
DROP TABLE `login_failures`;
