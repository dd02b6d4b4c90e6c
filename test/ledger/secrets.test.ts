import { describe, expect, it } from 'vitest';
import { decryptSecret, encryptSecret, fingerprintSecret } from '../../src/ledger/secrets';

const key = '0f'.repeat(32);

describe('secrets', () => {
  it('encrypts with a fresh IV each time and decrypts back', () => {
    const a = encryptSecret('client-id-123', key);
    const b = encryptSecret('client-id-123', key);
    expect(a).not.toBe(b);
    expect(a).not.toContain('client-id');
    expect(decryptSecret(a, key)).toBe('client-id-123');
  });

  it('refuses a tampered value or the wrong key', () => {
    const sealed = encryptSecret('client-id-123', key);
    const parts = sealed.split('.');
    const ciphertext = Buffer.from(parts[3]!, 'base64url');
    ciphertext[0]! ^= 1;
    parts[3] = ciphertext.toString('base64url');
    expect(() => decryptSecret(parts.join('.'), key)).toThrow(/could not be decrypted/);
    expect(() => decryptSecret(sealed, 'f0'.repeat(32))).toThrow(/could not be decrypted/);
    expect(() => encryptSecret('x', 'short')).toThrow(/64 hexadecimal/);
  });

  it('fingerprints deterministically, per key, without revealing the value', () => {
    expect(fingerprintSecret('client-id-123', key)).toBe(fingerprintSecret('client-id-123', key));
    expect(fingerprintSecret('client-id-123', key)).not.toBe(fingerprintSecret('client-id-124', key));
    expect(fingerprintSecret('client-id-123', key)).not.toBe(fingerprintSecret('client-id-123', 'f0'.repeat(32)));
    expect(fingerprintSecret('client-id-123', key)).toMatch(/^[0-9a-f]{64}$/);
  });
});
