import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../src/cloudsign-simulator';
import { createCloudSignClient, type CloudSignClient, type CloudSignClientOptions } from '../../src/cloudsign';

export interface LoggedRequest {
  seq: number;
  method: string;
  path: string;
  status: number;
  at: string;
}

export interface TruthDocument {
  id: string;
  title: string;
  lastProcessedAt: string;
  private: boolean;
  attribute: Record<string, unknown> | null;
  files: { id: string; name: string; size: number; sha256: string }[];
}

/** A running simulator and its /_sim control endpoints. */
export class Sim {
  private constructor(private readonly running: RunningSimulator) {}

  static async start(options: Partial<SimulatorOptions> = {}): Promise<Sim> {
    return new Sim(await startSimulator({ documents: 250, clientId: 'demo-client-id-0123456789abcdef0123', port: 0, ...options }));
  }

  get url(): string {
    return this.running.url;
  }

  get accounts() {
    return this.running.accounts;
  }

  /** A client of this simulator with quick retries, so that fault tests stay fast. */
  client(options: Partial<CloudSignClientOptions> = {}): CloudSignClient {
    return createCloudSignClient({
      baseUrl: this.url,
      retry: { baseDelayMs: 5, maxDelayMs: 50, maxAttempts: 30 },
      ...options,
    });
  }

  async control<T = unknown>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.url}/_sim${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} /_sim${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  async requests(): Promise<LoggedRequest[]> {
    return (await this.control<{ requests: LoggedRequest[] }>('GET', '/requests')).requests;
  }

  /** The concluded documents (status 2) `clientId` can list: what `/documents?status=2` must list. */
  async truth(clientId = this.accounts.demo): Promise<TruthDocument[]> {
    const query = new URLSearchParams({ client_id: clientId, include_imported: 'n' });
    return (await this.control<{ documents: TruthDocument[] }>('GET', `/truth?${query}`)).documents;
  }

  close(): Promise<void> {
    return this.running.close();
  }
}

export async function collect<T>(pages: AsyncIterable<{ documents: T[] }>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(...page.documents);
  return all;
}
