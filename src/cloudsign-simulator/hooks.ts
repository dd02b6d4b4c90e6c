/**
 * CloudSign's Webhook (cloudsign-api.md §8), as the simulator sends it: a team sets up to 20 Hook URLs, and
 * each concluded (or cancelled) document of the team is POSTed to every one of them as one line of JSON
 * `{"documentID","status","userID","email","text"}` with `User-Agent: CloudSignWebHook`. No signature is
 * documented, so none is sent. CloudSign sends from fixed addresses; on loopback the simulator can send from
 * any 127.x address (`sourceAddress`), so that a receiver's allow-list can be tested on one machine.
 * Retry and timeout behaviour are not documented: one attempt, each delivery logged with its answer.
 */
import { request } from 'node:http';
import { request as requestTls } from 'node:https';
import { z } from 'zod';

export const MAX_HOOK_URLS = 20;

export const hooksSchema = z.strictObject({
  urls: z.array(z.url({ protocol: /^https?$/ })).max(MAX_HOOK_URLS),
  /** The local address deliveries leave from (loopback only: 127.0.0.0/8). */
  sourceAddress: z.string().regex(/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/).optional(),
});
export type HookSettings = z.infer<typeof hooksSchema>;

/** What CloudSign posts: status 2 締結完了, 3 取り消し・却下, 1 only for a bounced e-mail. */
export interface HookPayload {
  documentID: string;
  status: 1 | 2 | 3;
  userID: string;
  email: string;
  text: string;
}

export interface HookDelivery {
  url: string;
  payload: HookPayload;
  /** The receiver's HTTP status, or null when it could not be reached. */
  status: number | null;
  error?: string;
  at: string;
}

const TIMEOUT_MS = 10_000;
const KIND = { 1: 'BOUNCED', 2: 'COMPLETED', 3: 'CANCELED' } as const;

export function hookPayload(document: { id: string; title: string; status: 1 | 2 | 3 }, sender: { userId: string; email: string; name: string }): HookPayload {
  return {
    documentID: document.id,
    status: document.status,
    userID: sender.userId,
    email: sender.email,
    text: `${KIND[document.status]} : ${document.title} sent by ${sender.name}\n<https://www.cloudsign.jp/document/${document.id}/summary>`,
  };
}

/** Posts one hook to one URL and reports how it was answered; never throws. */
export function deliverHook(url: string, payload: HookPayload, sourceAddress?: string): Promise<HookDelivery> {
  const body = JSON.stringify(payload);
  const at = new Date().toISOString();
  return new Promise((resolve) => {
    const send = url.startsWith('https:') ? requestTls : request;
    const req = send(
      url,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'User-Agent': 'CloudSignWebHook', 'Content-Length': Buffer.byteLength(body) },
        timeout: TIMEOUT_MS,
        ...(sourceAddress && { localAddress: sourceAddress }),
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ url, payload, status: res.statusCode ?? null, at }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    req.on('error', (error) => resolve({ url, payload, status: null, error: error.message, at }));
    req.end(body);
  });
}
