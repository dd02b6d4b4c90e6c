/**
 * The simulator's mutable state: the seeded world plus everything tests change at run time (tokens, rate
 * limit windows, faults, behaviour, the request log). `reset()` returns all of it to the seeded start.
 */
import { createHash } from 'node:crypto';
import { generateWorld, insertRecord, makeRecord } from './data';
import type { DocumentRecord, DocumentStatus, User, World } from './data';
import { describe } from './details';
import type { DocumentDetails, FileDetails } from './details';
import { DEFAULT_BEHAVIOUR, attributeModel } from './models';
import type { Behaviour } from './models';
import { renderPdf } from './pdf';
import { seeded } from './random';
import type { Random } from './random';
import { formatMicros, nowMicros } from './time';
import { RateLimiter, TokenStore, type RateLimitWindow } from './tokens';
import { quirkedAttribute, type DocumentQuirks } from './quirks';
import { deliverHook, hookPayload, type HookDelivery, type HookSettings } from './hooks';

export interface ResolvedOptions {
  documents: number;
  clientId: string;
  seed: number;
  tokenTtlSeconds: number;
  rateLimitPerMinute: number;
  rateLimitWindow: RateLimitWindow;
}

export interface Faults {
  /** Share of CloudSign requests answered 500 or 503. */
  errorRate: number;
  /** Share answered 429 with a Retry-After header. */
  tooManyRequestsRate: number;
  retryAfterSeconds: number;
  /** Added to every CloudSign request. */
  latencyMs: number;
  /** Share answered 504 (after the latency), as CloudSign's gateway does after 180 s. */
  gatewayTimeoutRate: number;
  /** Overrides the per-token limit (0 = none). */
  rateLimitPerMinute: number;
  rateLimitWindow: RateLimitWindow;
}

export interface RequestEntry {
  seq: number;
  method: string;
  path: string;
  status: number;
  at: string;
}

export interface ListQuery {
  statuses: ReadonlySet<DocumentStatus>;
  /** Inclusive bounds on last_processed_at, microseconds. */
  from?: number;
  to?: number;
}

export interface TruthDocument {
  id: string;
  /** 2 締結済 or 13 インポート書類. */
  status: DocumentStatus;
  title: string;
  lastProcessedAt: string;
  private: boolean;
  attribute: ReturnType<typeof attributeModel> | null;
  files: { id: string; name: string; size: number; sha256: string }[];
}

/** Enough for any test or demo; a long benchmark must not grow memory without bound. */
const REQUEST_LOG_LIMIT = 100_000;

export class SimulatorState {
  world!: World;
  tokens!: TokenStore;
  limiter!: RateLimiter;
  faults!: Faults;
  faultRandom!: Random;
  behaviour!: Behaviour;
  requests: RequestEntry[] = [];
  private sequence = 0;
  /** The Hook URLs of the demo user's team and the deliveries made (hooks.ts). */
  hooks: HookSettings = { urls: [] };
  hookDeliveries: HookDelivery[] = [];
  /** Per document ID, what it does differently (quirks.ts); emptied by reset. */
  quirks = new Map<string, DocumentQuirks>();
  /** file ID → size and SHA-256 of its PDF: tiny, and spares /_sim/truth regenerating every PDF each call. */
  private digests = new Map<string, { size: number; sha256: string }>();

  constructor(readonly options: ResolvedOptions) {
    this.reset();
  }

  reset(): void {
    const { seed, clientId, documents, tokenTtlSeconds, rateLimitPerMinute, rateLimitWindow } = this.options;
    this.world = generateWorld(seed, clientId, documents);
    this.tokens = new TokenStore(tokenTtlSeconds);
    this.limiter = new RateLimiter(rateLimitPerMinute, rateLimitWindow);
    this.behaviour = { ...DEFAULT_BEHAVIOUR };
    this.resetFaults();
    this.requests = [];
    this.digests.clear();
    this.quirks.clear();
    this.hooks = { urls: [] };
    this.hookDeliveries = [];
  }

  resetFaults(): void {
    this.setFaults({ errorRate: 0, tooManyRequestsRate: 0, retryAfterSeconds: 1, latencyMs: 0, gatewayTimeoutRate: 0, rateLimitPerMinute: this.options.rateLimitPerMinute, rateLimitWindow: this.options.rateLimitWindow });
  }

  /** New fault settings restart the fault sequence, so a test sees the same faults on every run. */
  setFaults(faults: Faults): void {
    this.faults = faults;
    this.faultRandom = seeded(this.options.seed, 'faults');
    this.limiter.limitPerMinute = faults.rateLimitPerMinute;
    this.limiter.window = faults.rateLimitWindow;
  }

  userByClientId(clientId: string): User | undefined {
    return this.world.users.find((u) => u.clientId === clientId);
  }

  userById(id: string): User | undefined {
    return this.world.users.find((u) => u.id === id);
  }

  logRequest(method: string, path: string, status: number): void {
    this.requests.push({ seq: ++this.sequence, method, path, status, at: new Date().toISOString() });
    if (this.requests.length > REQUEST_LOG_LIMIT) this.requests.splice(0, this.requests.length - REQUEST_LOG_LIMIT);
  }

  /** The documents `visible` admits that match the query, in list order (last_processed_at, then id). */
  list(visible: (record: DocumentRecord) => boolean, query: ListQuery): DocumentRecord[] {
    const { statuses, from = -Infinity, to = Infinity } = query;
    return this.world.ordered.filter(
      (r) => statuses.has(r.status) && r.lastProcessedAt >= from && r.lastProcessedAt <= to && !this.isHidden(r) && visible(r),
    );
  }

  isHidden(record: DocumentRecord): boolean {
    return this.quirks.get(record.id)?.hidden === true;
  }

  /** A listing served page `page`: documents set to leave the list after it now leave every listing. */
  listPageServed(page: number): void {
    for (const quirks of this.quirks.values()) {
      if (quirks.hideAfterListPage !== undefined && quirks.hideAfterListPage <= page) {
        quirks.hidden = true;
        delete quirks.hideAfterListPage;
      }
    }
  }

  details(record: DocumentRecord): DocumentDetails {
    const details = describe(this.world, record);
    const quirks = this.quirks.get(record.id);
    return quirks && details.attribute ? { ...details, attribute: quirkedAttribute(details.attribute, quirks) } : details;
  }

  pdf(details: DocumentDetails, file: FileDetails): Uint8Array<ArrayBuffer> {
    return renderPdf({ seed: this.options.seed, documentId: details.record.id, title: details.title, file, createdAt: details.createdAt });
  }

  private digest(details: DocumentDetails, file: FileDetails): { size: number; sha256: string } {
    let digest = this.digests.get(file.id);
    if (!digest) {
      const bytes = this.pdf(details, file);
      digest = { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
      this.digests.set(file.id, digest);
    }
    return digest;
  }

  /** A document as /_sim/truth reports it: canonical forms (Z timestamps, numeric amount) whatever the behaviour. */
  truth(record: DocumentRecord): TruthDocument {
    const details = this.details(record);
    return {
      id: record.id,
      status: record.status,
      title: details.title,
      lastProcessedAt: formatMicros(record.lastProcessedAt, 'Z'),
      private: record.private,
      attribute: details.attribute ? attributeModel(record.id, details.attribute, DEFAULT_BEHAVIOUR) : null,
      files: details.files.map((file) => ({ id: file.id, name: file.name, ...this.digest(details, file) })),
    };
  }

  /**
   * Posts the hook of a document to every Hook URL, as CloudSign does when it is concluded (status 2) or
   * cancelled (3); resolves when every delivery was answered or failed, each one logged.
   */
  async sendHooks(record: DocumentRecord, status: 1 | 2 | 3): Promise<HookDelivery[]> {
    if (!this.hooks.urls.length) return [];
    const details = this.details(record);
    const sender = details.participants[0]!;
    const payload = hookPayload({ id: record.id, title: details.title, status }, sender);
    const deliveries = await Promise.all(this.hooks.urls.map((url) => deliverHook(url, payload, this.hooks.sourceAddress)));
    this.hookDeliveries.push(...deliveries);
    if (this.hookDeliveries.length > REQUEST_LOG_LIMIT) this.hookDeliveries.splice(0, this.hookDeliveries.length - REQUEST_LOG_LIMIT);
    return deliveries;
  }

  /** New concluded documents of `user`, last processed now (a microsecond apart) or all at `lastProcessedAt`. */
  conclude(user: User, count: number, filesPerDocument?: number, lastProcessedAt?: number): string[] {
    const start = nowMicros();
    return Array.from({ length: count }, (_, i) => {
      const n = this.world.concludedOnDemand++;
      const record = makeRecord(this.options.seed, {
        key: `concluded:${n}`,
        status: 2,
        team: user.team,
        members: [user],
        sentByMember: true,
        hasAttribute: n % 12 !== 5,
        fileCount: filesPerDocument,
        lastProcessedAt: lastProcessedAt ?? start + i,
      });
      insertRecord(this.world, record);
      return record.id;
    });
  }
}
