/**
 * Who sees which document. The spec does not say whose documents GET /documents returns, nor how 親展
 * documents behave (Uncertain #4, #5); the simulator's answers are in README.md ("Visibility").
 */
import type { DocumentRecord, DocumentStatus, User } from './data';

/** /team_documents lists only 先方確認中, 締結済, 取消・却下 and インポート書類 (the spec's description). */
export const TEAM_LIST_STATUSES: ReadonlySet<DocumentStatus> = new Set([1, 2, 3, 13]);

/** GET /documents: the documents the user sent or received, 親展 ones included. */
export function ownDocuments(user: User): (record: DocumentRecord) => boolean {
  return (record) => record.memberIds.includes(user.id);
}

/** A 書類管理権限 holder sees the whole team; 親展 documents need 親展書類管理権限 on top. */
function administers(user: User, record: DocumentRecord): boolean {
  const a = user.authorities;
  return record.teamId === user.team.id && (a.team_document_administrator || a.team_administrator) && (!record.private || a.private_document_administrator);
}

/** GET /team_documents. */
export function teamDocuments(user: User): (record: DocumentRecord) => boolean {
  return (record) => administers(user, record);
}

export function canUseTeamDocuments(user: User): boolean {
  return user.authorities.team_administrator || user.authorities.team_document_administrator;
}

/** GET /documents/{id} and below: otherwise 403 forbidden ("書類にアクセスする権限が無い場合"). */
export function canRead(user: User, record: DocumentRecord): boolean {
  return record.memberIds.includes(user.id) || administers(user, record);
}

export type Refusal = { status: 403; error: 'forbidden' | 'webapi_option_required'; message: string };

/**
 * Why a signed-in account may not use the document endpoints at all. A plan without the Web API option
 * gets a token and then `webapi_option_required` (402 in spec 0.19, 403 since); a 複数部署管理 (Enterprise)
 * account gets `forbidden`, which the spec states for /team_documents and /me and the simulator extends to
 * every document endpoint.
 */
export function refusal(user: User): Refusal | undefined {
  if (!user.team.webApi) return { status: 403, error: 'webapi_option_required', message: 'Web API オプションの契約がありません' };
  if (user.team.multiDepartment) return { status: 403, error: 'forbidden', message: '複数部署管理機能を利用しているアカウントでは利用できません' };
  return undefined;
}

/** The IP restriction refusal; the simulator has no allow-list, a restricted team refuses every caller. */
export const IP_RESTRICTED: Refusal = {
  status: 403,
  error: 'forbidden',
  message: 'IPアドレス制限機能により、このIPアドレスからのアクセスは許可されていません (IP address restriction)',
};

/** Whether GET /documents would answer at all for this account (used by /_sim/truth). */
export function canList(user: User): boolean {
  return !user.disabled && !user.team.ipRestricted && refusal(user) === undefined;
}
