import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileStorage, type FileStorage } from '../../src/storage';

describe('file storage', () => {
  let dir: string;
  let storage: FileStorage;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cloudsign-sync-storage-'));
    storage = createFileStorage({ dir });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const pdf = '%PDF-1.7\n' + 'x'.repeat(100_000);
  const sha256 = createHash('sha256').update(pdf).digest('hex');
  /** A stream of `content` in small chunks, as a download arrives. */
  const chunked = (content: string) => Readable.from(content.match(/[\s\S]{1,4096}/g)!.map((c) => Buffer.from(c)));

  it('stores content under its SHA-256, sharded by the first two hex digits', async () => {
    expect(await storage.put(chunked(pdf))).toEqual({ sha256, size: pdf.length });
    expect(storage.path(sha256)).toBe(join(dir, sha256.slice(0, 2), `${sha256}.pdf`));
    expect(await readFile(storage.path(sha256), 'utf8')).toBe(pdf);
    expect(await storage.exists(sha256)).toBe(true);
    expect(await text(storage.open(sha256))).toBe(pdf);
  });

  it('stores the same content once, also when it arrives twice at the same time', async () => {
    await Promise.all([storage.put(chunked(pdf)), storage.put(chunked(pdf)), storage.put(chunked(pdf))]);
    expect(await readdir(join(dir, sha256.slice(0, 2)))).toEqual([`${sha256}.pdf`]);
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
  });

  it('leaves nothing under a final name when the source fails half-way', async () => {
    const failing = Readable.from(
      (async function* () {
        yield Buffer.from('%PDF-1.7 half');
        throw new Error('connection reset');
      })(),
    );
    await expect(storage.put(failing)).rejects.toThrow('connection reset');
    expect((await readdir(dir)).filter((name) => name !== 'tmp')).toEqual([]);
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
  });

  it('fails the put, and nothing else, when the source fails before a byte arrives', async () => {
    // As the importer feeds a download: the stream fails at once (CloudSign refused the token refresh, or
    // answered 404) while put is still preparing its folder. An unheard 'error' event would end the process.
    const unhandled: unknown[] = [];
    const onUnhandled = (error: unknown) => unhandled.push(error);
    process.on('uncaughtException', onUnhandled);
    try {
      const source = new PassThrough();
      const stored = storage.put(source);
      source.destroy(new Error('CloudSign refused access'));
      await expect(stored).rejects.toThrow('CloudSign refused access');
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      process.off('uncaughtException', onUnhandled);
    }
    expect(unhandled).toEqual([]);
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
  });

  it('accepts only SHA-256 names, so no path can leave the store', async () => {
    expect(await storage.exists('0'.repeat(64))).toBe(false);
    expect(() => storage.path('../../etc/passwd')).toThrow();
    expect(() => storage.open('A'.repeat(64))).toThrow();
  });
});
