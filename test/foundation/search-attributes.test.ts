import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { freePort } from '../../bench/support';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server';
import { SEARCH_ATTRIBUTES } from '../../src/temporal/messages';
import { ensureSearchAttributes, missingSearchAttributes } from '../../src/temporal/search-attributes';
import { testServices } from '../support/app';
import { openTestDatabase } from '../support/database';

let server: DevServer;
let connection: Connection;
const dir = mkdtempSync(join(tmpdir(), 'cloudsign-sync-sa-'));

beforeAll(async () => {
  // A real Temporal server as an operator may have one: started without our search attributes.
  server = await startDevServer({
    port: await freePort(),
    uiPort: await freePort(),
    namespace: 'default',
    dbFile: join(dir, 'temporal.sqlite'),
    searchAttributes: false,
  });
  connection = await Connection.connect({ address: server.address });
});
afterAll(async () => {
  await connection?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('creates the search attributes a server lacks, once, from the one list in code; /health says which are missing until then', async () => {
  const names = SEARCH_ATTRIBUTES.map((a) => a.name);
  const orm = await openTestDatabase();
  const services = await testServices(orm, { TEMPORAL_ADDRESS: server.address });
  const app = createApp(services);
  const health = async () => {
    const res = await app.request('/health');
    return { status: res.status, body: await res.json() };
  };
  expect(await health()).toEqual({ status: 503, body: { status: 'degraded', postgres: { ok: true }, temporal: { ok: false, missingSearchAttributes: names } } });
  expect(await missingSearchAttributes(connection, 'default')).toEqual(names);
  expect(await ensureSearchAttributes(connection, 'default')).toEqual(names);
  expect(await missingSearchAttributes(connection, 'default')).toEqual([]);
  // Run again (every start does): nothing to do.
  expect(await ensureSearchAttributes(connection, 'default')).toEqual([]);
  expect(await health()).toEqual({ status: 200, body: { status: 'ok', postgres: { ok: true }, temporal: { ok: true } } });
  await services.close();
  await orm.close();
});

it('says in one sentence how to create them when the server refuses (here: a namespace it does not have)', async () => {
  await expect(ensureSearchAttributes(connection, 'no-such-namespace')).rejects.toThrow(
    /namespace "no-such-namespace" has the search attributes ManagementId, ConnectionStatus, ReviewStatus, MissingFiles \(5 NOT_FOUND.*temporal operator search-attribute create --namespace no-such-namespace --name ManagementId --type Keyword/,
  );
});
