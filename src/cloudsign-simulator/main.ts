/**
 * npm run cloudsign:sim -- --port <p> --documents <n> --client-id <id> [--seed <s>] [--rate-limit <n>] [--rate-limit-window fixed|sliding] [--token-ttl <s>] [--host <h>]
 *
 * Runs the simulator alone and prints its URL and accounts. The demo client ID is the one you passed and is
 * not echoed; the other accounts' client IDs are fixtures the simulator made up from the seed (also served
 * by GET /_sim/accounts), printed because you need them to try each refusal.
 */
import { parseArgs } from 'node:util';
import { startSimulator } from './index';

const USAGE = 'usage: npm run cloudsign:sim -- --port <p> --documents <n> --client-id <id> [--seed <s>] [--rate-limit <n>] [--rate-limit-window fixed|sliding] [--token-ttl <s>] [--host <h>]';

function integer(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new Error(`--${name} must be a whole number`);
  return Number(text);
}

function rateLimitWindow(text: string | undefined): 'fixed' | 'sliding' | undefined {
  if (text === undefined || text === 'fixed' || text === 'sliding') return text;
  throw new Error('--rate-limit-window must be fixed or sliding');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      documents: { type: 'string' },
      'client-id': { type: 'string' },
      seed: { type: 'string' },
      'rate-limit': { type: 'string' },
      'rate-limit-window': { type: 'string' },
      'token-ttl': { type: 'string' },
      host: { type: 'string' },
    },
  });
  const clientId = values['client-id'];
  const documents = integer('documents', values.documents);
  if (!clientId || documents === undefined) throw new Error(USAGE);

  const simulator = await startSimulator({
    documents,
    clientId,
    port: integer('port', values.port),
    seed: integer('seed', values.seed),
    rateLimitPerMinute: integer('rate-limit', values['rate-limit']),
    rateLimitWindow: rateLimitWindow(values['rate-limit-window']),
    tokenTtlSeconds: integer('token-ttl', values['token-ttl']),
    host: values.host,
  });
  const { accounts } = simulator;
  const rows: [string, string, string][] = [
    ['demo', '(the --client-id you passed)', `${documents} concluded documents`],
    ['teamAdmin', accounts.teamAdmin, 'team administrator: GET /team_documents lists the whole team'],
    ['documentManager', accounts.documentManager, '書類管理権限 without 親展書類管理権限: /team_documents without 親展 documents'],
    ...accounts.members.map((id, i): [string, string, string] => [`members[${i}]`, id, 'team member: sees what they sent or received']),
    ['unknown', accounts.unknown, 'not registered: POST /token → 400 invalid_client'],
    ['disabled', accounts.disabled, 'disabled user: POST /token → 403 forbidden'],
    ['ipRestricted', accounts.ipRestricted, 'IP-restricted team: 403 forbidden on /token and everywhere'],
    ['noWebApi', accounts.noWebApi, 'plan without Web API: token, then 403 webapi_option_required'],
    ['enterprise', accounts.enterprise, 'Enterprise (複数部署管理): token, then /me and /documents 403 forbidden'],
  ];
  console.log(`CloudSign simulator listening on ${simulator.url}`);
  for (const [role, id, what] of rows) console.log(`  ${role.padEnd(12)} ${id.padEnd(36)}  ${what}`);
  console.log(`Control endpoints under ${simulator.url}/_sim/ (see src/cloudsign-simulator/README.md). Ctrl-C stops.`);

  const stop = () => {
    simulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
