-- Tokens issued before a user's password changed stop working: auth_authenticate refuses a
-- token whose iat (seconds) is before tokens_valid_after (UNIX seconds, 0 = no such change yet).
ALTER TABLE users ADD COLUMN tokens_valid_after BIGINT NOT NULL DEFAULT 0 AFTER status;
