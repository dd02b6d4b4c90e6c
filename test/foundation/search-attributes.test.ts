import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../../bench/support';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server';
import { SEARCH_ATTRIBUTES } from '../../src/temporal/messages';
import { ensureSearchAttributes, missingSearchAttributes } from '../../src/temporal/search-attributes';

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

it('creates the search attributes a server lacks, once, from the one list in code', async () => {
  const names = SEARCH_ATTRIBUTES.map((a) => a.name);
  expect(await missingSearchAttributes(connection, 'default')).toEqual(names);
  expect(await ensureSearchAttributes(connection, 'default')).toEqual(names);
  expect(await missingSearchAttributes(connection, 'default')).toEqual([]);
  // Run again (every start does): nothing to do.
  expect(await ensureSearchAttributes(connection, 'default')).toEqual([]);
});

it('says in one sentence how to create them when the server refuses (here: a namespace it does not have)', async () => {
  await expect(ensureSearchAttributes(connection, 'no-such-namespace')).rejects.toThrow(
    /namespace "no-such-namespace" has the search attributes ManagementId, ConnectionStatus, ReviewStatus \(5 NOT_FOUND.*temporal operator search-attribute create --namespace no-such-namespace --name ManagementId --type Keyword/,
  );
});
