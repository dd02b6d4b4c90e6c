import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../api/app';
import type { MikroORM } from '../../src/db';
import {
  createConnection,
  createGroup,
  createUser,
  ensureBootstrapAdmin,
  importFile,
  type Connection,
  type ContractField,
  type Visibility,
} from '../../src/ledger';
import { createFileStorage, type FileStorage } from '../../src/storage';
import { TEST_SECRETS_KEY, testServices } from '../support/app';
import { openTestDatabase, resetDatabase } from '../support/database';

const ADMIN_TOKEN = 'contracts-test-admin-token';
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

let orm: MikroORM;
let app: App;
let storage: FileStorage;
let filesDir: string;

interface Person {
  id: string;
  token: string;
}
let alice: Person; // owner of the private contract
let bob: Person; // a member with no group, owning nothing
let carol: Person; // member of the group "法務部"
let connA: Connection;
let connB: Connection;
/** The seeded contracts' IDs, by name. */
let ids: { company: string; alicePrivate: string; legalGroup: string; nobodysPrivate: string };
let companyPdf: Buffer;

beforeAll(async () => {
  orm = await openTestDatabase();
  filesDir = mkdtempSync(join(tmpdir(), 'contracts-test-files-'));
  storage = createFileStorage({ dir: filesDir });
  app = createApp(await testServices(orm, { TEMPORAL_TASK_QUEUE: 'contracts-test', FILE_STORAGE_DIR: filesDir }));
});
afterAll(async () => {
  await orm?.close();
  rmSync(filesDir, { recursive: true, force: true });
});

beforeEach(async () => {
  await resetDatabase(orm);
  const em = () => orm.em.fork();
  await ensureBootstrapAdmin(em(), { token: ADMIN_TOKEN });
  const person = async (name: string) => {
    const { user, apiToken } = await createUser(em(), { name, email: `${name.toLowerCase()}@example.jp`, role: 'member' });
    return { id: user.id, token: apiToken };
  };
  alice = await person('Alice');
  bob = await person('Bob');
  carol = await person('Carol');
  const legal = await createGroup(em(), { name: '法務部', memberIds: [carol.id] });
  const connect = (name: string) =>
    createConnection(em(), {
      name,
      clientId: `client-${randomUUID()}`,
      secretsKey: TEST_SECRETS_KEY,
      visibility: { scope: 'company' },
      owners: [],
      saveMode: 'direct',
    });
  connA = await connect('本社');
  connB = await connect('支社');

  // Seeded through the ledger's import, as a sync saves them: the PDF first in storage, then the contract.
  let n = 0;
  const seed = async (
    connection: Connection,
    fields: Partial<Record<ContractField, unknown>>,
    access: { visibility?: Visibility; owners?: string[] } = {},
    pdf: Buffer = Buffer.from(`%PDF-1.4\n% contract ${n}\n%%EOF\n`),
  ) => {
    n++;
    const file = await storage.put(Readable.from([pdf]));
    const { contractId } = await importFile(em(), { connectionId: connection.id, documentId: `doc-${n}`, fileId: `file-${n}`, fields, file, ...access });
    return contractId!;
  };
  companyPdf = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n% 業務委託\n%%EOF\n');
  ids = {
    company: await seed(
      connA,
      { title: '業務委託契約書', conclusionDate: '2024-04-01', amount: 1_200_000, autoRenewal: true, fileName: '業務委託契約書（株式会社サンプル）.pdf', approvalNumber: '' },
      {},
      companyPdf,
    ),
    alicePrivate: await seed(connA, { title: 'NDA 秘密保持契約', conclusionDate: '2024-06-15', fileName: 'nda.pdf' }, { visibility: { scope: 'private' }, owners: [alice.id] }),
    legalGroup: await seed(connB, { title: 'Lease 賃貸借契約', conclusionDate: '2025-01-10', fileName: 'lease.pdf' }, { visibility: { scope: 'groups', groupIds: [legal.id] } }),
    nobodysPrivate: await seed(connB, { title: 'Board minutes', fileName: 'board.pdf' }, { visibility: { scope: 'private' }, owners: [] }),
  };
});

function call(method: string, path: string, options: { token?: string | null; body?: unknown } = {}) {
  const token = options.token === undefined ? ADMIN_TOKEN : options.token;
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  return app.request(path, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
}

type Provenanced<T> = { value: T | null; source: 'cloudsign' | 'extraction' | 'user' | null };
interface ContractJson {
  id: string;
  title: Provenanced<string>;
  conclusionDate: Provenanced<string>;
  startDate: Provenanced<string>;
  amount: Provenanced<string>;
  autoRenewal: Provenanced<boolean>;
  counterparty: Provenanced<string>;
  approvalNumber: Provenanced<string>;
  fileName: Provenanced<string>;
  visibility: Visibility;
  owners: string[];
  source: { connectionId: string; managementId: string; documentId: string; fileId: string };
  file: { name: string; size: number; sha256: string };
}
interface ErrorJson {
  error: { code: string; message: string; details?: unknown };
}

async function listIds(query = '', token = ADMIN_TOKEN): Promise<string[]> {
  const res = await call('GET', `/v1/contracts${query}`, { token });
  expect(res.status).toBe(200);
  const page = (await res.json()) as { items: ContractJson[]; nextCursor: string | null };
  return page.items.map((c) => c.id).sort();
}
const sorted = (...values: string[]) => [...values].sort();

describe('visibility', () => {
  it('lists to each user exactly the contracts they may see', async () => {
    expect(await listIds('', ADMIN_TOKEN)).toEqual(sorted(...Object.values(ids)));
    expect(await listIds('', bob.token)).toEqual([ids.company]);
    expect(await listIds('', alice.token)).toEqual(sorted(ids.company, ids.alicePrivate));
    expect(await listIds('', carol.token)).toEqual(sorted(ids.company, ids.legalGroup));
  });

  it('answers 404 on detail and file for a contract the caller may not see, as for one that does not exist', async () => {
    for (const [token, hidden] of [
      [bob.token, ids.alicePrivate],
      [bob.token, ids.legalGroup],
      [alice.token, ids.legalGroup],
      [carol.token, ids.nobodysPrivate],
    ] as const) {
      for (const suffix of ['', '/file']) {
        const res = await call('GET', `/v1/contracts/${hidden}${suffix}`, { token });
        expect(res.status).toBe(404);
        const body = (await res.json()) as ErrorJson;
        expect(body.error.code).toBe('not_found');
        const missing = (await (await call('GET', `/v1/contracts/${UNKNOWN}${suffix}`, { token })).json()) as ErrorJson;
        expect(body.error.message.replace(hidden, 'X')).toBe(missing.error.message.replace(UNKNOWN, 'X'));
      }
    }
    expect((await call('GET', `/v1/contracts/${ids.alicePrivate}`, { token: alice.token })).status).toBe(200);
    expect((await call('GET', `/v1/contracts/${ids.legalGroup}/file`, { token: carol.token })).status).toBe(200);
    expect((await call('GET', `/v1/contracts/${ids.nobodysPrivate}`)).status).toBe(200);
    expect((await call('GET', '/v1/contracts/not-an-id')).status).toBe(404);
  });

  it('answers 401 without a token', async () => {
    expect((await call('GET', '/v1/contracts', { token: null })).status).toBe(401);
    expect((await call('GET', `/v1/contracts/${ids.company}/file`, { token: null })).status).toBe(401);
  });
});

describe('GET /v1/contracts filters', () => {
  it('filters by connection, by text and by conclusion date, within what the caller sees', async () => {
    expect(await listIds(`?connectionId=${connA.id}`)).toEqual(sorted(ids.company, ids.alicePrivate));
    expect(await listIds(`?connectionId=${connB.id}`, bob.token)).toEqual([]);
    expect(await listIds('?connectionId=nope')).toEqual([]);

    expect(await listIds(`?q=${encodeURIComponent('契約')}`)).toEqual(sorted(ids.company, ids.alicePrivate, ids.legalGroup));
    expect(await listIds(`?q=${encodeURIComponent('契約')}`, bob.token)).toEqual([ids.company]);
    expect(await listIds('?q=lease')).toEqual([ids.legalGroup]);
    expect(await listIds('?q=100%25')).toEqual([]);

    expect(await listIds('?concludedFrom=2024-05-01')).toEqual(sorted(ids.alicePrivate, ids.legalGroup));
    expect(await listIds('?concludedTo=2024-06-15')).toEqual(sorted(ids.company, ids.alicePrivate));
    expect(await listIds('?concludedFrom=2024-04-02&concludedTo=2024-12-31')).toEqual([ids.alicePrivate]);
    expect(await listIds(`?concludedFrom=2024-01-01&q=NDA&connectionId=${connA.id}`, alice.token)).toEqual([ids.alicePrivate]);
  });

  it('pages with limit and cursor', async () => {
    const first = (await (await call('GET', '/v1/contracts?limit=3')).json()) as { items: ContractJson[]; nextCursor: string };
    expect(first.items).toHaveLength(3);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = (await (await call('GET', `/v1/contracts?limit=3&cursor=${encodeURIComponent(first.nextCursor)}`)).json()) as {
      items: ContractJson[];
      nextCursor: string | null;
    };
    expect(second.nextCursor).toBeNull();
    expect([...first.items, ...second.items].map((c) => c.id).sort()).toEqual(sorted(...Object.values(ids)));
  });

  it('answers 400 for malformed filters', async () => {
    for (const query of ['?concludedFrom=2024-13-01', '?concludedTo=yesterday', '?concludedFrom=2023-02-29', '?limit=0', '?limit=501']) {
      const res = await call('GET', `/v1/contracts${query}`);
      expect(res.status, query).toBe(400);
      expect(((await res.json()) as ErrorJson).error.code).toBe('invalid_request');
    }
  });
});

describe('GET /v1/contracts/:id', () => {
  it('gives every field with its provenance, the visibility, owners, source and file', async () => {
    const res = await call('GET', `/v1/contracts/${ids.company}`, { token: bob.token });
    expect(res.status).toBe(200);
    const contract = (await res.json()) as ContractJson;
    expect(contract).toMatchObject({
      id: ids.company,
      title: { value: '業務委託契約書', source: 'cloudsign' },
      conclusionDate: { value: '2024-04-01', source: 'cloudsign' },
      startDate: { value: null, source: null },
      amount: { value: '1200000', source: 'cloudsign' },
      autoRenewal: { value: true, source: 'cloudsign' },
      approvalNumber: { value: null, source: null }, // CloudSign sent it empty
      fileName: { value: '業務委託契約書（株式会社サンプル）.pdf', source: 'cloudsign' },
      visibility: { scope: 'company' },
      owners: [],
      source: { connectionId: connA.id, managementId: connA.managementId, documentId: 'doc-1', fileId: 'file-1' },
      file: { name: '業務委託契約書（株式会社サンプル）.pdf', size: companyPdf.length, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    for (const field of ['endDate', 'cancellationNoticeDate', 'counterparty'] as const) {
      expect(contract).toHaveProperty(field, { value: null, source: null });
    }
    const alices = (await (await call('GET', `/v1/contracts/${ids.alicePrivate}`, { token: alice.token })).json()) as ContractJson;
    expect(alices).toMatchObject({ visibility: { scope: 'private' }, owners: [alice.id] });
  });
});

describe('GET /v1/contracts/:id/file', () => {
  it('streams the stored PDF with its length and its Japanese name, RFC 5987-encoded', async () => {
    const res = await call('GET', `/v1/contracts/${ids.company}/file`, { token: bob.token });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-length')).toBe(String(companyPdf.length));
    const disposition = res.headers.get('content-disposition')!;
    expect(disposition).toMatch(/^attachment; filename="[\x20-\x7e]+"; filename\*=UTF-8''[A-Za-z0-9%._~!-]+$/);
    const encoded = /filename\*=UTF-8''(.+)$/.exec(disposition)![1]!;
    expect(decodeURIComponent(encoded)).toBe('業務委託契約書（株式会社サンプル）.pdf');
    expect(Buffer.from(await res.arrayBuffer()).equals(companyPdf)).toBe(true);
  });

  it('says so, without a stack trace, when the stored PDF has gone missing', async () => {
    const { contractId } = await importFile(orm.em.fork(), {
      connectionId: connA.id,
      documentId: 'doc-lost',
      fileId: 'file-lost',
      fields: { title: 'Lost' },
      file: { sha256: 'f'.repeat(64), size: 10 },
    });
    const res = await call('GET', `/v1/contracts/${contractId}/file`);
    expect(res.status).toBe(500);
    expect(((await res.json()) as ErrorJson).error.code).toBe('file_missing');
  });
});

describe('PATCH /v1/contracts/:id', () => {
  it('saves an edit by an admin with source user, and null clears a field', async () => {
    const res = await call('PATCH', `/v1/contracts/${ids.company}`, {
      body: { title: '業務委託契約書（改訂）', counterparty: '株式会社サンプル', amount: null },
    });
    expect(res.status).toBe(200);
    const edited = (await res.json()) as ContractJson;
    expect(edited.title).toEqual({ value: '業務委託契約書（改訂）', source: 'user' });
    expect(edited.counterparty).toEqual({ value: '株式会社サンプル', source: 'user' });
    expect(edited.amount).toEqual({ value: null, source: 'user' });
    expect(edited.conclusionDate).toEqual({ value: '2024-04-01', source: 'cloudsign' });
    const again = (await (await call('GET', `/v1/contracts/${ids.company}`)).json()) as ContractJson;
    expect(again.title).toEqual({ value: '業務委託契約書（改訂）', source: 'user' });

    const nested = await call('PATCH', `/v1/contracts/${ids.company}`, { body: { fields: { startDate: '2024-04-01' } } });
    expect(((await nested.json()) as ContractJson).startDate).toEqual({ value: '2024-04-01', source: 'user' });
  });

  it('lets an owner edit, answers 403 to a member who only sees it and 404 to one who does not', async () => {
    const own = await call('PATCH', `/v1/contracts/${ids.alicePrivate}`, { token: alice.token, body: { approvalNumber: 'R-2024-001' } });
    expect(own.status).toBe(200);
    expect(((await own.json()) as ContractJson).approvalNumber).toEqual({ value: 'R-2024-001', source: 'user' });

    const seen = await call('PATCH', `/v1/contracts/${ids.company}`, { token: bob.token, body: { title: 'mine now' } });
    expect(seen.status).toBe(403);
    expect(((await seen.json()) as ErrorJson).error.code).toBe('forbidden');
    const hidden = await call('PATCH', `/v1/contracts/${ids.alicePrivate}`, { token: bob.token, body: { title: 'mine now' } });
    expect(hidden.status).toBe(404);
    const title = ((await (await call('GET', `/v1/contracts/${ids.company}`)).json()) as ContractJson).title;
    expect(title).toEqual({ value: '業務委託契約書', source: 'cloudsign' });
  });

  it('answers 400 to values the ledger cannot take and to unknown fields, changing nothing', async () => {
    for (const body of [{ conclusionDate: '2024-02-30' }, { amount: '100万円' }, { colour: 'red' }, { title: '' }, { title: 'x', fields: { amount: 1 } }]) {
      const res = await call('PATCH', `/v1/contracts/${ids.company}`, { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as ErrorJson).error.code).toBe('invalid_request');
    }
    const contract = (await (await call('GET', `/v1/contracts/${ids.company}`)).json()) as ContractJson;
    expect(contract.title).toEqual({ value: '業務委託契約書', source: 'cloudsign' });
    expect(contract.conclusionDate).toEqual({ value: '2024-04-01', source: 'cloudsign' });
  });
});

describe('POST /v1/contracts/:id/extractions', () => {
  it('applies extracted values to empty fields and refuses those from CloudSign or a user, saying why', async () => {
    await call('PATCH', `/v1/contracts/${ids.company}`, { body: { counterparty: '株式会社サンプル' } });
    const res = await call('POST', `/v1/contracts/${ids.company}/extractions`, {
      body: { fields: { title: 'OCR title', amount: 999, startDate: '2024-04-01', endDate: '2025-03-31', counterparty: '(株)サンプル' } },
    });
    expect(res.status).toBe(200);
    const result = (await res.json()) as { applied: string[]; refused: { field: string; reason: string; message: string }[] };
    expect(result.applied.sort()).toEqual(['endDate', 'startDate']);
    expect(result.refused.map(({ field, reason }) => ({ field, reason })).sort((a, b) => a.field.localeCompare(b.field))).toEqual([
      { field: 'amount', reason: 'from_cloudsign' },
      { field: 'counterparty', reason: 'edited_by_user' },
      { field: 'title', reason: 'from_cloudsign' },
    ]);
    expect(result.refused.every((r) => r.message.length > 0)).toBe(true);

    const contract = (await (await call('GET', `/v1/contracts/${ids.company}`)).json()) as ContractJson;
    expect(contract.startDate).toEqual({ value: '2024-04-01', source: 'extraction' });
    expect(contract.title).toEqual({ value: '業務委託契約書', source: 'cloudsign' });
    expect(contract.amount).toEqual({ value: '1200000', source: 'cloudsign' });
    expect(contract.counterparty).toEqual({ value: '株式会社サンプル', source: 'user' });

    // A later extraction may correct an earlier one; a user's edit then wins over both.
    const second = (await (await call('POST', `/v1/contracts/${ids.company}/extractions`, { body: { fields: { startDate: '2024-04-02' } } })).json()) as {
      applied: string[];
    };
    expect(second.applied).toEqual(['startDate']);
  });

  it('checks access and input like an edit', async () => {
    const member = await call('POST', `/v1/contracts/${ids.company}/extractions`, { token: bob.token, body: { fields: { startDate: '2024-04-01' } } });
    expect(member.status).toBe(403);
    const hidden = await call('POST', `/v1/contracts/${ids.legalGroup}/extractions`, { token: bob.token, body: { fields: { startDate: '2024-04-01' } } });
    expect(hidden.status).toBe(404);
    for (const body of [{}, { fields: { startDate: null } }, { fields: { shoeSize: 42 } }, { title: 'x' }]) {
      const res = await call('POST', `/v1/contracts/${ids.company}/extractions`, { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    const contract = (await (await call('GET', `/v1/contracts/${ids.company}`)).json()) as ContractJson;
    expect(contract.startDate).toEqual({ value: null, source: null });
  });
});
