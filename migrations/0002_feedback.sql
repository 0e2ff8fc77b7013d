-- Feedback on answers (👍/👎 from Slack or Teams), one vote per user per message (a later vote replaces it).
CREATE TABLE IF NOT EXISTS feedback (
  message_id  BIGINT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  platform    TEXT NOT NULL,
  user_id     TEXT NOT NULL,
  value       TEXT NOT NULL CHECK (value IN ('up', 'down')),
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (message_id, user_id)
);
