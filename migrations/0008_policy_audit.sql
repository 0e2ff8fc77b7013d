-- Who may ask what, where; how long texts are kept; what an answer was made from; and an
-- append-only audit trail of administrative actions (issue #19).

-- The audit trail: one row per administrative action (knowledge, policy, API keys, assets,
-- erasure, retention runs). `actor` is who (`cli:alice`, `slack:U123`, `system`), `origin` from
-- where (`cli@host`, `slack:T024BE7LD`, `http:10.0.0.7`), `target` what it acted on.
CREATE TABLE IF NOT EXISTS audit_log (
  id       BIGSERIAL PRIMARY KEY,
  at       TIMESTAMPTZ NOT NULL DEFAULT now(),
  actor    TEXT NOT NULL,
  action   TEXT NOT NULL CHECK (action ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$'),
  target   TEXT,
  details  JSONB NOT NULL DEFAULT '{}'::jsonb,
  origin   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_log_at_idx ON audit_log (at, id);
CREATE INDEX IF NOT EXISTS audit_log_action_idx ON audit_log (action, at);

-- Append-only at the database level: UPDATE, DELETE and TRUNCATE are refused for every role that
-- does not own the table's trigger (an owner can still drop the trigger: that is a schema change,
-- visible in schema_migrations and the database's own logs).
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log;
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- What produced each answer: system prompt version (sha256 of its text), model identity (file name
-- and sha256), engine, LoRA adapter (NULL = none), and the documents given, with their versions.
CREATE TABLE IF NOT EXISTS answer_provenance (
  message_id     BIGINT PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
  prompt_sha256  TEXT NOT NULL,
  model_name     TEXT NOT NULL,
  model_sha256   TEXT,
  engine         TEXT NOT NULL,
  adapter        TEXT,
  -- [{n, documentId, scope, source, version, contentSha256}] (web results: {n, url, web: true})
  documents      JSONB NOT NULL DEFAULT '[]'::jsonb,
  recorded_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Retention and erasure remove texts and keep the rows (timings, token counts, model, sources)
-- for metrics: the text columns become nullable and the row says when and why they went.
ALTER TABLE messages ALTER COLUMN question DROP NOT NULL;
ALTER TABLE messages ADD COLUMN IF NOT EXISTS texts_removed_at TIMESTAMPTZ;
ALTER TABLE messages ADD COLUMN IF NOT EXISTS texts_removed_by TEXT CHECK (texts_removed_by IN ('retention', 'erasure'));
CREATE INDEX IF NOT EXISTS messages_retention_idx ON messages (created_at) WHERE texts_removed_at IS NULL;
CREATE INDEX IF NOT EXISTS messages_user_idx ON messages (platform, tenant, user_id);
ALTER TABLE diagnoses ALTER COLUMN request DROP NOT NULL;
ALTER TABLE diagnoses ADD COLUMN IF NOT EXISTS texts_removed_at TIMESTAMPTZ;

-- Channel policy (CHANNEL_POLICY=allowlist): channels allowed or denied by `npm run policy`.
CREATE TABLE IF NOT EXISTS policy_channels (
  platform    TEXT NOT NULL,
  tenant      TEXT NOT NULL,
  channel     TEXT NOT NULL,
  allowed     BOOLEAN NOT NULL,
  updated_by  TEXT NOT NULL,
  updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (platform, tenant, channel)
);

-- Who may run a command (chat, diagnose, kb, feedback-export, api). A command with no row is open
-- to everyone; with rows, only to the users and groups listed (per platform).
CREATE TABLE IF NOT EXISTS policy_commands (
  command     TEXT NOT NULL CHECK (command ~ '^[a-z][a-z0-9_-]*$'),
  platform    TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('user', 'group')),
  principal   TEXT NOT NULL,
  added_by    TEXT NOT NULL,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (command, platform, kind, principal)
);
