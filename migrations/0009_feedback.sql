-- Continuous learning (#16): the exact prompt of every answer, and corrections with the votes.
--
-- message_prompts: per answer, the messages the model saw, in order (system prompt, kept history,
-- the final user turn with any retrieved sections), as `[{"role": …, "content": …}]`, written by
-- the inference pipeline before generation. Datasets train on these, not on a rebuilt prompt.
CREATE TABLE IF NOT EXISTS message_prompts (
  message_id            BIGINT PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
  messages              JSONB NOT NULL,
  -- sha256 (hex) of the system prompt's text: which version of the system prompt was used.
  system_prompt_sha256  TEXT NOT NULL,
  -- History messages dropped to fit HISTORY_MAX_CHARS (not part of `messages`).
  dropped_history       INT NOT NULL DEFAULT 0,
  created_at            TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A 👎 may carry "what would have been right": stored with the user's vote on that answer
-- (one row per user per answer; the last vote and correction count).
ALTER TABLE feedback ADD COLUMN IF NOT EXISTS correction TEXT;
CREATE INDEX IF NOT EXISTS feedback_created_idx ON feedback (created_at);
