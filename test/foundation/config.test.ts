import { expect, it } from 'vitest';
import { loadConfig, parseDuration } from '../../src/config';

it('gives the documented defaults when nothing is set', () => {
  const config = loadConfig({});
  expect(config).toMatchObject({
    PORT: 3000,
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/cloudsign_sync',
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: 'cloudsign-sync',
    SYNC_INTERVAL: 24 * 3_600_000,
    FILE_STORAGE_DIR: './data/files',
  });
  expect(config.TEMPORAL_ADDRESS).toBeUndefined();
  expect(config.CLOUDSIGN_BASE_URL).toBeUndefined();
});

it.each([
  [{ PORT: 'eighty' }, 'Configuration error: PORT="eighty" must be a port number between 1 and 65535.'],
  [{ SYNC_INTERVAL: '1 day' }, 'Configuration error: SYNC_INTERVAL="1 day" "1 day" is not a duration such as 30s, 15m, 24h or 7d.'],
  [{ TEMPORAL_ADDRESS: 'localhost' }, 'Configuration error: TEMPORAL_ADDRESS="localhost" must be host:port, such as 127.0.0.1:7233.'],
  [{ CLOUDSIGN_BASE_URL: 'api.cloudsign.jp' }, 'Configuration error: CLOUDSIGN_BASE_URL="api.cloudsign.jp" must be a https: or http: URL such as https://api.cloudsign.jp.'],
])('stops on a wrong value with one sentence naming the variable: %o', (env, message) => {
  expect(() => loadConfig(env)).toThrowError(message);
});

it('reads the file size limit in the units operators write, 0 for none', () => {
  expect(loadConfig({}).FILE_SIZE_LIMIT).toBe(100 * 1024 ** 2);
  expect(loadConfig({ FILE_SIZE_LIMIT: '500KB' }).FILE_SIZE_LIMIT).toBe(500 * 1024);
  expect(loadConfig({ FILE_SIZE_LIMIT: '2gb' }).FILE_SIZE_LIMIT).toBe(2 * 1024 ** 3);
  expect(loadConfig({ FILE_SIZE_LIMIT: '0' }).FILE_SIZE_LIMIT).toBe(0);
  expect(() => loadConfig({ FILE_SIZE_LIMIT: 'huge' })).toThrowError(/^Configuration error: FILE_SIZE_LIMIT="huge" .*is not a size such as 100MB/);
});

it('never repeats a secret value in its error', () => {
  const secret = 'postgres://admin:hunter2@db:5432';
  expect(() => loadConfig({ DATABASE_URL: secret.replace('postgres', 'mysql') })).toThrowError(/^Configuration error: DATABASE_URL must be/);
  expect(() => loadConfig({ SECRETS_KEY: 'hunter2' })).toThrowError('Configuration error: SECRETS_KEY must be 64 hexadecimal characters');
  expect(() => loadConfig({ SECRETS_KEY: 'hunter2' })).not.toThrowError(/hunter2/);
});

it('reads durations in the units operators write', () => {
  expect(parseDuration('90s')).toBe(90_000);
  expect(parseDuration('15m')).toBe(900_000);
  expect(parseDuration('7d')).toBe(7 * 86_400_000);
});

it('refuses secrets that were typed or copied from an example, not generated', () => {
  expect(() => loadConfig({ SECRETS_KEY: '0'.repeat(64) })).toThrowError(
    'Configuration error: SECRETS_KEY is not a random key (too few different digits): generate one with `openssl rand -hex 32`.',
  );
  expect(() => loadConfig({ BOOTSTRAP_ADMIN_TOKEN: 'change-me-to-a-long-random-token' })).toThrowError(
    /^Configuration error: BOOTSTRAP_ADMIN_TOKEN looks like a placeholder/,
  );
  expect(() => loadConfig({ BOOTSTRAP_ADMIN_TOKEN: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaa' })).toThrowError(/placeholder/);
  expect(() => loadConfig({ BOOTSTRAP_ADMIN_TOKEN: 'change-me-to-a-long-random-token' })).not.toThrowError(/change-me-to/);
  const generated = { SECRETS_KEY: '3f9a6c21d04be87f5a1c9e2d7b60f4a83c5e1d92b7a04f6e8c3d25b19a7e0f4c', BOOTSTRAP_ADMIN_TOKEN: 'q3Zr8vK1xN0bT6wYp2LmHc9sJdF4' };
  expect(loadConfig(generated)).toMatchObject(generated);
});

it("allows CloudSign's published webhook addresses by default, and reads addresses and CIDR ranges", () => {
  expect(loadConfig({}).CLOUDSIGN_HOOK_ALLOWED_IPS).toEqual(['52.68.17.229', '52.198.144.82', '3.112.114.42', '52.197.119.179']);
  expect(loadConfig({ CLOUDSIGN_HOOK_ALLOWED_IPS: '52.68.17.229, 10.0.0.0/8,2001:db8::/32' }).CLOUDSIGN_HOOK_ALLOWED_IPS).toEqual(['52.68.17.229', '10.0.0.0/8', '2001:db8::/32']);
  expect(() => loadConfig({ CLOUDSIGN_HOOK_ALLOWED_IPS: '10.0.0.0/33' })).toThrowError(
    'Configuration error: CLOUDSIGN_HOOK_ALLOWED_IPS="10.0.0.0/33" must be IP addresses or CIDR ranges separated by commas, such as 52.68.17.229,10.0.0.0/8.',
  );
  expect(loadConfig({ PORT: '8080' }).PUBLIC_BASE_URL).toBeUndefined();
});
