import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CloudSignApiNotInPlanError,
  CloudSignError,
  CloudSignForbiddenError,
  CloudSignInvalidClientError,
  CloudSignPlanNotSupportedError,
  isRetryable,
  needsPerson,
  type CloudSignErrorCode,
} from '../../src/cloudsign';
import { collect, Sim } from './simulator';

let sim: Sim;
beforeAll(async () => {
  sim = await Sim.start({ documents: 120 });
});
afterAll(() => sim.close());
beforeEach(() => sim.control('POST', '/reset'));

async function refusal(promise: Promise<unknown>): Promise<CloudSignError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CloudSignError);
  return error as CloudSignError;
}

describe('checking a client ID before connecting', () => {
  it('accepts a working client ID and tells who it is and how much it sees', async () => {
    const access = await sim.client().checkAccess(sim.accounts.demo);
    expect(access.concludedDocuments).toBe((await sim.truth()).length);
    expect(access.user.id).toEqual(expect.any(String));
    expect(access.user.authorities).toEqual({
      teamAdministrator: expect.any(Boolean),
      teamDocumentAdministrator: expect.any(Boolean),
      documentApprover: expect.any(Boolean),
      privateDocumentAdministrator: expect.any(Boolean),
    });
    const requests = await sim.requests();
    expect(requests.map((r) => r.path.split('?')[0])).toEqual(['/token', '/me', '/documents']);
  });

  const cases: [keyof Sim['accounts'], CloudSignErrorCode, new (...args: never[]) => CloudSignError, RegExp][] = [
    ['unknown', 'invalid_client', CloudSignInvalidClientError, /does not know this client ID/],
    ['disabled', 'forbidden', CloudSignForbiddenError, /disabled or deleted.*IP address restriction/s],
    ['ipRestricted', 'forbidden', CloudSignForbiddenError, /disabled or deleted.*IP address restriction/s],
    ['noWebApi', 'api_not_in_plan', CloudSignApiNotInPlanError, /does not include the Web API option/],
    ['enterprise', 'plan_not_supported', CloudSignPlanNotSupportedError, /multi-department management/],
  ];
  for (const [account, code, type, message] of cases) {
    it(`refuses the ${account} account as ${code}, with a message a person can act on and no client ID in it`, async () => {
      const clientId = sim.accounts[account] as string;
      const error = await refusal(sim.client().checkAccess(clientId));
      expect(error).toBeInstanceOf(type);
      expect(error.code).toBe(code);
      expect(error.nonRetryable).toBe(true);
      expect(needsPerson(error)).toBe(true);
      expect(needsPerson(error.code)).toBe(true);
      expect(isRetryable(error)).toBe(false);
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain(clientId);
      expect(JSON.stringify(error)).not.toContain(clientId);
      expect(String(error.stack)).not.toContain(clientId);
    });
  }

  it('turns a user disabled after connecting into forbidden on the next call', async () => {
    const client = sim.client();
    await client.checkAccess(sim.accounts.demo);
    await sim.control('POST', '/users/disable', { clientId: sim.accounts.demo });
    const error = await refusal(collect(client.listConcludedDocuments(sim.accounts.demo)));
    expect(error.code).toBe('forbidden');
    expect(error.message).not.toContain(sim.accounts.demo);
  });
});
