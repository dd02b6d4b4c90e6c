import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  getExternalWorkflowHandle,
  log,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  WorkflowIdReusePolicy,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { ConnectionActivities } from '../activities/connection';
import type { ReviewActivities } from '../activities/review';
import type { ConnectionStatus } from '../src/ledger/status';
import {
  decisionSignal,
  disconnectSignal,
  pauseSignal,
  progressQuery,
  quotaRaisedSignal,
  resumeSignal,
  reviewWorkflowId,
  settingsChangedSignal,
  syncNowSignal,
  type ConnectionState,
  type ConnectionWorkflowInput,
  type PageResult,
  type ReviewToStart,
  type SyncKind,
} from '../src/temporal/messages';
import type { reviewWorkflow } from './review';

/**
 * One long-lived workflow per connection (ID `connection/<managementId>`): the full import, then every
 * SYNC_INTERVAL an incremental sync of what changed since, forever. Each cycle ends in continue-as-new,
 * and so does a very long import, so that the history stays small for years. In review mode each new
 * document gets a review workflow of its own (workflows/review.ts), started here as an abandoned child.
 */

/** How far each incremental window reaches back, so that a document that becomes visible late is found. */
const OVERLAP_MS = 2 * 24 * 3_600_000;
/** Pages per workflow run before continue-as-new; each page is a handful of history events. */
const PAGES_PER_RUN = 200;
const RETRY_AFTER_STALL_MS = 30 * 60_000;
const QUOTA_RECHECK_MS = 3_600_000;
/**
 * Review workflows started per run. They are abandoned children that wait for people, for days or months,
 * and each one a run starts counts against Temporal's limit of 2,000 unfinished children per run (500
 * recommended) until that run closes. A run that reaches this number continues as new, carrying the
 * reviews it could not start yet: the new run starts them with a fresh count, and the children live on.
 */
const REVIEWS_PER_RUN = 400;
/** Review upkeep (reminders, lost decisions) while waiting; runs recorded before it replay without it. */
const REVIEW_UPKEEP_PATCH = 'review-upkeep';
/** The shortest wait for a reminder, so that a clock a little behind cannot make a busy loop. */
const MIN_REMINDER_WAIT_MS = 60_000;

/** Refusals only a person can resolve: the workflow stops and waits for them, it does not crash-loop. */
const NEEDS_PERSON = ['invalid_client', 'forbidden', 'api_not_in_plan', 'plan_not_supported'];
const QUOTA_EXHAUSTED = 'quota_exhausted';

const short = proxyActivities<ConnectionActivities & ReviewActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

const sync = proxyActivities<ConnectionActivities>({
  startToCloseTimeout: '30 minutes',
  // The activities heartbeat every few seconds whatever they are doing (see activities/connection.ts),
  // so a worker that died is noticed within this time and its page is retried elsewhere.
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    // About 45 minutes of retries; after that the workflow reports a stalled sync and keeps trying.
    maximumAttempts: 12,
    nonRetryableErrorTypes: [...NEEDS_PERSON, QUOTA_EXHAUSTED],
  },
});

export async function connectionWorkflow(input: ConnectionWorkflowInput): Promise<void> {
  const { connectionId, syncIntervalMs } = input;
  const state: ConnectionState = input.state ?? {
    cycle: 0,
    lastSyncWindowEnd: null,
    running: null,
    paused: false,
    syncRequested: false,
    incidentOpen: false,
  };
  let status: ConnectionStatus = 'idle';
  let disconnectRequested = false;
  let wakeUp = false;
  let reviewsStarted = 0;
  /** Starts of review workflows under way; every one must have happened before this run ends. */
  const reviewStarts: Promise<void>[] = [];

  setHandler(syncNowSignal, () => void (state.syncRequested = true));
  setHandler(pauseSignal, () => void (state.paused = true));
  setHandler(resumeSignal, () => {
    state.paused = false;
    wakeUp = true;
  });
  setHandler(disconnectSignal, () => void (disconnectRequested = true));
  setHandler(settingsChangedSignal, () => void (wakeUp = true));
  setHandler(quotaRaisedSignal, () => void (wakeUp = true));
  setHandler(progressQuery, () => ({
    status,
    run: state.running && {
      kind: state.running.kind,
      page: state.running.page,
      filesDone: state.running.filesDone,
      filesTotal: state.running.filesTotal,
    },
    lastSyncWindowEnd: state.lastSyncWindowEnd,
    paused: state.paused,
  }));

  async function setStatus(next: ConnectionStatus, extra: { nextSyncAt?: string } = {}) {
    status = next;
    upsertSearchAttributes({ ConnectionStatus: [next] });
    // The API records a disconnect itself; the other states only the workflow knows.
    if (next !== 'disconnected') await short.setConnectionStatus({ connectionId, status: next, ...extra });
  }

  /** Opens an incident (one e-mail per incident), showing `next` as the status while it lasts. */
  async function reportTrouble(kind: string, message: string, next?: 'error' | 'quota_exhausted') {
    if (next) {
      status = next;
      upsertSearchAttributes({ ConnectionStatus: [next] });
    }
    await short.reportIncident({ connectionId, kind, message, ...(next ? { status: next } : {}) });
  }

  /** Waits while paused; false when the connection is being disconnected. */
  async function untilRunnable(): Promise<boolean> {
    if (state.paused && !disconnectRequested) {
      await setStatus('paused');
      await condition(() => !state.paused || disconnectRequested);
    }
    return !disconnectRequested;
  }

  /**
   * Runs a step until it succeeds. Transient trouble is retried by the activity's retry policy; what
   * remains is either a refusal for a person (status `error`, one e-mail, wait for resume or new
   * settings), spent quota (status `quota_exhausted`, wait for more), or a sync that could not finish
   * for a long time (one e-mail, try again later).
   */
  async function persist<T>(step: () => Promise<T>, busy: ConnectionStatus): Promise<T | undefined> {
    for (;;) {
      if (!(await untilRunnable())) return undefined;
      if (status !== busy) await setStatus(busy);
      try {
        const result = await step();
        if (state.incidentOpen) {
          await short.resolveIncidents({ connectionId });
          state.incidentOpen = false;
        }
        return result;
      } catch (error) {
        const failure = error instanceof ActivityFailure ? error.cause : undefined;
        const type = failure instanceof ApplicationFailure ? failure.type ?? 'unknown' : 'unknown';
        const message = failure?.message ?? (error as Error).message;
        wakeUp = false;
        state.incidentOpen = true;
        if (type === QUOTA_EXHAUSTED) {
          await reportTrouble(type, message, 'quota_exhausted');
          // The API signals a raise; the periodic check covers a raise made while no signal could be sent.
          while (!wakeUp && !disconnectRequested && !(await short.hasQuota())) {
            await condition(() => wakeUp || disconnectRequested, QUOTA_RECHECK_MS);
          }
        } else if (NEEDS_PERSON.includes(type)) {
          await reportTrouble(type, message, 'error');
          await condition(() => wakeUp || disconnectRequested);
        } else {
          await reportTrouble('stalled', message);
          await condition(() => wakeUp || disconnectRequested, RETRY_AFTER_STALL_MS);
        }
      }
    }
  }

  async function runSync(kind: SyncKind): Promise<'done' | 'continued' | 'stopped'> {
    const busy: ConnectionStatus = kind === 'full' ? 'importing' : 'syncing';
    if (!state.running) {
      const from = state.lastSyncWindowEnd
        ? new Date(new Date(state.lastSyncWindowEnd).getTime() - OVERLAP_MS).toISOString()
        : null;
      const run = await persist(
        () => sync.beginRun({ connectionId, kind, runKey: `${workflowInfo().workflowId}/${state.cycle}`, from }),
        busy,
      );
      if (!run) return 'stopped';
      state.running = { runId: run.runId, kind, window: run.window, page: 1, filesDone: 0, filesTotal: run.filesTotal };
    }
    const running = state.running;
    for (let pagesThisRun = 0; ; pagesThisRun++) {
      if (pagesThisRun >= PAGES_PER_RUN || workflowInfo().continueAsNewSuggested) return 'continued';
      const page: PageResult | undefined = await persist(
        () =>
          sync.importPage({
            connectionId,
            runId: running.runId,
            window: running.window,
            page: running.page,
            filesDoneBefore: running.filesDone,
            filesTotal: running.filesTotal,
          }),
        busy,
      );
      if (!page) return 'stopped';
      running.filesDone += page.filesDone;
      if (page.reviews?.length) (state.reviewsToStart ??= []).push(...page.reviews);
      const allQueuedStarted = startReviews();
      if (!page.hasMore) break;
      running.page++;
      if (!allQueuedStarted) return 'continued';
    }
    await short.finishRun({ connectionId, runId: running.runId });
    state.lastSyncWindowEnd = running.window.to;
    state.running = null;
    return 'done';
  }

  /**
   * Starts the workflows of the queued reviews, as many as this run may (REVIEWS_PER_RUN); false when some
   * must wait for the next run. The starts go on while the next page is imported (starting a hundred
   * workflows takes the server a while); `awaitReviewStarts` waits for them before the run ends.
   */
  function startReviews(): boolean {
    const queue = state.reviewsToStart;
    if (!queue?.length) return true;
    const batch = queue.splice(0, REVIEWS_PER_RUN - reviewsStarted);
    reviewsStarted += batch.length;
    reviewStarts.push(...batch.map(startReview));
    if (queue.length) return false;
    delete state.reviewsToStart;
    return true;
  }

  /** A start still pending when the run closes would be dropped by the server: the run waits for them. */
  async function awaitReviewStarts(): Promise<void> {
    await Promise.all(reviewStarts);
  }

  /** A review whose workflow exists already (its page was listed twice) is skipped. */
  async function startReview({ reviewId, documentId }: ReviewToStart) {
    try {
      await startChild<typeof reviewWorkflow>('reviewWorkflow', {
        workflowId: reviewWorkflowId(input.managementId, documentId),
        args: [{ reviewId, connectionId, managementId: input.managementId, documentId }],
        // It waits for a person and must outlive this run (continue-as-new), a restart, even a disconnect.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        // One workflow per review, ever: a review done already is never started again.
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        searchAttributes: { ManagementId: [input.managementId], ReviewStatus: ['pending'] },
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  }

  /**
   * Review mode's care, while the connection waits for its next sync anyway: the reviewers' reminder (the
   * activity sends it when due, at most weekly) and a new delivery of decisions whose signal seems lost.
   * One place for every review of the connection, instead of a timer in each of thousands of review
   * workflows. Returns when the next reminder may be due; best effort: a failure waits for the next cycle.
   */
  async function reviewUpkeep(): Promise<number | null> {
    try {
      const upkeep = await short.reviewUpkeep({ connectionId });
      await Promise.all(
        upkeep.undelivered.map(({ documentId, decision }) =>
          // A workflow that has ended (the decision took effect meanwhile) or not started yet needs nothing.
          getExternalWorkflowHandle(reviewWorkflowId(input.managementId, documentId)).signal(decisionSignal, decision).catch(() => undefined),
        ),
      );
      return upkeep.nextReminderAt === null ? null : new Date(upkeep.nextReminderAt).getTime();
    } catch (error) {
      log.warn('review upkeep failed; it runs again at the next sync', { error: (error as Error).message });
      return null;
    }
  }

  upsertSearchAttributes({ ManagementId: [input.managementId] });
  // Reviews the last run could not start come first (one run starts at most REVIEWS_PER_RUN).
  if (!startReviews()) {
    await awaitReviewStarts();
    await continueAsNew<typeof connectionWorkflow>({ ...input, state });
  }
  let outcome: Awaited<ReturnType<typeof runSync>>;
  if (state.running) {
    outcome = await runSync(state.running.kind);
  } else if (state.lastSyncWindowEnd === null) {
    outcome = await runSync('full');
  } else {
    await waitForNextSync();
    const kind: SyncKind = state.syncRequested ? 'manual' : 'incremental';
    state.syncRequested = false;
    outcome = await runSync(kind);
  }

  await awaitReviewStarts();
  if (outcome === 'stopped' || disconnectRequested) {
    await setStatus('disconnected');
    return;
  }
  if (outcome === 'done') state.cycle++;
  await continueAsNew<typeof connectionWorkflow>({ ...input, state });

  /**
   * Sleeps until the next sync is due or asked for, showing `paused` while a pause holds it, and waking
   * meanwhile for the review upkeep when a reviewers' reminder falls due.
   */
  async function waitForNextSync() {
    const dueAt = Date.now() + syncIntervalMs;
    const nextSyncAt = new Date(dueAt).toISOString();
    let reminderAt = patched(REVIEW_UPKEEP_PATCH) ? await reviewUpkeep() : null;
    for (;;) {
      const paused = state.paused;
      await setStatus(paused ? 'paused' : 'idle', { nextSyncAt });
      for (;;) {
        const remaining = dueAt - Date.now();
        if (remaining <= 0) return;
        const reminderIn = reminderAt === null ? Infinity : Math.max(reminderAt - Date.now(), MIN_REMINDER_WAIT_MS);
        const woke = await condition(
          () => state.syncRequested || disconnectRequested || state.paused !== paused,
          Math.min(remaining, reminderIn),
        );
        if (woke) break;
        if (reminderIn >= remaining) return;
        reminderAt = await reviewUpkeep();
      }
      if (state.syncRequested || disconnectRequested) return;
    }
  }
}
