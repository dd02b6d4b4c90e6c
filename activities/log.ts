import { Context } from '@temporalio/activity';
import type { Logger } from '../src/logging';
import { managementIdOfWorkflowId } from '../src/temporal/messages';

/** The activity's log lines carry what an operator searches by: the management ID and the workflow. */
export function activityLogger(logger: Logger, fields: Record<string, unknown> = {}): Logger {
  const { workflowExecution, activityType, attempt } = Context.current().info;
  const workflowId = workflowExecution?.workflowId;
  return logger.child({ managementId: workflowId && managementIdOfWorkflowId(workflowId), workflowId, activityType, attempt, ...fields });
}
