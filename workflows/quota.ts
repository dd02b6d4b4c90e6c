import { defineSignal } from '@temporalio/workflow';

/**
 * The quota was raised (`PUT /v1/quota`): whatever waits for quota goes on — a connection stopped by
 * `quota_exhausted`, and an approved review that could not be saved. Shared by both workflows.
 */
export const quotaRaisedSignal = defineSignal('quotaRaised');
