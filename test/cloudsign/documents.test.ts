import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CloudSignNotFoundError, CloudSignUnexpectedResponseError } from '../../src/cloudsign';
import { Sim, type TruthDocument } from './simulator';

let sim: Sim;
let truth: TruthDocument[];
let dir: string;
beforeAll(async () => {
  sim = await Sim.start({ documents: 120 });
  truth = await sim.truth();
  dir = await mkdtemp(join(tmpdir(), 'cloudsign-client-'));
});
afterAll(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => sim.control('POST', '/reset'));

const withAttribute = () => truth.find((t) => t.attribute !== null && t.attribute.amount !== null) as TruthDocument;
const withoutAttribute = () => truth.find((t) => t.attribute === null) as TruthDocument;

describe('documents and their information', () => {
  it('reads a document with its files', async () => {
    const t = truth[0] as TruthDocument;
    const d = await sim.client().getDocument(sim.accounts.demo, t.id);
    expect(d).toMatchObject({ id: t.id, title: t.title, status: 2, lastProcessedAt: t.lastProcessedAt, private: t.private });
    expect(d.files.map((f) => f.id)).toEqual(t.files.map((f) => f.id));
  });

  it('reads 書類情報 into the ledger fields, amount as a number or a string alike', async () => {
    const t = withAttribute();
    const a = t.attribute as Record<string, unknown>;
    const expected = {
      documentId: t.id,
      title: a.title,
      counterparty: a.counterparty,
      contractAt: a.contract_at,
      validityStartAt: a.validity_start_at,
      validityEndAt: a.validity_end_at,
      validityEndNoticeAt: a.validity_end_notice_at,
      autoUpdate: a.auto_update === 1 ? true : a.auto_update === 2 ? false : null,
      localId: a.local_id,
      amount: String(a.amount),
    };
    const client = sim.client();
    expect(await client.getDocumentAttribute(sim.accounts.demo, t.id)).toMatchObject(expected);
    await sim.control('PUT', '/behaviour', { amountAs: 'string', timezone: '+09:00' });
    const asString = await client.getDocumentAttribute(sim.accounts.demo, t.id);
    expect(asString).toMatchObject(expected);
    expect(asString?.updatedAt).toMatch(/Z$/);
    expect(typeof asString?.amount).toBe('string');
  });

  it('reads a document without 書類情報 (404) as null, and a missing document as not_found', async () => {
    expect(await sim.client().getDocumentAttribute(sim.accounts.demo, withoutAttribute().id)).toBeNull();
    const error = await sim.client().getDocument(sim.accounts.demo, 'x'.repeat(32)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CloudSignNotFoundError);
    expect((error as CloudSignNotFoundError).nonRetryable).toBe(true);
  });
});

describe('downloading files', () => {
  it('streams a PDF to a stream, with the size and SHA-256 CloudSign has', async () => {
    const t = truth.find((d) => d.files.length > 1) ?? (truth[0] as TruthDocument);
    for (const f of t.files) {
      const sink = new PassThrough();
      const chunks: Buffer[] = [];
      sink.on('data', (c: Buffer) => chunks.push(c));
      const result = await sim.client().downloadFileTo(sim.accounts.demo, t.id, f.id, sink);
      expect(result).toEqual({ size: f.size, sha256: f.sha256 });
      const bytes = Buffer.concat(chunks);
      expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(f.sha256);
    }
  });

  it('writes a path only once the file is complete', async () => {
    const t = truth[1] as TruthDocument;
    const f = t.files[0] as TruthDocument['files'][number];
    const path = join(dir, 'complete.pdf');
    expect(await sim.client().downloadFileTo(sim.accounts.demo, t.id, f.id, path)).toEqual({ size: f.size, sha256: f.sha256 });
    expect(createHash('sha256').update(await readFile(path)).digest('hex')).toBe(f.sha256);
    expect(await readdir(dir)).toEqual(['complete.pdf']);
  });

  it('refuses bytes that are not a PDF, leaving no file behind', async () => {
    const t = truth[2] as TruthDocument;
    const f = t.files[0] as TruthDocument['files'][number];
    // A proxy answering 200 with its own page in place of the file.
    const client = sim.client({
      fetch: async (input, init) =>
        String(input).includes('/files/')
          ? new Response('<html><body>Maintenance</body></html>', { status: 200, headers: { 'Content-Type': 'text/html' } })
          : fetch(input, init),
    });
    const path = join(dir, 'not-a-pdf.pdf');
    const error = await client.downloadFileTo(sim.accounts.demo, t.id, f.id, path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CloudSignUnexpectedResponseError);
    expect((error as Error).message).toMatch(/not a PDF.*<html/);
    expect((await readdir(dir)).filter((name) => name.startsWith('not-a-pdf'))).toEqual([]);
  });

  it('says which file is missing', async () => {
    const t = truth[0] as TruthDocument;
    const error = await sim.client().downloadFileTo(sim.accounts.demo, t.id, 'y'.repeat(32), new PassThrough()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CloudSignNotFoundError);
    expect((error as Error).message).toContain(`file ${'y'.repeat(32)} of document ${t.id}`);
  });
});
