import { expect, it } from 'vitest';
import { createLogger, type LoggerOptions } from '../../src/logging';
import { temporalLogger } from '../../worker/telemetry';

const NOW = new Date('2026-12-01T09:00:00.000Z');

function captured(options: LoggerOptions = {}) {
  const lines: string[] = [];
  const logger = createLogger({ now: () => NOW, write: (line) => lines.push(line), ...options });
  return { logger, lines, entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

it('writes one JSON object per line with time, level, message and the context of its child loggers', () => {
  const { logger, lines, entries } = captured();
  const run = logger.child({ managementId: 'CS-0007', connectionId: 'c-1' });
  run.info('page imported', { page: 2, files: 5 });
  run.child({ runId: 'r-1' }).warn('incident reported', { kind: 'forbidden', error: new TypeError('fetch failed') });
  expect(lines.every((line) => line.endsWith('\n') && !line.slice(0, -1).includes('\n'))).toBe(true);
  expect(entries()).toEqual([
    { time: NOW.toISOString(), level: 'info', msg: 'page imported', managementId: 'CS-0007', connectionId: 'c-1', page: 2, files: 5 },
    { time: NOW.toISOString(), level: 'warn', msg: 'incident reported', managementId: 'CS-0007', connectionId: 'c-1', runId: 'r-1', kind: 'forbidden', error: 'TypeError: fetch failed' },
  ]);
});

it('never writes the value of a field named like a credential, whoever passes it', () => {
  const { logger, lines, entries } = captured();
  logger.child({ clientId: 'abcdefghijklmnopqrstuvwxyz0123456789' }).info('checked', {
    accessToken: 'tok-123',
    client_id: 'raw-id',
    Authorization: 'Bearer xyz',
    SECRETS_KEY: 'deadbeef',
    smtpUrl: 'smtps://u:p@host',
    connectionId: 'c-1',
  });
  expect(lines.join('')).not.toMatch(/abcdefghij|tok-123|raw-id|xyz|deadbeef|u:p@/);
  expect(entries()[0]).toMatchObject({ clientId: '[redacted]', accessToken: '[redacted]', connectionId: 'c-1' });
});

it('drops lines below its level, and writes a readable line in the pretty format', () => {
  const { logger, lines } = captured({ level: 'warn', format: 'pretty' });
  logger.info('not shown');
  logger.error('mail outbox round failed', { managementId: 'CS-0001', attempts: 3 });
  expect(lines).toEqual(['09:00:00.000 ERROR mail outbox round failed managementId=CS-0001 attempts=3\n']);
});

it("carries the Temporal SDK's lines with their context and the management ID of the workflow, and drops TRACE", () => {
  const { logger, entries } = captured({ level: 'debug' });
  const sdk = temporalLogger(logger);
  sdk.trace('too fine');
  sdk.warn('Activity failed', { workflowId: 'review/CS-0012/doc-9', activityType: 'applyReviewDecision', taskToken: 'opaque' });
  sdk.log('INFO', 'Worker state changed', { taskQueue: 'q', state: 'RUNNING' });
  expect(entries()).toEqual([
    { time: NOW.toISOString(), level: 'warn', msg: 'Activity failed', managementId: 'CS-0012', workflowId: 'review/CS-0012/doc-9', activityType: 'applyReviewDecision', taskToken: '[redacted]' },
    { time: NOW.toISOString(), level: 'info', msg: 'Worker state changed', taskQueue: 'q', state: 'RUNNING' },
  ]);
});
