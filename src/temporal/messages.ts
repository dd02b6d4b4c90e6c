import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ContractListing, ListingScope } from '../cloudsign/client';
import type { DecisionAction } from '../ledger/reviews';
import type { ConnectionStatus } from '../ledger/status';
import type { Visibility } from '../ledger/visibility';

/**
 * Everything that crosses the Temporal boundary, in one place: workflow IDs, signals, the query, search
 * attributes and the payloads. Workflows, activities, the API and the tests import it alike, so a name is
 * defined once. It imports values only from the Temporal SDK (workflow code bundles it) and types from
 * the rest; only IDs, cursors and counts travel here — never a PDF, never a client ID.
 */

// ── Workflow IDs: derived from business keys, so that a second start of the same thing is refused ──

/** The one long-lived workflow of a connection. */
export function connectionWorkflowId(managementId: string): string {
  return `connection/${managementId}`;
}

/** The one workflow of a document waiting in a review-mode connection. */
export function reviewWorkflowId(managementId: string, documentId: string): string {
  return `review/${managementId}/${documentId}`;
}

/** The management ID a workflow ID above carries, for log lines; undefined for any other workflow. */
export function managementIdOfWorkflowId(workflowId: string): string | undefined {
  const [kind, managementId] = workflowId.split('/');
  return kind === 'connection' || kind === 'review' ? managementId : undefined;
}

// ── Search attributes: what an operator filters on in the Web UI or with `temporal workflow list` ──

export const MANAGEMENT_ID = defineSearchAttributeKey('ManagementId', SearchAttributeType.KEYWORD);
export const CONNECTION_STATUS = defineSearchAttributeKey('ConnectionStatus', SearchAttributeType.KEYWORD);
/** Files its last reconciliation found missing after its repair, on each connection workflow: `MissingFiles > 0` lists what needs a look. */
export const MISSING_FILES = defineSearchAttributeKey('MissingFiles', SearchAttributeType.INT);
/** `pending` | `approved` | `discarded` | `closed`, on each review workflow: `ReviewStatus = 'pending'` lists what waits. */
export const REVIEW_STATUS = defineSearchAttributeKey('ReviewStatus', SearchAttributeType.KEYWORD);

/** What a server must register (`temporal operator search-attribute create`, or at dev-server start). */
export const SEARCH_ATTRIBUTES = [
  { name: MANAGEMENT_ID.name, cliType: 'Keyword' },
  { name: CONNECTION_STATUS.name, cliType: 'Keyword' },
  { name: REVIEW_STATUS.name, cliType: 'Keyword' },
  { name: MISSING_FILES.name, cliType: 'Int' },
] as const;

// ── The connection workflow ──

export type SyncKind = 'full' | 'incremental' | 'manual' | 'reconcile';

/** A sync's slice of CloudSign: concluded documents whose `last_processed_at` falls in [from, to]. */
export interface SyncWindow {
  /** null for the full import: everything ever concluded. */
  from: string | null;
  to: string;
  /** Whose documents; `user` when absent (windows recorded before team listings existed). */
  scope?: ListingScope;
  /**
   * The lists the window reads one after the other, with the pages each had when counted: the run's page
   * numbers go through them in order. Absent: the scope's one list (windows recorded before imported
   * documents were synced).
   */
  listings?: WindowListing[];
}

/** One list of a window and the pages it had when the window was counted. */
export interface WindowListing {
  listing: ContractListing;
  pages: number;
}

/** A pending review whose workflow the connection's workflow starts. */
export interface ReviewToStart {
  reviewId: string;
  documentId: string;
}

/** What one page of a sync did. */
export interface PageResult {
  filesDone: number;
  hasMore: boolean;
  /** Review mode: the pending reviews of this page, whose workflows the connection's workflow starts. */
  reviews?: ReviewToStart[];
}

/** What a reconciliation found (its figures are on the connection: `completeness`). */
export interface ReconcileResult {
  /** Files CloudSign shows that were in none of the ledger's states before the repair. */
  missingBefore: number;
  /** … and after it: those the repair could not import are failing files then, so this is 0 unless a file vanished. */
  missing: number;
  cloudsignFiles: number;
  /** Review mode: the pending reviews the repair created. */
  reviews?: ReviewToStart[];
}

/** What one hook import call did (activities/hooks.ts): files handled, whether more documents wait. */
export interface HookImportResult {
  filesDone: number;
  hasMore: boolean;
  /** Review mode: the pending reviews it created. */
  reviews?: ReviewToStart[];
}

/** A sync in progress, carried over continue-as-new so a long import goes on at the page it reached. */
export interface RunningSync {
  /** The ledger's run (GET /v1/connections/:id/runs). */
  runId: string;
  kind: SyncKind;
  window: SyncWindow;
  page: number;
  filesDone: number;
  filesTotal: number;
}

/** What one workflow run of a connection hands to the next through continue-as-new. */
export interface ConnectionState {
  /** Finished syncs; names the ledger run of the next one (`<workflowId>/<cycle>`). */
  cycle: number;
  /** `to` of the last finished sync: the next window starts there, less the overlap. */
  lastSyncWindowEnd: string | null;
  running: RunningSync | null;
  paused: boolean;
  syncRequested: boolean;
  /** An incident e-mail went out; the next success closes it, so that a later failure mails again. */
  incidentOpen: boolean;
  /** Review mode: pending reviews whose workflows wait for the next workflow run to start them. */
  reviewsToStart?: ReviewToStart[];
  /** Workflow time of the last reconciliation (or of the first sync that knew of them): the next is due an interval later. */
  lastReconciledAt?: number;
  /** POST /v1/connections/:id/reconcile asked for one. */
  reconcileRequested?: boolean;
  /** CloudSign's webhook named documents for this connection (hookReceivedSignal): import them between syncs. */
  hooksPending?: boolean;
  /** Workflow time the next sync is due, kept while a wait rests (continue-as-new) in the middle. */
  syncDueAt?: number;
}

export interface ConnectionWorkflowInput {
  connectionId: string;
  managementId: string;
  syncIntervalMs: number;
  /** RECONCILE_INTERVAL when the workflow was started; 7 days for workflows started before it existed. */
  reconcileIntervalMs?: number;
  state?: ConnectionState;
}

export const syncNowSignal = defineSignal('syncNow');
/** Reconcile now (POST /v1/connections/:id/reconcile) instead of at the next interval. */
export const reconcileNowSignal = defineSignal('reconcileNow');
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
export const disconnectSignal = defineSignal('disconnect');
/** Settings (client ID, visibility, save mode…) changed: a connection waiting on an error tries again. */
export const settingsChangedSignal = defineSignal('settingsChanged');
/**
 * The quota was raised (`PUT /v1/quota`): whatever waits for quota goes on — a connection stopped by
 * `quota_exhausted`, and an approved review that could not be saved. Both workflows handle it.
 */
export const quotaRaisedSignal = defineSignal('quotaRaised');
/**
 * CloudSign's webhook named documents for this connection (recorded in the ledger's hook_imports): the
 * workflow imports them by ID when it is idle, after the run under way, or after a pause.
 */
export const hookReceivedSignal = defineSignal('hookReceived');

export interface ConnectionProgress {
  status: ConnectionStatus;
  run: { kind: SyncKind; page: number; filesDone: number; filesTotal: number } | null;
  lastSyncWindowEnd: string | null;
  paused: boolean;
}
export const progressQuery = defineQuery<ConnectionProgress>('progress');

// ── The review workflow ──

export type { DecisionAction };

/** A reviewer's decision, as the API records it in the ledger and then delivers it. */
export interface Decision {
  action: DecisionAction;
  /** The user who decided. */
  decidedBy: string;
  /** Approve only: the contracts' visibility and owners; the connection's where absent. */
  visibility?: Visibility;
  owners?: string[];
}
export const decisionSignal = defineSignal<[Decision]>('decision');
/**
 * A hint that the review may have been closed (its connection was disconnected): the workflow asks the
 * ledger, and ends if the ledger says so. The signal itself decides nothing.
 */
export const reviewClosedSignal = defineSignal('reviewClosed');

/** A decision as the ledger records it, as the signal carries it: absent options stay absent. */
export function decisionOf(recorded: { action: DecisionAction; decidedBy: string | null; visibility?: Visibility; owners?: string[] }): Decision {
  return {
    action: recorded.action,
    decidedBy: recorded.decidedBy ?? '',
    ...(recorded.visibility && { visibility: recorded.visibility }),
    ...(recorded.owners && { owners: recorded.owners }),
  };
}

/** The same decision, whatever the order of IDs: how a review workflow tells a signal that matches the ledger. */
export function sameDecision(a: Decision, b: Decision): boolean {
  const key = (d: Decision) =>
    JSON.stringify([
      d.action,
      d.decidedBy,
      d.visibility?.scope ?? null,
      d.visibility?.scope === 'groups' ? [...d.visibility.groupIds].sort() : null,
      d.owners ? [...d.owners].sort() : null,
    ]);
  return key(a) === key(b);
}

export interface ReviewWorkflowInput {
  reviewId: string;
  connectionId: string;
  managementId: string;
  documentId: string;
  /** Carried over continue-as-new: the review's current wait between two reads of the ledger. */
  recheckMs?: number;
}
