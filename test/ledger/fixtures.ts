import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { MikroORM } from '../../src/db';
import {
  createConnection,
  createUser,
  importFile,
  listRuns,
  startRun,
  type ConnectionSettings,
  type ImportFileInput,
  type SyncRun,
  type User,
} from '../../src/ledger';
import { openTestDatabase, resetDatabase } from '../support/database';

export const SECRETS_KEY = 'a3'.repeat(32);

/** The run's test database, emptied before each test; `em()` gives a fresh EntityManager, as a caller would fork one. */
export function useLedger() {
  let orm: MikroORM;
  beforeAll(async () => {
    orm = await openTestDatabase();
  });
  afterAll(async () => {
    await orm.close();
  });
  beforeEach(async () => {
    await resetDatabase(orm);
  });
  return {
    em: (): EntityManager => orm.em.fork(),
    orm: () => orm,
  };
}

let serial = 0;

export async function aUser(em: EntityManager, role: User['role'] = 'member', name = `User ${++serial}`): Promise<User> {
  const { user } = await createUser(em, { name, email: `user${++serial}@example.jp`, role });
  return user;
}

export async function aConnection(em: EntityManager, settings: Partial<ConnectionSettings> & { clientId?: string } = {}) {
  return createConnection(em, {
    name: 'Legal team',
    visibility: { scope: 'company' },
    owners: [],
    saveMode: 'direct',
    clientId: `client-id-${++serial}-${crypto.randomUUID()}`,
    secretsKey: SECRETS_KEY,
    ...settings,
  });
}

/** A SHA-256-shaped value, distinct per call. */
export function aSha256(): string {
  return (++serial).toString(16).padStart(64, '0');
}

export function anImport(connectionId: string, overrides: Partial<ImportFileInput> = {}): ImportFileInput {
  return {
    connectionId,
    documentId: `doc-${++serial}`,
    fileId: `file-${serial}`,
    fields: { title: '業務委託契約書', conclusionDate: '2024-04-01', amount: 1_200_000, autoRenewal: true, fileName: 'contract.pdf' },
    file: { sha256: aSha256(), size: 1234 },
    ...overrides,
  };
}

export async function importSome(em: EntityManager, connectionId: string, count: number, overrides: Partial<ImportFileInput> = {}) {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push((await importFile(em, anImport(connectionId, overrides))).contractId!);
  return ids;
}

export async function aRun(em: EntityManager, connectionId: string): Promise<SyncRun> {
  return startRun(em, { connectionId, runKey: crypto.randomUUID(), kind: 'full', window: { from: null, to: '2024-06-01T00:00:00.000000Z' } });
}

/** A run as the API lists it. */
export async function theRun(em: EntityManager, run: Pick<SyncRun, 'id' | 'connectionId'>): Promise<SyncRun> {
  const found = (await listRuns(em, { connectionId: run.connectionId, limit: 100 })).items.find((r) => r.id === run.id);
  if (!found) throw new Error(`run ${run.id} is not listed`);
  return found;
}
