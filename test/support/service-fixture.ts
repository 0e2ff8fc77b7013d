import { migrate, OcrReader, type Db, type EnvVarName } from '../../src/index.js';
import { importTestRegistry } from './diagnosis-fixtures.js';
import { startTestService } from './start-test-service.js';
import { testConfig } from './test-config.js';
import { createTestPgDb } from './test-db.js';
import { closeTestEngines } from './test-engine.js';

export interface ServiceFixtureOptions {
  /** Migrate the fresh schema before the service starts (the service migrates too, but set-up may need the tables first). */
  migrate?: boolean;
  /** Import the diagnosis fixtures' assets and fault codes (implies `migrate`). */
  registry?: boolean;
  /** Start a one-worker English OCR reader and hand it to the service. */
  ocr?: boolean;
}

export interface ServiceFixture {
  db: Db;
  /** Set with `ocr: true`. */
  reader: OcrReader | undefined;
  svc: Awaited<ReturnType<typeof startTestService>>;
  /** Stops the service, the OCR reader, drops the schema and closes the test engines (in that order). */
  close(): Promise<void>;
}

/**
 * The set-up the adapter tests share: a fresh PostgreSQL schema, optionally migrated with the test
 * asset registry and an OCR reader, and the whole service started in-process with `settings`.
 * Anything started before a failure is closed again before the error is rethrown.
 */
export async function startServiceFixture(settings: Partial<Record<EnvVarName, string>>, o: ServiceFixtureOptions = {}): Promise<ServiceFixture> {
  let db: Db | undefined;
  let reader: OcrReader | undefined;
  let svc: ServiceFixture['svc'] | undefined;
  const close = async () => {
    await svc?.close();
    await reader?.close();
    await db?.close();
    await closeTestEngines();
  };
  try {
    db = await createTestPgDb();
    if (o.migrate || o.registry) await migrate(db);
    if (o.registry) await importTestRegistry(db);
    if (o.ocr) reader = await OcrReader.create({ langs: 'eng', concurrency: 1 });
    svc = await startTestService(testConfig(settings), db, reader ? { ocrReader: reader } : {});
  } catch (e) {
    await close().catch(() => {});
    throw e;
  }
  return { db, reader, svc, close };
}
