import proto from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporalBinaryPath } from '../../src/temporal/binaries';
import { SEARCH_ATTRIBUTES } from '../../src/temporal/messages';

const { IndexedValueType } = proto.temporal.api.enums.v1;

/** Starts the project-installed time-skipping test server, with the search attributes our workflows set. */
export async function startTimeSkippingServer(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: temporalBinaryPath('testServer') } },
  });
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      SEARCH_ATTRIBUTES.map((a) => [a.name, IndexedValueType[`INDEXED_VALUE_TYPE_${a.cliType.toUpperCase()}` as keyof typeof IndexedValueType]]),
    ),
  });
  return env;
}
