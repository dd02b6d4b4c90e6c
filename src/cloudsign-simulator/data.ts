/**
 * The seeded world: teams, users and one compact record per document. A record holds only what lists are
 * filtered and sorted by (status, visibility, last_processed_at); everything else about a document (title,
 * participants, files, 書類情報) is re-derived on demand by details.ts, so 20,000 documents cost a few MB.
 */
import { seeded } from './random';
import type { Random } from './random';
import { MICROS_PER_SECOND, parseTimestamp } from './time';
import type { SimulatorAccounts } from './types';

/** documentModel.status: 0 下書き, 1 先方確認中, 2 締結済, 3 取消・却下, 13 インポート書類 (no templates, 4). */
export type DocumentStatus = 0 | 1 | 2 | 3 | 13;

export interface Team {
  id: string;
  name: string;
  /** IP アドレス制限: the simulator treats every caller as outside the allowed addresses. */
  ipRestricted: boolean;
  /** The contract includes the Web API option. */
  webApi: boolean;
  /** 複数部署管理 (Enterprise plan). */
  multiDepartment: boolean;
}

export interface Authorities {
  team_administrator: boolean;
  team_document_administrator: boolean;
  document_approver: boolean;
  private_document_administrator: boolean;
}

export interface User {
  id: string;
  clientId: string;
  email: string;
  name: string;
  organization: string;
  team: Team;
  authorities: Authorities;
  disabled: boolean;
}

export interface DocumentRecord {
  id: string;
  /** The key details.ts derives the rest of the document from. */
  key: string;
  status: DocumentStatus;
  teamId: string;
  /** The team users who sent or received the document, sender first; they are the ones who list it. */
  memberIds: string[];
  /** The sender is memberIds[0] when true, an outside party otherwise. */
  sentByMember: boolean;
  private: boolean;
  hasAttribute: boolean;
  /** A concluded document that was brought in with CloudSign's document import (one participant, no widgets). */
  importOrigin: boolean;
  fileCount: number;
  /** Microseconds since the epoch. */
  lastProcessedAt: number;
}

export interface World {
  seed: number;
  users: User[];
  accounts: SimulatorAccounts;
  documents: Map<string, DocumentRecord>;
  /** Every document, by last_processed_at then id: the order lists are served in. */
  ordered: DocumentRecord[];
  /** How many documents POST /_sim/documents/conclude created: the key of the next one. */
  concludedOnDemand: number;
}

/** Seeded documents are spread over these three and a half years; documents concluded on demand come later. */
const PERIOD_START = parseTimestamp('2022-04-01T00:00:00+09:00') ?? 0;
const PERIOD_DAYS = 1279;
const DAY_MICROS = 86_400 * MICROS_PER_SECOND;
const HOUR_MICROS = 3_600 * MICROS_PER_SECOND;

/** The simulated company whose team the demo user, the administrator and the members belong to. */
export const HOME_ORGANIZATION = 'サンプル株式会社';
export const HOME_DOMAIN = 'sample-corp.example';

/** A weekday-agnostic business-hours instant (09:00–20:00 JST) with microseconds. */
function businessInstant(random: Random): number {
  const day = PERIOD_START + random.int(0, PERIOD_DAYS - 1) * DAY_MICROS;
  return day + 9 * HOUR_MICROS + random.int(0, 11 * HOUR_MICROS - 1);
}

function compareRecords(a: DocumentRecord, b: DocumentRecord): number {
  return a.lastProcessedAt - b.lastProcessedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Adds a record at its place in the list order (new documents usually land at the end). */
export function insertRecord(world: World, record: DocumentRecord): void {
  world.documents.set(record.id, record);
  let low = 0;
  let high = world.ordered.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareRecords(world.ordered[mid] as DocumentRecord, record) <= 0) low = mid + 1;
    else high = mid;
  }
  world.ordered.splice(low, 0, record);
}

function team(seed: number, key: string, name: string, flags: Partial<Team> = {}): Team {
  return { id: seeded(seed, 'team', key).id(), name, ipRestricted: false, webApi: true, multiDepartment: false, ...flags };
}

const NO_AUTHORITIES: Authorities = {
  team_administrator: false,
  team_document_administrator: false,
  document_approver: false,
  private_document_administrator: false,
};

interface UserSpec {
  key: string;
  clientId?: string;
  name: string;
  email: string;
  organization: string;
  team: Team;
  authorities?: Partial<Authorities>;
  disabled?: boolean;
}

function user(seed: number, spec: UserSpec): User {
  const random = seeded(seed, 'user', spec.key);
  const id = random.id();
  return {
    id,
    clientId: spec.clientId ?? random.clientId(),
    email: spec.email,
    name: spec.name,
    organization: spec.organization,
    team: spec.team,
    authorities: { ...NO_AUTHORITIES, ...spec.authorities },
    disabled: spec.disabled ?? false,
  };
}

interface RecordSpec {
  key: string;
  status: DocumentStatus;
  team: Team;
  members: User[];
  sentByMember: boolean;
  private?: boolean;
  hasAttribute?: boolean;
  importOrigin?: boolean;
  fileCount?: number;
  lastProcessedAt?: number;
}

export function makeRecord(seed: number, spec: RecordSpec): DocumentRecord {
  const random = seeded(seed, 'record', spec.key);
  const id = random.id();
  // One to five files, most documents one or two: a contract and its annexes.
  const files = random.pick([1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 4, 5]);
  return {
    id,
    key: spec.key,
    status: spec.status,
    teamId: spec.team.id,
    memberIds: spec.members.map((m) => m.id),
    sentByMember: spec.sentByMember,
    private: spec.private ?? false,
    hasAttribute: spec.hasAttribute ?? true,
    importOrigin: spec.importOrigin ?? false,
    fileCount: spec.fileCount ?? files,
    lastProcessedAt: spec.lastProcessedAt ?? businessInstant(random),
  };
}

/** The statuses of the demo user's documents that are not concluded, one entry per document. */
const DEMO_OTHER_STATUSES: DocumentStatus[] = [0, 0, 0, 1, 1, 1, 1, 3, 3, 3, 13, 13, 13, 13, 13];
const MEMBER_COUNT = 3;
const MEMBER_CONCLUDED = 20;

/** The seeded teams and users; every key seeds its own random sequence, so the order of making them is free. */
function seededPeople(seed: number, demoClientId: string) {
  const home = team(seed, 'home', `${HOME_ORGANIZATION} 法務部`);
  const restricted = team(seed, 'ip-restricted', '北斗工業株式会社', { ipRestricted: true });
  const noApi = team(seed, 'no-web-api', '合同会社みらいデザイン', { webApi: false });
  const enterprise = team(seed, 'enterprise', '大和ホールディングス株式会社', { multiDepartment: true });

  const homeUser = (key: string, name: string, local: string, extra: Partial<UserSpec> = {}) =>
    user(seed, { key, name, email: `${local}@${HOME_DOMAIN}`, organization: HOME_ORGANIZATION, team: home, ...extra });

  const demo = homeUser('demo', 'クラウドサイン連携', 'cloudsign-api', { clientId: demoClientId });
  const admin = homeUser('team-admin', '田中 健一', 'kenichi.tanaka', {
    authorities: { team_administrator: true, team_document_administrator: true, private_document_administrator: true },
  });
  // 書類管理権限 without 親展書類管理権限: /team_documents leaves out the 親展 documents, its own ones included.
  const documentManager = homeUser('document-manager', '伊藤 直樹', 'naoki.ito', { authorities: { team_document_administrator: true } });
  const memberNames: [string, string][] = [
    ['佐藤 花子', 'hanako.sato'],
    ['鈴木 一郎', 'ichiro.suzuki'],
    ['高橋 美咲', 'misaki.takahashi'],
  ];
  const members = memberNames.slice(0, MEMBER_COUNT).map(([name, local], i) =>
    homeUser(`member:${i}`, name, local, { authorities: { document_approver: i === 0 } }),
  );
  const disabled = homeUser('disabled', '山田 太郎', 'taro.yamada', { disabled: true });
  const outsider = (key: string, t: Team, name: string, email: string) =>
    user(seed, { key, name, email, organization: t.name, team: t, authorities: { team_administrator: true } });
  const ipRestricted = outsider('ip-restricted', restricted, '中村 大輔', 'daisuke.nakamura@hokuto-kogyo.example');
  const noWebApi = outsider('no-web-api', noApi, '小林 恵', 'megumi.kobayashi@mirai-design.example');
  const enterpriseUser = outsider('enterprise', enterprise, '加藤 翔太', 'shota.kato@yamato-hd.example');

  return { teams: { home, restricted, noApi, enterprise }, demo, admin, documentManager, members, disabled, ipRestricted, noWebApi, enterpriseUser };
}

export function generateWorld(seed: number, demoClientId: string, demoDocuments: number): World {
  const people = seededPeople(seed, demoClientId);
  const { demo, admin, documentManager, members, disabled, ipRestricted, noWebApi, enterpriseUser } = people;
  const users = [demo, admin, documentManager, ...members, disabled, ipRestricted, noWebApi, enterpriseUser];
  const world: World = {
    seed,
    users,
    accounts: {
      demo: demo.clientId,
      teamAdmin: admin.clientId,
      documentManager: documentManager.clientId,
      members: members.map((m) => m.clientId),
      unknown: seeded(seed, 'user', 'unknown').clientId(),
      disabled: disabled.clientId,
      ipRestricted: ipRestricted.clientId,
      noWebApi: noWebApi.clientId,
      enterprise: enterpriseUser.clientId,
    },
    documents: new Map(),
    ordered: [],
    concludedOnDemand: 0,
  };

  const records = seededDocuments(seed, people, demoDocuments);
  records.sort(compareRecords);
  world.ordered = records;
  for (const record of records) world.documents.set(record.id, record);
  return world;
}

type People = ReturnType<typeof seededPeople>;

/** Every seeded document: the demo user's, and a few of each other user's for the refusals and the team listing. */
function seededDocuments(seed: number, people: People, demoDocuments: number): DocumentRecord[] {
  const { teams: { home, restricted, noApi, enterprise }, demo, admin, documentManager, members, disabled, ipRestricted, noWebApi, enterpriseUser } = people;
  const records: DocumentRecord[] = [];
  let previous: DocumentRecord | undefined;
  for (let i = 0; i < demoDocuments; i++) {
    // Rare features are spread by index rather than by chance so that even a small world has each of them.
    const member = members[i % MEMBER_COUNT] as User;
    const sentByMember = i % 10 === 3;
    const fromOutside = i % 10 === 6;
    const record = makeRecord(seed, {
      key: `demo:${i}`,
      status: 2,
      team: home,
      members: sentByMember ? [member, demo] : [demo],
      sentByMember: !fromOutside,
      private: i % 20 === 7,
      hasAttribute: i % 12 !== 5,
      importOrigin: i % 40 === 13,
      // Now and then two documents are concluded in the same microsecond: lists must still page stably.
      lastProcessedAt: i % 97 === 50 && previous ? previous.lastProcessedAt : undefined,
    });
    records.push(record);
    previous = record;
  }
  DEMO_OTHER_STATUSES.forEach((status, i) =>
    records.push(makeRecord(seed, { key: `demo-other:${i}`, status, team: home, members: [demo], sentByMember: true })),
  );
  members.forEach((member, m) => {
    for (let i = 0; i < MEMBER_CONCLUDED; i++) {
      records.push(
        makeRecord(seed, { key: `member:${m}:${i}`, status: 2, team: home, members: [member], sentByMember: true, private: i % 7 === 3 }),
      );
    }
    ([0, 1, 3, 13] as const).forEach((status) =>
      records.push(makeRecord(seed, { key: `member-other:${m}:${status}`, status, team: home, members: [member], sentByMember: true })),
    );
  });
  const [first, second] = members as [User, User];
  for (let i = 0; i < 3; i++) {
    records.push(
      makeRecord(seed, { key: `member-to-member:${i}`, status: 2, team: home, members: [first, second], sentByMember: true, private: i === 1 }),
    );
  }
  for (let i = 0; i < 8; i++) {
    records.push(makeRecord(seed, { key: `admin:${i}`, status: i === 7 ? 1 : 2, team: home, members: [admin], sentByMember: true }));
  }
  // The document manager's own: concluded and imported, one of each 親展 (only its own lists show those).
  for (let i = 0; i < 4; i++) {
    records.push(makeRecord(seed, { key: `document-manager:${i}`, status: i < 2 ? 2 : 13, team: home, members: [documentManager], sentByMember: true, private: i % 2 === 1 }));
  }
  const fewEach: [string, Team, User][] = [
    ['disabled', home, disabled],
    ['ip-restricted', restricted, ipRestricted],
    ['no-web-api', noApi, noWebApi],
    ['enterprise', enterprise, enterpriseUser],
  ];
  for (const [key, t, owner] of fewEach) {
    for (let i = 0; i < 5; i++) {
      records.push(makeRecord(seed, { key: `${key}:${i}`, status: 2, team: t, members: [owner], sentByMember: true }));
    }
  }

  return records;
}
