-- Fault severities as real catalogues write them (ISA-18.2 / IEC 62682 priorities, major/minor,
-- numbers 1–5, …): `severity` keeps the catalogue's word as written, `severity_level` its
-- normalised level, 1 = most severe … 5 (src/diagnosis/severity.ts), which orders and colours results.

ALTER TABLE fault_codes DROP CONSTRAINT IF EXISTS fault_codes_severity_check;
ALTER TABLE fault_codes ADD COLUMN IF NOT EXISTS severity_level SMALLINT;
UPDATE fault_codes SET severity_level = CASE lower(severity)
  WHEN 'critical' THEN 1 WHEN 'alarm' THEN 2 WHEN 'warning' THEN 3 ELSE 5 END
  WHERE severity_level IS NULL;
ALTER TABLE fault_codes ALTER COLUMN severity_level SET NOT NULL;
ALTER TABLE fault_codes ADD CONSTRAINT fault_codes_severity_level_check CHECK (severity_level BETWEEN 1 AND 5);
ALTER TABLE fault_codes ADD CONSTRAINT fault_codes_severity_word_check CHECK (length(severity) BETWEEN 1 AND 32);
