import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';

export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';

export interface TemporalTarget {
  address?: string;
  namespace: string;
}

/** gRPC's status codes for a server shedding load, and for one that cannot be reached. */
const RESOURCE_EXHAUSTED = 8;
const UNAVAILABLE = 14;
/** Attempts at a call to a server that cannot be reached: 4 retries, 0.17 s × 1.7ⁿ apart, about 1.8 s in all. */
const UNREACHABLE_ATTEMPTS = 5;

/**
 * The SDK's retries (RESOURCE_EXHAUSTED, UNAVAILABLE and the like, backing off exponentially), with two
 * changes. A server that cannot be reached is given up after about 2 s, so that a request that needs Temporal
 * answers 503 promptly while it is down. And a signal that meets a workflow in its continue-as-new (each of a
 * connection's cycles ends in one) is refused RESOURCE_EXHAUSTED "workflow is closing" for the few
 * milliseconds that takes: it is sent again after 0.17 s, not after the 1.7 s the SDK waits for a server that
 * sheds load.
 */
function retryInterceptor() {
  const sdk = defaultGrpcRetryOptions({
    initialIntervalMs: (status) => (status.code === RESOURCE_EXHAUSTED && !/workflow is closing/i.test(status.details) ? 1_000 : 100),
  });
  return makeGrpcRetryInterceptor({
    delayFunction: sdk.delayFunction,
    retryableDecider: (attempt, status) => (status.code !== UNAVAILABLE || attempt < UNREACHABLE_ATTEMPTS) && sdk.retryableDecider(attempt, status),
  });
}

/**
 * How soon the client's channel tries a Temporal that went away again. gRPC's own backoff grows to 120 s, so
 * after an outage of a few seconds an API process went on failing calls — a new connection's workflow start
 * among them — for many seconds after Temporal was back. Capped at 1 s (a TCP connect a second while it is
 * down), a call's retries (about 1.8 s, above) always meet a fresh attempt.
 */
const RECONNECT_BACKOFF = { 'grpc.initial_reconnect_backoff_ms': 200, 'grpc.max_reconnect_backoff_ms': 1_000 };

/**
 * A client whose connection is made on first use, so the API can start (and report Temporal as down on
 * /health) while Temporal is still starting or unreachable.
 */
export function lazyTemporalClient({ address = DEFAULT_TEMPORAL_ADDRESS, namespace }: TemporalTarget) {
  // Calls that must not hang on a server that does not answer carry a deadline (gateway.ts, health).
  const connection = Connection.lazy({ address, interceptors: [retryInterceptor()], channelArgs: RECONNECT_BACKOFF });
  return { connection, client: new Client({ connection, namespace }) };
}
