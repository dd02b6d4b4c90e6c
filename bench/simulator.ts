/**
 * npm run bench:sim -- [--documents 20000] [--seconds 5] [--concurrency 8] [--truth]
 *
 * Starts the CloudSign simulator in this process (rate limit off) and measures, over loopback with bounded
 * concurrency for a bounded time: list pages per second (GET /documents?status=2, 100 documents a page)
 * and file downloads per second and MB/s (GET /documents/{id}/files/{fileID}). The client runs in the same
 * process, so the figures are a floor for what a separate client process would see. With --truth it also
 * times GET /_sim/truth, which hashes every PDF once.
 */
import { parseArgs } from 'node:util';
import { startSimulator } from '../src/cloudsign-simulator';

const { values } = parseArgs({
  options: {
    documents: { type: 'string', default: '20000' },
    seconds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '8' },
    truth: { type: 'boolean', default: false },
  },
});
const documents = Number(values.documents);
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const CLIENT_ID = 'BenchClient00000000000000000000000001';

interface Measurement {
  requests: number;
  bytes: number;
  latencies: number[];
  elapsedMs: number;
}

/** Runs `concurrency` loops of `once` until the time is up. */
async function measure(once: (i: number) => Promise<number>): Promise<Measurement> {
  const latencies: number[] = [];
  let bytes = 0;
  let next = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const t = performance.now();
        const received = await once(next++); // not `bytes += await …`: that would add to a stale total
        bytes += received;
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { requests: latencies.length, bytes, latencies, elapsedMs: performance.now() - start };
}

function report(name: string, m: Measurement): void {
  const sorted = [...m.latencies].sort((a, b) => a - b);
  const at = (q: number) => (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0).toFixed(1);
  const perSecond = (m.requests / m.elapsedMs) * 1000;
  const mbPerSecond = (m.bytes / 1024 / 1024 / m.elapsedMs) * 1000;
  console.log(
    `${name.padEnd(16)} ${perSecond.toFixed(0).padStart(6)} req/s  ${mbPerSecond.toFixed(1).padStart(6)} MB/s  ` +
      `avg ${(m.bytes / m.requests / 1024).toFixed(0)} KB  p50 ${at(0.5)} ms  p95 ${at(0.95)} ms  (${m.requests} requests)`,
  );
}

async function body(response: Response): Promise<number> {
  if (response.status !== 200) throw new Error(`HTTP ${response.status} from ${response.url}`);
  return (await response.arrayBuffer()).byteLength;
}

const startedAt = performance.now();
const sim = await startSimulator({ documents, clientId: CLIENT_ID, rateLimitPerMinute: 0 });
const startupMs = performance.now() - startedAt;
try {
  const memory = process.memoryUsage();
  console.log(`node ${process.version}, ${documents} documents, ${concurrency} concurrent requests, ${seconds} s per measurement`);
  console.log(`startup ${startupMs.toFixed(0)} ms, heap ${(memory.heapUsed / 1024 / 1024).toFixed(0)} MB, rss ${(memory.rss / 1024 / 1024).toFixed(0)} MB`);

  const token = ((await (await fetch(`${sim.url}/token`, { method: 'POST', body: new URLSearchParams({ client_id: CLIENT_ID }) })).json()) as { access_token: string }).access_token;
  const headers = { Authorization: `Bearer ${token}` };
  const pages = Math.max(1, Math.ceil(documents / 100));

  report('list pages', await measure((i) => fetch(`${sim.url}/documents?status=2&page=${(i % pages) + 1}`, { headers }).then(body)));

  // Files of documents spread over the whole list, fetched round-robin.
  const files: string[] = [];
  for (let page = 1; page <= pages; page += Math.max(1, Math.floor(pages / 10))) {
    const list = (await (await fetch(`${sim.url}/documents?status=2&page=${page}`, { headers })).json()) as { documents: { id: string; files: { id: string }[] }[] };
    for (const d of list.documents) for (const f of d.files) files.push(`/documents/${d.id}/files/${f.id}`);
  }
  report('file downloads', await measure((i) => fetch(`${sim.url}${files[i % files.length]}`, { headers }).then(body)));

  if (values.truth) {
    const t = performance.now();
    const truth = (await (await fetch(`${sim.url}/_sim/truth?client_id=${CLIENT_ID}`)).json()) as { files: number };
    console.log(`/_sim/truth      ${truth.files} files hashed in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
} finally {
  await sim.close();
}
