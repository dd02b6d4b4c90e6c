import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * Every environment variable the service reads, parsed once. Names and defaults are part of the public
 * contract (../shared/spec/API.md "Configuration"): deployments and scripts set them.
 */

const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `90s`, `15m`, `24h`, `7d` → milliseconds. */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a duration such as 30s, 15m, 24h or 7d`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

const duration = z.string().transform((text, ctx) => {
  try {
    const ms = parseDuration(text);
    if (ms <= 0) throw new Error(`"${text}" must be longer than zero`);
    return ms;
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

const SIZE = /^(\d+)\s*(B|KB|MB|GB)?$/i;
const UNIT_BYTES = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 } as const;

/** `500KB`, `100MB`, `1GB` or bytes → bytes; `0` means no limit. */
const size = z.string().transform((text, ctx) => {
  const match = SIZE.exec(text.trim());
  if (!match) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a size such as 100MB, 500KB or a number of bytes (0: no limit)` });
    return z.NEVER;
  }
  return Number(match[1]) * UNIT_BYTES[(match[2]?.toUpperCase() ?? 'B') as keyof typeof UNIT_BYTES];
});

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const url = (protocols: string[], example: string) =>
  z
    .string()
    .trim()
    .refine((v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    }, `must be a ${protocols.join(' or ')} URL such as ${example}`);

const wholeNumber = (what: string, min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `must be ${what}`)
    .transform(Number)
    .pipe(z.number().min(min, `must be ${what}`).max(max, `must be ${what}`));

/** A secret with this few different characters was typed by a person or copied from an example, not generated. */
const MIN_DISTINCT_CHARACTERS = 10;
const PLACEHOLDER = /change[-_ ]?me|example|placeholder/i;
const generated = (text: string) => new Set(text).size >= MIN_DISTINCT_CHARACTERS && !PLACEHOLDER.test(text);

/** Where CloudSign's webhook comes from (cloudsign-api.md §8): production, then the sandbox. */
export const CLOUDSIGN_HOOK_ADDRESSES = ['52.68.17.229', '52.198.144.82', '3.112.114.42', '52.197.119.179'] as const;

/** An IPv4 or IPv6 address, or a CIDR range of one (`10.0.0.0/8`, `2001:db8::/32`). */
function isAddressOrRange(text: string): boolean {
  const [address, bits, ...rest] = text.split('/');
  const family = isIP(address ?? '');
  if (!family || rest.length) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}

/** The base of the URLs the service hands out (a connection's Hook URL). */
export function publicBaseUrl(config: Pick<Config, 'PUBLIC_BASE_URL' | 'PORT'>): string {
  return (config.PUBLIC_BASE_URL ?? `http://127.0.0.1:${config.PORT}`).replace(/\/+$/, '');
}

/** Variables whose value must not appear in an error message or a log line. */
const SECRET_VARIABLES = new Set(['DATABASE_URL', 'BOOTSTRAP_ADMIN_TOKEN', 'SMTP_URL', 'SECRETS_KEY']);

export const configSchema = z.object({
  PORT: wholeNumber('a port number between 1 and 65535', 1, 65535).default(3000),
  DATABASE_URL: url(['postgres:', 'postgresql:'], 'postgres://postgres@127.0.0.1:5432/cloudsign_sync').default(
    'postgres://postgres@127.0.0.1:5432/cloudsign_sync',
  ),
  TEMPORAL_ADDRESS: optionalText.pipe(
    z.string().regex(/^[\w.-]+:\d+$/, 'must be host:port, such as 127.0.0.1:7233').optional(),
  ),
  TEMPORAL_NAMESPACE: z.string().trim().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().trim().min(1).default('cloudsign-sync'),
  CLOUDSIGN_BASE_URL: optionalText.pipe(url(['https:', 'http:'], 'https://api.cloudsign.jp').optional()),
  CLOUDSIGN_REQUESTS_PER_MINUTE: wholeNumber('a whole number of requests, 0 for no limit', 0, 1_000_000).default(800),
  BOOTSTRAP_ADMIN_TOKEN: optionalText.pipe(
    z
      .string()
      .min(24, 'must be at least 24 characters long (use a random token)')
      .refine(generated, 'looks like a placeholder, not a random token: generate one (`openssl rand -base64 32`)')
      .optional(),
  ),
  /** The bootstrap admin's e-mail address (incident mail goes to admins); applied at start when it changed. */
  BOOTSTRAP_ADMIN_EMAIL: optionalText.pipe(z.email('must be an e-mail address such as it-admin@company.co.jp').max(320).optional()),
  SYNC_INTERVAL: duration.default(parseDuration('24h')),
  /** Time between a connection's reconciliations (a list-only sweep of everything, importing what is missing). */
  RECONCILE_INTERVAL: duration.default(parseDuration('7d')),
  /** How long a document waits for a review before its reviewers are reminded (then at most weekly). */
  REVIEW_REMINDER_AFTER: duration.default(parseDuration('7d')),
  /** The longest a review workflow waits before it reads its decision from the ledger again: a lost signal's bound. */
  REVIEW_DECISION_RECHECK: duration.default(parseDuration('1h')),
  SMTP_URL: optionalText.pipe(url(['smtp:', 'smtps:'], 'smtp://127.0.0.1:1025').optional()),
  MAIL_FROM: z.string().trim().min(3).default('cloudsign-sync <cloudsign-sync@localhost>'),
  SECRETS_KEY: optionalText.pipe(
    z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hexadecimal characters (a 256-bit key; `openssl rand -hex 32`)')
      .refine(generated, 'is not a random key (too few different digits): generate one with `openssl rand -hex 32`')
      .optional(),
  ),
  FILE_STORAGE_DIR: z.string().trim().min(1).default('./data/files'),
  /** `json` (one object per line) or `pretty`; unset: json, except in `npm run dev`. */
  LOG_FORMAT: optionalText.pipe(z.enum(['json', 'pretty'], 'must be json or pretty').optional()),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error'], 'must be debug, info, warn or error').default('info'),
  /** The interface the /metrics listener binds to: loopback unless an operator opens it to a scraper. */
  METRICS_ADDRESS: z.string().trim().min(1).default('127.0.0.1'),
  /** The /metrics listener's port (API and worker each serve their own); unset: no listener. */
  METRICS_PORT: optionalText.pipe(wholeNumber('a port number between 0 and 65535', 0, 65535).optional()),
  /** Failed authentications a source address may make within a minute before the API answers it 429; 0 = no limit. */
  AUTH_FAILURES_PER_MINUTE: wholeNumber('a whole number of failures, 0 for no limit', 0, 1_000_000).default(10),
  /** Addresses of reverse proxies whose `X-Forwarded-For` names the client; none by default (the peer is the source). */
  TRUSTED_PROXIES: z
    .string()
    .transform((text) => text.split(',').map((part) => part.trim()).filter(Boolean))
    .pipe(z.array(z.string().refine((address) => isIP(address) !== 0, 'must be IP addresses separated by commas, such as 10.0.0.2,10.0.0.3')))
    .default([]),
  /** How long a web console sign-in lasts; sign-out, a disabled user or a rotated token end it sooner. */
  CONSOLE_SESSION_TTL: duration.default(parseDuration('8h')),
  /** The Temporal Web UI's address, for the console's links to each connection's workflow; unset: no links. */
  TEMPORAL_WEB_UI_URL: optionalText.pipe(url(['https:', 'http:'], 'http://127.0.0.1:8233').optional()),
  /**
   * Source addresses the hook endpoint (POST /hooks/cloudsign/:token) accepts: IP addresses or CIDR ranges,
   * comma-separated. Default: the addresses CloudSign publishes for its webhook (production and sandbox).
   */
  CLOUDSIGN_HOOK_ALLOWED_IPS: z
    .string()
    .transform((text) => text.split(',').map((part) => part.trim()).filter(Boolean))
    .pipe(z.array(z.string().refine(isAddressOrRange, 'must be IP addresses or CIDR ranges separated by commas, such as 52.68.17.229,10.0.0.0/8')))
    .default([...CLOUDSIGN_HOOK_ADDRESSES]),
  /** The address people and CloudSign reach the API at, for the Hook URL shown on a connection; unset: http://127.0.0.1:PORT. */
  PUBLIC_BASE_URL: optionalText.pipe(url(['https:', 'http:'], 'https://cloudsign-sync.example.co.jp').optional()),
  /** A PDF larger than this is recorded as a failed file, not stored (CloudSign takes 50 MB per document). */
  FILE_SIZE_LIMIT: size.default(100 * 1024 ** 2),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Parses the environment. A wrong value stops start-up with one sentence that names the variable, so an
 * operator can fix a deployment without reading a stack trace.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const relevant = Object.fromEntries(
    Object.keys(configSchema.shape)
      .filter((name) => env[name] !== undefined)
      .map((name) => [name, env[name]]),
  );
  const result = configSchema.safeParse(relevant);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const name = String(issue.path[0]);
  const shown = SECRET_VARIABLES.has(name) ? '' : `=${JSON.stringify(env[name] ?? '')}`;
  throw new ConfigError(`Configuration error: ${name}${shown} ${issue.message}.`);
}
