/** Shared helpers for the simulator tests: a simulator driven through app.request(), and a PDF checker. */
import { expect } from 'vitest';
import { createSimulatorApp } from '../../src/cloudsign-simulator';
import type { SimulatorAccounts, SimulatorOptions } from '../../src/cloudsign-simulator';

export const DEMO_CLIENT_ID = 'TestDemoClient0000000000000000000001';

export interface Sim {
  accounts: SimulatorAccounts;
  request(path: string, init?: RequestInit & { token?: string }): Promise<Response>;
  /** GET with a token, JSON body. */
  get(path: string, token: string): Promise<{ status: number; body: any; headers: Headers }>;
  /** A control endpoint call with a JSON body. */
  control(method: string, path: string, payload?: unknown): Promise<{ status: number; body: any }>;
  token(clientId?: string): Promise<string>;
}

export function simulator(options: Partial<SimulatorOptions> = {}): Sim {
  const { app, accounts } = createSimulatorApp({ documents: 250, clientId: DEMO_CLIENT_ID, ...options });
  const request = async (path: string, init: RequestInit & { token?: string } = {}) => {
    const { token, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (token !== undefined) headers.set('Authorization', `Bearer ${token}`);
    return app.request(path, { ...rest, headers });
  };
  const sim: Sim = {
    accounts,
    request,
    async get(path, token) {
      const res = await request(path, { token });
      return { status: res.status, body: await json(res), headers: res.headers };
    },
    async control(method, path, payload) {
      const res = await request(path, {
        method,
        ...(payload !== undefined && { body: JSON.stringify(payload), headers: { 'Content-Type': 'application/json' } }),
      });
      return { status: res.status, body: await json(res) };
    },
    async token(clientId = DEMO_CLIENT_ID) {
      const res = await postToken(sim, clientId);
      expect(res.status).toBe(200);
      return (await json(res)).access_token as string;
    },
  };
  return sim;
}

/** A response body as loosely typed JSON: the tests assert its shape. */
export async function json(res: Response): Promise<any> {
  return res.json();
}

export function postToken(sim: Sim, clientId: string): Promise<Response> {
  return sim.request('/token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: clientId }).toString(),
  });
}

/** Every page of a list endpoint, as a client would walk it. */
export async function listAll(sim: Sim, token: string, path: string): Promise<any[]> {
  const documents: any[] = [];
  for (let page = 1; ; page++) {
    const { status, body } = await sim.get(`${path}${path.includes('?') ? '&' : '?'}page=${page}`, token);
    expect(status).toBe(200);
    if (!body.documents?.length) return documents;
    documents.push(...body.documents);
  }
}

/**
 * Structural validity of a PDF: header, trailer, a cross-reference table whose every offset points at the
 * object it names, stream lengths that land on `endstream`, and a page count. Returns the page count.
 */
export function checkPdf(bytes: Uint8Array): number {
  const text = Buffer.from(bytes).toString('latin1');
  expect(text.startsWith('%PDF-')).toBe(true);
  expect(text.trimEnd().endsWith('%%EOF')).toBe(true);
  const startxref = Number(/startxref\n(\d+)\n%%EOF\n?$/.exec(text)?.[1]);
  expect(text.slice(startxref, startxref + 4)).toBe('xref');
  const [, first, count] = /^xref\n(\d+) (\d+)\n/.exec(text.slice(startxref)) ?? [];
  expect(Number(first)).toBe(0);
  const entries = text.slice(startxref).split('\n').slice(2, 2 + Number(count));
  entries.slice(1).forEach((entry, i) => {
    const offset = Number(entry.slice(0, 10));
    expect(text.slice(offset, offset + 20).startsWith(`${i + 1} 0 obj`)).toBe(true);
  });
  for (const m of text.matchAll(/\/Length (\d+) >>\nstream\n/g)) {
    const end = (m.index ?? 0) + m[0].length + Number(m[1]);
    expect(text.slice(end, end + 10)).toBe('\nendstream');
  }
  return Number(/\/Type \/Pages .*\/Count (\d+)/.exec(text)?.[1]);
}
