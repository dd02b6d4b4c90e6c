import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually } from '../support/service';
import { simulator } from './support';

/** A Hook URL's receiver on loopback, recording what arrives. */
const received: { from: string; headers: IncomingMessage['headers']; body: string }[] = [];
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => {
    received.push({ from: req.socket.remoteAddress ?? '', headers: req.headers, body });
    res.writeHead(200).end('ok');
  });
});
let hookUrl: string;
beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/secret-token`;
});
afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve));
});

it('posts each conclusion to every Hook URL, as CloudSign does, from the address it is told to', async () => {
  received.length = 0;
  const sim = simulator({ documents: 20 });
  expect((await sim.control('PUT', '/_sim/hooks', { urls: [hookUrl], sourceAddress: '127.0.0.7' })).status).toBe(200);
  const { body } = await sim.control('POST', '/_sim/documents/conclude', { count: 2 });
  await eventually(async () => received.length === 2, 10_000, 'two hooks');
  const token = await sim.token();
  for (const documentId of body.documents as string[]) {
    const hook = received.find((r) => JSON.parse(r.body).documentID === documentId)!;
    expect(hook.from).toBe('127.0.0.7');
    expect(hook.headers['user-agent']).toBe('CloudSignWebHook');
    expect(hook.headers['content-type']).toBe('application/json');
    const document = (await sim.get(`/documents/${documentId}`, token)).body;
    const sender = document.participants[0];
    expect(JSON.parse(hook.body)).toEqual({
      documentID: documentId,
      status: 2,
      userID: document.user_id,
      email: sender.email,
      text: `COMPLETED : ${document.title} sent by ${sender.name}\n<https://www.cloudsign.jp/document/${documentId}/summary>`,
    });
  }
  const deliveries = (await sim.control('GET', '/_sim/hooks/deliveries')).body.deliveries;
  expect(deliveries.map((d: any) => d.status)).toEqual([200, 200]);
});

it('sends any hook on demand (a repeat, a cancellation) and logs a receiver it cannot reach', async () => {
  received.length = 0;
  const sim = simulator({ documents: 20 });
  await sim.control('PUT', '/_sim/hooks', { urls: [hookUrl, 'http://127.0.0.1:9/unreachable'] });
  const [documentId] = (await sim.control('POST', '/_sim/documents/conclude', { count: 1 })).body.documents;
  const sent = await sim.control('POST', '/_sim/hooks/send', { documentId, status: 3 });
  expect(sent.body.deliveries.map((d: any) => d.status)).toEqual([200, null]);
  expect(sent.body.deliveries[1].error).toEqual(expect.any(String));
  expect(JSON.parse(received.find((r) => JSON.parse(r.body).status === 3)!.body).text).toMatch(/^CANCELED : /);
});

it('takes at most 20 Hook URLs, and only http(s) ones', async () => {
  const sim = simulator({ documents: 1 });
  const urls = Array.from({ length: 21 }, (_, i) => `https://example.invalid/${i}`);
  expect((await sim.control('PUT', '/_sim/hooks', { urls })).status).toBe(400);
  expect((await sim.control('PUT', '/_sim/hooks', { urls: ['ftp://example.invalid/'] })).status).toBe(400);
  expect((await sim.control('PUT', '/_sim/hooks', { urls: [], sourceAddress: '10.0.0.1' })).status).toBe(400);
});
