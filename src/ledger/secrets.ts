import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Secrets at rest (the CloudSign client IDs), under SECRETS_KEY (64 hex characters, 256 bits).
 *
 * - `encryptSecret` / `decryptSecret`: AES-256-GCM with a random 96-bit IV; the tag makes a tampered or
 *   wrongly keyed value fail loudly instead of decrypting to garbage.
 * - `fingerprintSecret`: HMAC-SHA256, deterministic, so that "this client ID is connected already" can be a
 *   unique index without storing anything a database dump could be searched with.
 *
 * The two uses get separate keys derived from SECRETS_KEY with HKDF, so neither output helps attack the other.
 */

const VERSION = 'v1';

/** A stored secret that SECRETS_KEY does not open: it was sealed under another key. */
export class SecretsKeyMismatchError extends Error {
  constructor() {
    super('A stored secret could not be decrypted: SECRETS_KEY is not the key it was encrypted with.');
    this.name = 'SecretsKeyMismatchError';
  }
}

export function encryptSecret(plain: string, secretsKey: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', deriveKey(secretsKey, 'encryption'), iv);
  const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), ciphertext].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
}

export function decryptSecret(sealed: string, secretsKey: string): string {
  const [version, iv, tag, ciphertext] = sealed.split('.');
  if (version !== VERSION || iv === undefined || tag === undefined || ciphertext === undefined) {
    throw new Error('This stored secret is not in a format this version can read.');
  }
  const decipher = createDecipheriv('aes-256-gcm', deriveKey(secretsKey, 'encryption'), Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretsKeyMismatchError();
  }
}

export function fingerprintSecret(plain: string, secretsKey: string): string {
  return createHmac('sha256', deriveKey(secretsKey, 'fingerprint')).update(plain, 'utf8').digest('hex');
}

function deriveKey(secretsKey: string, purpose: 'encryption' | 'fingerprint'): Buffer {
  if (!/^[0-9a-fA-F]{64}$/.test(secretsKey)) throw new Error('SECRETS_KEY must be 64 hexadecimal characters.');
  return Buffer.from(hkdfSync('sha256', Buffer.from(secretsKey, 'hex'), Buffer.alloc(0), `cloudsign-sync ${purpose}`, 32));
}
