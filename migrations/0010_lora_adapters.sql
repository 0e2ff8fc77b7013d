-- LoRA adapters per channel (#16): which adapter (a LORA_ADAPTERS name) a channel's answers use,
-- keyed by ids like kb_bindings (renames never break it); one adapter per channel, none = the base
-- model. Changes are audited in kb_audit (action `adapter` / `adapter_detach`, scope = the name).
CREATE TABLE IF NOT EXISTS lora_bindings (
  platform   TEXT NOT NULL,
  tenant     TEXT NOT NULL,
  channel    TEXT NOT NULL,
  adapter    TEXT NOT NULL CHECK (adapter ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
  created_by TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (platform, tenant, channel)
);

-- Which adapter answered (its name and the sha256 of the file version loaded); NULL = the base model.
-- Datasets and the evaluation gate tell an adapter's answers from the base model's by these.
ALTER TABLE messages ADD COLUMN IF NOT EXISTS adapter TEXT;
ALTER TABLE messages ADD COLUMN IF NOT EXISTS adapter_sha256 TEXT;
