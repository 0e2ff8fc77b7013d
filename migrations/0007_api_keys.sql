-- Service-account API keys for the OpenAI-compatible API (`npm run api-keys`). The key itself is
-- never stored: `key_hash` is `scrypt$N$r$p$salt$hash` with a per-key salt, and `lookup_id` (the
-- first 12 characters of the key's random part) finds the one row to check.
CREATE TABLE IF NOT EXISTS api_keys (
  id            BIGSERIAL PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE,
  lookup_id     TEXT NOT NULL UNIQUE,
  key_hash      TEXT NOT NULL,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  created_by    TEXT,
  last_used_at  TIMESTAMPTZ,
  revoked_at    TIMESTAMPTZ
);
