/**
 * A local server that behaves like the CloudSign Web API (README.md beside this file). Used by
 * `npm run dev`, the tests and the benchmarks in place of the real service.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { z } from 'zod';
import { cloudsignRoutes } from './app';
import { controlRoutes } from './control';
import { fail } from './errors';
import { SimulatorState } from './state';
import type { SimulatorAccounts, SimulatorOptions } from './types';

export type { SimulatorAccounts, SimulatorOptions } from './types';

export interface RunningSimulator {
  url: string;
  accounts: SimulatorAccounts;
  close(): Promise<void>;
}

const optionsSchema = z.object({
  documents: z.number().int().min(0).max(1_000_000),
  clientId: z.string().min(1),
  seed: z.number().int().default(1),
  port: z.number().int().min(0).max(65535).default(0),
  host: z.string().min(1).default('127.0.0.1'),
  tokenTtlSeconds: z.number().int().min(1).default(3600),
  rateLimitPerMinute: z.number().int().min(0).default(800),
  rateLimitWindow: z.enum(['fixed', 'sliding']).default('fixed'),
});

export function createSimulatorApp(options: SimulatorOptions): { app: Hono; accounts: SimulatorAccounts } {
  const parsed = optionsSchema.safeParse(options);
  // The message names the option, never its value: one of them is a client ID.
  if (!parsed.success) throw new Error(`invalid simulator options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const state = new SimulatorState(parsed.data);
  const app = new Hono();
  app.route('/_sim', controlRoutes(state));
  app.route('/', cloudsignRoutes(state));
  app.notFound((c) => fail(c, 404, 'not_found', 'the simulator does not serve this endpoint'));
  return { app, accounts: state.world.accounts };
}

export async function startSimulator(options: SimulatorOptions): Promise<RunningSimulator> {
  const { app, accounts } = createSimulatorApp(options);
  const host = options.host ?? '127.0.0.1';
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port ?? 0, hostname: host }, () => resolve(s as Server)) as Server;
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    accounts,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive connections of a client that is still around must not hold the shutdown up.
        server.closeAllConnections();
      }),
  };
}
