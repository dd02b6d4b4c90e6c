import { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { ormConfig } from '../../src/db/mikro-orm.config';
import { testServices } from '../support/app';
import { openTestDatabase } from '../support/database';

let orm: MikroORM;

beforeAll(async () => {
  orm = await openTestDatabase();
});
afterAll(async () => {
  await orm?.close();
});

it('answers 200 when Postgres and Temporal both answer', async () => {
  const app = createApp(await testServices(orm));
  const res = await app.request('/health');
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ status: 'ok', postgres: { ok: true }, temporal: { ok: true } });
});

it('answers 503 and names Postgres when the database is unreachable', async () => {
  // Nothing listens on port 1: the same as a database server that is down.
  const downOrm = await MikroORM.init({ ...ormConfig('postgres://postgres@127.0.0.1:1/cloudsign_sync'), connect: false });
  try {
    const app = createApp(await testServices(downOrm));
    const res = await app.request('/health');
    expect(res.status).toBe(503);
    // Up or down only: the cause is logged, never shown to whoever asks.
    expect(await res.json()).toEqual({ status: 'degraded', postgres: { ok: false }, temporal: { ok: true } });
  } finally {
    await downOrm.close();
  }
});

it('answers 503 and names Temporal when Temporal is unreachable', async () => {
  const down = await testServices(orm, { TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPORAL_TASK_QUEUE: 'x' });
  const app = createApp({ ...down, healthTimeoutMs: 1_500 });
  const res = await app.request('/health');
  expect(res.status).toBe(503);
  expect(await res.json()).toEqual({ status: 'degraded', postgres: { ok: true }, temporal: { ok: false } });
});
