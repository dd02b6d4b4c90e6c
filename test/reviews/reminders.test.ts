import { afterAll, beforeAll, expect, it } from 'vitest';
import { startService, type Service } from '../support/service';
import { connectForReview, connectionWhen, endReviewWorkflows, giveBackTimeSkippingLocks, listReviews, people, reviewWhen, type People } from './support';

const DAY = 24 * 3_600_000;
const REMIND_AFTER = 3 * DAY;

let service: Service;
let who: People;

beforeAll(async () => {
  service = await startService({ simulator: { documents: 4 }, reviewReminderAfterMs: REMIND_AFTER, ownTemporalServer: true });
  who = await people(service);
});
afterAll(async () => {
  if (service) await endReviewWorkflows(service);
  await service?.close();
});

it('reminds the reviewers after the configured wait, at most weekly, and no more once nothing waits', async () => {
  const connection = await connectForReview(service, service.simulator.accounts.demo, who);
  await connectionWhen(service, connection.id, (c) => c.status === 'idle' && c.lastSyncAt, 'the full import');
  const pending = await listReviews(service, 'status=pending');
  expect(pending.length).toBeGreaterThan(0);
  const reminders = () => service.mail.messages.filter((m) => m.subject.includes(connection.managementId));

  /** Lets `days` simulated days pass one at a time, each with its daily sync. */
  async function live(days: number, extraMs = 0) {
    for (let day = 0; day < days; day++) {
      const { lastSyncAt } = (await service.api('GET', `/v1/connections/${connection.id}`)).body;
      await giveBackTimeSkippingLocks(service);
      await service.env.sleep(DAY + (day === days - 1 ? extraMs : 0));
      await connectionWhen(service, connection.id, (c) => c.status === 'idle' && c.lastSyncAt !== lastSyncAt, 'the daily sync');
    }
  }

  await live(2);
  expect(reminders()).toEqual([]);

  await live(1, 60_000);
  const first = await service.mail.waitFor((m) => m.subject.includes(connection.managementId));
  expect(first.text).toContain(connection.managementId);
  expect(first.subject).toContain(`${pending.length}`);
  expect(first.to.sort()).toEqual(['groupmember@example.jp', 'reviewer@example.jp']);

  // Not again within the week, although the documents still wait…
  await live(6);
  expect(reminders()).toHaveLength(1);
  // …and again a week after the first.
  await live(1);
  await service.mail.waitFor((m) => m.subject.includes(connection.managementId) && m !== first);
  expect(reminders()).toHaveLength(2);

  // Once every document is decided, nobody is reminded any more.
  for (const review of pending) {
    expect((await service.api('POST', `/v1/reviews/${review.id}/discard`, undefined, who.reviewer.token)).status).toBe(202);
    await reviewWhen(service, review.id, (r) => r.status === 'discarded', 'the discard');
  }
  await live(8);
  expect(reminders()).toHaveLength(2);
}, 180_000);
