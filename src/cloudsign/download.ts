import { createHash } from 'node:crypto';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CloudSignError, CloudSignNotPdfError } from './errors';
import { networkError, type Call } from './responses';

const PDF_MAGIC = Buffer.from('%PDF-');

export interface DownloadedFile {
  size: number;
  /** Hex SHA-256 of the bytes written. */
  sha256: string;
}

/**
 * Writes a response body to `destination`, hashing and counting it, and fails as soon as it is plainly
 * not a PDF (an error page or JSON served with 200 must not be stored as a contract).
 */
export async function streamPdf(response: Response, destination: Writable, call: Call): Promise<DownloadedFile> {
  const hash = createHash('sha256');
  let size = 0;
  let head = Buffer.alloc(0);
  const notPdf = () =>
    new CloudSignNotPdfError(
      `While ${call.doing}, CloudSign sent something that is not a PDF (it starts with ` +
        `${JSON.stringify(head.toString('latin1'))}; Content-Type ${response.headers.get('content-type') ?? 'none'}).`,
      response.status,
    );
  async function* verified(body: AsyncIterable<Uint8Array>) {
    try {
      for await (const chunk of body) {
        if (head.length < PDF_MAGIC.length) {
          head = Buffer.concat([head, chunk]).subarray(0, PDF_MAGIC.length);
          if (!PDF_MAGIC.subarray(0, head.length).equals(head)) throw notPdf();
        }
        size += chunk.length;
        hash.update(chunk);
        yield chunk;
      }
    } catch (error) {
      // Only errors of reading the body (and our own) land here; the destination's pass through as they are.
      throw error instanceof CloudSignError ? error : networkError(error, call);
    }
    if (head.length < PDF_MAGIC.length) throw notPdf();
  }
  await pipeline(verified(response.body ?? emptyBody()), destination);
  return { size, sha256: hash.digest('hex') };
}

async function* emptyBody(): AsyncGenerator<Uint8Array> {}
