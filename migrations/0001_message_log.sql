-- The message log: one row per question the bot received, keyed by the inference job id
-- (derived from the platform event id). It holds question, answer and reasoning apart, the model
-- file's sha256 and timings, and makes delivery idempotent (delivered_at, reply_ref).
CREATE TABLE IF NOT EXISTS messages (
  id            BIGSERIAL PRIMARY KEY,
  job_id        TEXT NOT NULL UNIQUE,
  platform      TEXT NOT NULL,
  tenant        TEXT NOT NULL,
  channel       TEXT NOT NULL,
  thread        TEXT NOT NULL,
  user_id       TEXT NOT NULL,
  kind          TEXT NOT NULL DEFAULT 'chat',
  question      TEXT NOT NULL,
  answer        TEXT,
  reasoning     TEXT,
  status        TEXT NOT NULL DEFAULT 'generating'
                CHECK (status IN ('generating', 'answered', 'stopped', 'failed', 'delivered')),
  error         TEXT,
  model_sha256  TEXT,
  prompt_tokens INT,
  completion_tokens INT,
  timings       JSONB NOT NULL DEFAULT '{}'::jsonb,
  reply_ref     JSONB,
  attempts      INT NOT NULL DEFAULT 1,
  delivery_attempts INT NOT NULL DEFAULT 0,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  answered_at   TIMESTAMPTZ,
  delivered_at  TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS messages_conversation_idx ON messages (platform, tenant, channel, thread, created_at);
