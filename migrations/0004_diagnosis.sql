-- Equipment fault diagnosis: the asset registry (imported with `npm run assets -- import`), the
-- fault-code catalogue per equipment model, and one row per `/diagnose` request with its
-- structured result, the outcome people recorded with the buttons, and their feedback.

CREATE TABLE IF NOT EXISTS assets (
  -- As written in the registry (e.g. `P-101`); looked up case-insensitively.
  id          TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
  name        TEXT NOT NULL,
  model       TEXT NOT NULL,
  location    TEXT NOT NULL DEFAULT '',
  -- Knowledge scope (kb_scopes.name) holding this asset's manuals; NULL = channel scopes only.
  scope       TEXT,
  -- Who "Not resolved — escalate" mentions: a Slack user group (S…), a user (U…) or a plain name.
  oncall      TEXT,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS assets_id_ci_idx ON assets (upper(id));

CREATE TABLE IF NOT EXISTS fault_codes (
  model       TEXT NOT NULL,
  code        TEXT NOT NULL,
  meaning     TEXT NOT NULL,
  severity    TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'alarm', 'critical')),
  updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (model, code)
);
CREATE UNIQUE INDEX IF NOT EXISTS fault_codes_ci_idx ON fault_codes (upper(model), upper(code));

CREATE TABLE IF NOT EXISTS diagnoses (
  id            BIGSERIAL PRIMARY KEY,
  -- The inference job (and message log row) that produced it: delivery reuses the message log.
  job_id        TEXT NOT NULL UNIQUE,
  message_id    BIGINT REFERENCES messages (id) ON DELETE SET NULL,
  platform      TEXT NOT NULL,
  tenant        TEXT NOT NULL,
  channel       TEXT NOT NULL,
  asset_id      TEXT NOT NULL,
  fault_code    TEXT,
  -- The request as typed after the asset id (fault code and/or symptom).
  request       TEXT NOT NULL,
  requested_by  TEXT NOT NULL,
  status        TEXT NOT NULL DEFAULT 'generating' CHECK (status IN ('generating', 'answered', 'failed')),
  -- The structured result (src/diagnosis/result-schema.ts), NULL until generated.
  result        JSONB,
  -- The one-step prompt (system + question with the manual sections): the input half of a
  -- labelled example in the fine-tuning export.
  prompt        JSONB,
  outcome       TEXT CHECK (outcome IN ('resolved', 'escalated')),
  outcome_by    TEXT,
  outcome_at    TIMESTAMPTZ,
  feedback      TEXT CHECK (feedback IN ('up', 'down')),
  feedback_by   TEXT,
  feedback_at   TIMESTAMPTZ,
  -- A resolved diagnosis is a labelled example for the fine-tuning export.
  labelled      BOOLEAN NOT NULL DEFAULT false,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  answered_at   TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS diagnoses_asset_idx ON diagnoses (upper(asset_id), created_at DESC);
CREATE INDEX IF NOT EXISTS diagnoses_labelled_idx ON diagnoses (labelled) WHERE labelled;
