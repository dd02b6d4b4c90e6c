import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface StoredFile {
  /** Lower-case hex SHA-256 of the bytes: the file's name in the store. */
  sha256: string;
  size: number;
}

export interface FileStorage {
  /** Stores a stream's bytes; the same content twice is stored once. */
  put(source: Readable): Promise<StoredFile>;
  open(sha256: string): Readable;
  exists(sha256: string): Promise<boolean>;
  /** Deletes a stored file; one that is not there is no error (a retried delete). */
  remove(sha256: string): Promise<void>;
  path(sha256: string): string;
}

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * A content-addressed store of PDFs on disk: `<dir>/<first two hex digits>/<sha256>.pdf`. A file is
 * written to a temporary name in the store's own folder while it is hashed, then renamed into place, so
 * a reader never sees half a file and a crash leaves at most a temporary file behind.
 */
export function createFileStorage({ dir }: { dir: string }): FileStorage {
  const root = resolve(dir);
  const pathOf = (sha256: string) => {
    if (!SHA256.test(sha256)) throw new Error(`"${sha256}" is not a SHA-256 in lower-case hex`);
    return join(root, sha256.slice(0, 2), `${sha256}.pdf`);
  };
  const exists = (sha256: string) =>
    access(pathOf(sha256)).then(
      () => true,
      () => false,
    );

  return {
    async put(source) {
      // The source may fail before the pipeline below listens to it (a download refused at once, while the
      // folder is being made): an 'error' event nobody hears ends the process. Hear it now; the pipeline still
      // sees the error (it checks `source.errored`) and put rejects with it.
      source.on('error', () => undefined);
      const tmpDir = join(root, 'tmp');
      await mkdir(tmpDir, { recursive: true });
      const tmp = join(tmpDir, `${randomUUID()}.part`);
      const hash = createHash('sha256');
      let size = 0;
      try {
        await pipeline(
          source,
          async function* (chunks: AsyncIterable<Buffer>) {
            for await (const chunk of chunks) {
              hash.update(chunk);
              size += chunk.length;
              yield chunk;
            }
          },
          // Flushed to disk before the rename: after a crash, a file under its final name is whole.
          createWriteStream(tmp, { flush: true }),
        );
        const sha256 = hash.digest('hex');
        const target = pathOf(sha256);
        if (await exists(sha256)) {
          await rm(tmp, { force: true });
        } else {
          await mkdir(join(root, sha256.slice(0, 2)), { recursive: true });
          await rename(tmp, target);
        }
        return { sha256, size };
      } catch (error) {
        await rm(tmp, { force: true });
        throw error;
      }
    },
    open: (sha256) => createReadStream(pathOf(sha256)),
    exists,
    remove: (sha256) => rm(pathOf(sha256), { force: true }),
    path: pathOf,
  };
}
