-- Equipment fault diagnosis: the asset registry, fault-code catalogue per model, and diagnoses
-- with their structured result, outcome and feedback (resolved ones are labelled examples).
CREATE TABLE IF NOT EXISTS assets (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  model       TEXT NOT NULL,
  location    TEXT NOT NULL DEFAULT '',
  scope       TEXT,
  oncall      TEXT,
  updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS fault_codes (
  model       TEXT NOT NULL,
  code        TEXT NOT NULL,
  meaning     TEXT NOT NULL,
  severity    TEXT NOT NULL DEFAULT 'medium' CHECK (severity IN ('low', 'medium', 'high', 'critical')),
  updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (model, code)
);
CREATE TABLE IF NOT EXISTS diagnoses (
  id            BIGSERIAL PRIMARY KEY,
  asset_id      TEXT NOT NULL REFERENCES assets(id),
  fault_code    TEXT,
  symptom       TEXT NOT NULL,
  platform      TEXT NOT NULL,
  tenant        TEXT NOT NULL,
  channel       TEXT NOT NULL,
  requested_by  TEXT NOT NULL,
  status        TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'done', 'failed')),
  result        JSONB,
  outcome       TEXT CHECK (outcome IN ('resolved', 'escalated')),
  outcome_by    TEXT,
  outcome_at    TIMESTAMPTZ,
  feedback      TEXT CHECK (feedback IN ('up', 'down')),
  labelled_example BOOLEAN NOT NULL DEFAULT false,
  reply_ref     JSONB,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS diagnoses_asset_idx ON diagnoses (asset_id, created_at DESC);
