/**
 * Everything about a document that lists are not filtered by, derived from (seed, record.key) each time it
 * is needed. Pure: the same record always yields the same title, participants, files and 書類情報.
 */
import { HOME_DOMAIN, HOME_ORGANIZATION } from './data';
import type { DocumentRecord, User, World } from './data';
import { seeded } from './random';
import type { Random } from './random';
import { MICROS_PER_SECOND, jstDate } from './time';
import {
  ANNEXES,
  ATTRIBUTE_OPTIONS,
  COMPANY_FORMS,
  COMPANY_STEMS,
  COMPANY_TRADES,
  CONTRACT_TYPES,
  DECLINE_COMMENTS,
  FAMILY_NAMES,
  GIVEN_NAMES,
  MESSAGES,
} from './vocabulary';

export interface Person {
  userId: string;
  email: string;
  name: string;
  organization: string;
}

export interface Participant extends Person {
  id: string;
  order: number;
  status: number;
  processedAt?: number;
  accessExpiresAt?: number;
}

export interface Widget {
  id: string;
  widgetType: 0 | 1 | 2;
  participantId: string;
  page: number;
  x: number;
  y: number;
  w: number;
  h: number;
  fontSize?: string;
  text: string;
  status: 0 | 1;
  label: string;
  required?: boolean;
}

export interface FileDetails {
  id: string;
  name: string;
  order: number;
  totalPages: number;
  /** What the generated PDF aims at; the real length is the PDF's (pdf.ts). */
  approximateSize: number;
  widgets: Widget[];
}

export interface Reportee {
  id: string;
  email: string;
  name: string;
  organization: string;
}

export interface Attachment {
  id: string;
  participantId: string;
  description: string;
  required: boolean;
  attachedFiles: { id: string; name: string; status: 1 | 2 }[];
}

/** 書類情報. Dates are `YYYY-MM-DD` or null; amount in yen or null. */
export interface Attribute {
  title: string;
  counterparty: string;
  contractAt: string | null;
  validityStartAt: string | null;
  validityEndAt: string | null;
  validityEndNoticeAt: string | null;
  autoUpdate: 0 | 1 | 2;
  localId: string;
  /** A bigint only beyond JavaScript's safe integers (a quirk at the spec's int64 limit). */
  amount: number | bigint | null;
  createdAt: number;
  updatedAt: number;
  options: { order: number; content: string }[];
}

export interface DocumentDetails {
  record: DocumentRecord;
  userId: string;
  title: string;
  note: string;
  message: string;
  canTransfer: boolean;
  sentAt: number | null;
  createdAt: number;
  updatedAt: number;
  participants: Participant[];
  files: FileDetails[];
  reportees: Reportee[];
  attachment: Attachment | null;
  declineComment: string;
  attribute: Attribute | null;
}

const MINUTE = 60 * MICROS_PER_SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const KB = 1024;

function company(random: Random): { name: string; domain: string } {
  const [stem, stemRomaji] = random.pick(COMPANY_STEMS);
  const [trade, tradeRomaji] = random.pick(COMPANY_TRADES);
  const form = random.pick(COMPANY_FORMS);
  const name = random.chance(0.6) ? `${form}${stem}${trade}` : `${stem}${trade}${form}`;
  return { name, domain: `${stemRomaji}-${tradeRomaji}.example` };
}

function outsidePerson(random: Random, org: { name: string; domain: string }): Person {
  const [family, familyRomaji] = random.pick(FAMILY_NAMES);
  const [given, givenRomaji] = random.pick(GIVEN_NAMES);
  return { userId: random.id(), name: `${family} ${given}`, email: `${givenRomaji}.${familyRomaji}@${org.domain}`, organization: org.name };
}

function member(user: User): Person {
  return { userId: user.id, email: user.email, name: user.name, organization: user.organization };
}

/** Sizes spread log-uniformly over 20 KB–400 KB: most contracts are small, a few are scanned and heavy. */
function fileSize(random: Random): number {
  return Math.round(20 * KB * Math.pow(20, random.next()));
}

/** 2024年4月1日: how a signer fills in a date field. */
function japaneseDate(micros: number): string {
  const [y, m, d] = jstDate(micros).split('-').map(Number) as [number, number, number];
  return `${y}年${m}月${d}日`;
}

/** Adds a date-only number of months, clamping to the month's end (1/31 + 1 month = 2/28). */
function addMonths(date: string, months: number, days = 0): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const target = new Date(Date.UTC(y, m - 1 + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d, lastDay));
  target.setUTCDate(target.getUTCDate() + days);
  return target.toISOString().slice(0, 10);
}

function attribute(random: Random, record: DocumentRecord, title: string, counterparty: string, sentAt: number): Attribute {
  const concluded = record.status === 2 || record.status === 13;
  const contractAt = concluded && random.chance(0.93) ? jstDate(record.lastProcessedAt) : null;
  const start = contractAt && random.chance(0.5) ? addMonths(contractAt.slice(0, 8) + '01', 1) : contractAt;
  const years = random.pick([1, 1, 1, 2, 3]);
  const open = random.chance(0.15); // 期間の定めなし
  const end = start && !open ? addMonths(start, 12 * years, -1) : null;
  const autoUpdate = random.pick([0, 1, 1, 2] as const);
  const notice = end && autoUpdate === 1 ? addMonths(end, -random.pick([1, 3]), 0) : null;
  const amount = random.chance(0.25) ? null : random.pick([0, 1, 10, 50, 100, 300, 1200]) * 1000 * random.int(1, 99);
  const createdAt = sentAt + random.int(0, 10 * MINUTE);
  return {
    title,
    counterparty,
    contractAt,
    validityStartAt: start,
    validityEndAt: end,
    validityEndNoticeAt: notice,
    autoUpdate,
    localId: random.chance(0.8) ? `KS-${jstDate(sentAt).slice(0, 4)}-${String(random.int(1, 9999)).padStart(4, '0')}` : '',
    amount,
    createdAt,
    updatedAt: Math.max(createdAt, record.lastProcessedAt + random.int(0, DAY)),
    options: random.chance(0.2) ? [{ order: 1, content: random.pick(ATTRIBUTE_OPTIONS) }] : [],
  };
}

/** How many recipients have agreed (or declined) so far: they carry a processed_at. */
function processedRecipients(status: DocumentRecord['status'], recipients: number): number {
  if (status === 0) return 0;
  if (status === 1) return Math.floor(recipients / 2);
  if (status === 3) return Math.min(1, recipients);
  return recipients;
}

/**
 * Participant states by document status (spec participantModel.status): concluded → every recipient 8
 * 押印または入力済み; in progress → the first ones 8, the next 4 確認待ち, the rest 3 配信待ち; declined → the
 * first 9 却下, the others 10 キャンセル; draft → 2 下書き. The sender (order 0) has processed when it sent.
 * Processed recipients agree one after another, the last exactly at last_processed_at, as the spec defines it.
 */
function participants(random: Random, record: DocumentRecord, sender: Person, recipients: Person[], sentAt: number | null): Participant[] {
  const lpa = record.lastProcessedAt;
  const processed = processedRecipients(record.status, recipients.length);
  const recipientState = (i: number): Pick<Participant, 'status' | 'processedAt' | 'accessExpiresAt'> => {
    const processedAt = sentAt !== null && i < processed ? sentAt + Math.floor(((lpa - sentAt) * (i + 1)) / processed) : undefined;
    switch (record.status) {
      case 0:
        return { status: 2 };
      case 1:
        if (i < processed) return { status: 8, processedAt };
        return i === processed ? { status: 4, accessExpiresAt: lpa + 30 * DAY } : { status: 3 };
      case 3:
        return i === 0 ? { status: 9, processedAt } : { status: 10 };
      default:
        return { status: 8, processedAt };
    }
  };
  const senderState = record.status === 0 ? { status: 2 } : { status: 6, processedAt: sentAt ?? lpa };
  return [
    { ...sender, id: random.id(), order: 0, ...senderState },
    ...recipients.map((person, i) => ({ ...person, id: random.id(), order: i + 1, ...recipientState(i) })),
  ];
}

function widgets(random: Random, file: { totalPages: number; main: boolean }, signers: Participant[], date: string): Widget[] {
  const out: Widget[] = [];
  const filled = (p: Participant) => (p.status === 8 ? 1 : 0);
  signers.forEach((p, i) => {
    out.push({ id: random.id(), widgetType: 0, participantId: p.id, page: file.totalPages, x: 380 + 90 * (i % 2), y: 640 - 70 * Math.floor(i / 2), w: 60, h: 60, text: '', status: filled(p), label: '' });
  });
  const first = signers[0];
  if (file.main && first) {
    out.push({ id: random.id(), widgetType: 1, participantId: first.id, page: file.totalPages, x: 80, y: 600, w: 160, h: 20, fontSize: '10', text: filled(first) ? date : '', status: filled(first), label: '日付' });
    if (random.chance(0.3)) {
      out.push({ id: random.id(), widgetType: 2, participantId: first.id, page: 1, x: 60, y: 720, w: 14, h: 14, text: '', status: filled(first), label: '反社会的勢力でないことを表明します', required: true });
    }
  }
  return out;
}

export function describe(world: World, record: DocumentRecord): DocumentDetails {
  const random = seeded(world.seed, 'details', record.key);
  const users = world.users;
  const teamMembers = record.memberIds.map((id) => member(users.find((u) => u.id === id) as User));
  const org = company(random);
  const contractType = random.pick(CONTRACT_TYPES);
  const title = record.importOrigin ? `${contractType}_${org.name}` : random.chance(0.8) ? `${contractType}（${org.name}）` : `【${org.name}様】${contractType}`;
  const outsiders = Array.from({ length: random.pick([1, 1, 1, 2]) }, () => outsidePerson(random, org));
  const [firstOutsider] = outsiders as [Person];

  // Who sent it to whom. An imported document has only the user who imported it.
  const imported = record.importOrigin || record.status === 13;
  const sender = record.sentByMember ? (teamMembers[0] as Person) : firstOutsider;
  const recipients = imported ? [] : record.sentByMember ? [...teamMembers.slice(1), ...outsiders] : [...teamMembers, ...outsiders.slice(1)];

  const lpa = record.lastProcessedAt;
  const draft = record.status === 0;
  // With nobody but the sender processed yet, last_processed_at is the sending itself.
  const sentAt = draft ? null : imported || processedRecipients(record.status, recipients.length) === 0 ? lpa : lpa - random.int(HOUR, 20 * DAY);
  const createdAt = (sentAt ?? lpa) - (imported ? 0 : random.int(10 * MINUTE, 5 * DAY));
  const people = participants(random, record, sender, recipients, sentAt);
  const signers = people.slice(1);

  const annexes = [...ANNEXES];
  const files: FileDetails[] = Array.from({ length: record.fileCount }, (_, order) => {
    const approximateSize = fileSize(random);
    const totalPages = Math.max(1, Math.min(30, Math.round(approximateSize / (30 * KB)) + random.int(0, 2)));
    const name = order === 0 ? contractType : (annexes.splice(random.int(0, annexes.length - 1), 1)[0] ?? `別紙${order}`);
    const id = random.id();
    return { id, name: `${name}.pdf`, order, totalPages, approximateSize, widgets: imported ? [] : widgets(random, { totalPages, main: order === 0 }, signers, japaneseDate(lpa)) };
  });

  const reportees = random.chance(0.3)
    ? [{ id: random.id(), email: `legal@${HOME_DOMAIN}`, name: '法務部 共有用', organization: HOME_ORGANIZATION }]
    : [];
  const askedToUpload = signers.find((p) => p.organization === org.name);
  const attachment: Attachment | null =
    askedToUpload && random.chance(0.05)
      ? {
          id: random.id(),
          participantId: askedToUpload.id,
          description: '履歴事項全部証明書の写しをアップロードしてください',
          required: true,
          attachedFiles: record.status === 2 ? [{ id: random.id(), name: '履歴事項全部証明書.pdf', status: 1 }] : [],
        }
      : null;

  return {
    record,
    userId: sender.userId,
    title,
    // note is the sender's memo, not shown to recipients: only documents a member sent carry one.
    note: record.sentByMember ? org.name : '',
    message: imported ? '' : random.pick(MESSAGES),
    canTransfer: random.chance(0.3),
    sentAt,
    createdAt,
    updatedAt: lpa,
    participants: people,
    files,
    reportees,
    attachment,
    declineComment: record.status === 3 ? random.pick(DECLINE_COMMENTS) : '',
    attribute: record.hasAttribute ? attribute(random, record, title, org.name, sentAt ?? createdAt) : null,
  };
}
