-- Questions with pictures (#17): one row per image attached to a question, keyed by the question's
-- job id (= messages.job_id). What was read is kept with the answer: the OCR text, the vision
-- model's description, the image's sha256, size and type. The bytes (`data`) live here only from
-- the download until the image is read, and are cleared then unless IMAGE_KEEP=true.

CREATE TABLE IF NOT EXISTS question_images (
  id              BIGSERIAL PRIMARY KEY,
  job_id          TEXT NOT NULL,
  -- Position in the question (0-based), as attached.
  idx             INTEGER NOT NULL CHECK (idx >= 0),
  -- File name as shown to the user (`panel.jpg`, or `image 2`).
  name            TEXT NOT NULL DEFAULT '',
  -- Where it came from: slack, teams, redis (an API data: URL parked by admission).
  source          TEXT NOT NULL,
  -- stored: downloaded, waiting for OCR; read: OCR done; unreadable: damaged or undecodable;
  -- refused: not taken (size, type, count, download refused) — `note` says why.
  status          TEXT NOT NULL CHECK (status IN ('stored', 'read', 'unreadable', 'refused')),
  note            TEXT,
  mime            TEXT,
  bytes           INTEGER CHECK (bytes >= 0),
  sha256          TEXT CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  width           INTEGER,
  height          INTEGER,
  ocr_text        TEXT,
  ocr_confidence  REAL,
  ocr_ms          INTEGER,
  vision_text     TEXT,
  data            BYTEA,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  read_at         TIMESTAMPTZ,
  UNIQUE (job_id, idx)
);
-- Bytes still waiting (or kept): found by the clean-up of stale downloads.
CREATE INDEX IF NOT EXISTS question_images_pending_idx ON question_images (created_at) WHERE data IS NOT NULL;
