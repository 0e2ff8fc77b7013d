-- The web console and web chat (#14). Sessions are server-side: the cookie carries a random id
-- (signed), the row is found by the id's SHA-256, and it ends at `expires_at` whatever the cookie says.
CREATE TABLE IF NOT EXISTS web_sessions (
  id_hash     TEXT PRIMARY KEY,
  -- `web:<sub>` (OIDC) or `web:local` (WEB_LOCAL).
  user_id     TEXT NOT NULL,
  user_name   TEXT,
  -- The issuer (tenant of the web platform's conversation keys), or `local`.
  tenant      TEXT NOT NULL,
  groups      JSONB NOT NULL DEFAULT '[]',
  is_admin    BOOLEAN NOT NULL DEFAULT false,
  -- Synchronizer token: every state-changing request must echo it.
  csrf_token  TEXT NOT NULL,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  expires_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS web_sessions_expires ON web_sessions (expires_at);

-- A user's web conversations. The turns are in `messages` (platform 'web', tenant, channel =
-- the group the chat draws knowledge from, thread = id).
CREATE TABLE IF NOT EXISTS web_chats (
  id          TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL,
  tenant      TEXT NOT NULL,
  web_group   TEXT NOT NULL,
  title       TEXT NOT NULL,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS web_chats_user ON web_chats (user_id, updated_at DESC);
