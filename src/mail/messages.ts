import type { IncidentKind } from '../failures/categories';

// The incident kinds are the failure taxonomy's; re-exported for whoever reads the mails from here.
export { INCIDENT_KINDS, type IncidentKind } from '../failures/categories';

/**
 * The e-mails that ask a person to act. Each names the connection by its management ID (管理ID), says what
 * happened and how to fix it, in Japanese first and English after — the admins are in Japanese companies.
 */

export interface MailContent {
  subject: string;
  text: string;
}

interface Guidance {
  /** Short enough for a subject line. */
  subject: { ja: string; en: string };
  ja: { what: string; fix: string };
  en: { what: string; fix: string };
}

/**
 * Each incident kind of the failure taxonomy (src/failures) has its own guidance; a kind recorded by an
 * older version gets the general one, with the details that came with it.
 */
const GUIDANCE: Record<IncidentKind, Guidance> = {
  invalid_client: {
    subject: { ja: 'クライアントIDが無効です', en: 'client ID not accepted' },
    ja: {
      what: 'クラウドサインがこのクライアントIDを認識しません。',
      fix: 'クラウドサインの管理画面（アカウント > クライアントID）で正しいクライアントIDを確認し、接続設定のクライアントIDを更新してください（PATCH /v1/connections/:id）。',
    },
    en: {
      what: 'CloudSign does not recognise this client ID.',
      fix: "Copy the client ID again from CloudSign (管理画面 > アカウント > クライアントID) and update the connection's client ID (PATCH /v1/connections/:id).",
    },
  },
  forbidden: {
    subject: { ja: 'クラウドサインがアクセスを拒否しました', en: 'CloudSign refused access' },
    ja: {
      what: 'クラウドサインがアクセスを拒否しました。',
      fix: 'クライアントIDのクラウドサインユーザーが無効化・削除されていないか、またはチームのIPアドレス制限が本サービスのアドレスを許可しているかを確認してください。有効なユーザーの新しいクライアントIDを設定するか、制限を変更した後、接続を再開してください（POST /v1/connections/:id/resume）。',
    },
    en: {
      what: 'CloudSign refused access.',
      fix: "Either the CloudSign user of this client ID was disabled or deleted — set a client ID of an active user, ideally a dedicated one — or the team's IP address restriction does not allow this service's address. Then resume the connection (POST /v1/connections/:id/resume).",
    },
  },
  api_not_in_plan: {
    subject: { ja: 'プランにWeb APIが含まれていません', en: 'Web API not in the CloudSign plan' },
    ja: {
      what: 'ご契約中のクラウドサインのプランではWeb APIを利用できません。',
      fix: 'Web APIを利用できるプラン・オプションをお申し込みの上、接続を再開してください。',
    },
    en: {
      what: "The CloudSign plan does not include the Web API.",
      fix: 'Add the Web API option to the CloudSign plan, then resume the connection.',
    },
  },
  plan_not_supported: {
    subject: { ja: '連携できないプランです', en: 'CloudSign plan not supported' },
    ja: {
      what: 'このクラウドサインアカウント（エンタープライズプラン / 複数部署管理）は連携に対応していません。',
      fix: '連携可能なアカウントのクライアントIDを設定してください。',
    },
    en: {
      what: 'This CloudSign account (Enterprise plan / multi-department management) cannot be connected.',
      fix: 'Set the client ID of an account that can be connected.',
    },
  },
  quota_exhausted: {
    subject: { ja: '契約書の登録上限に達しました', en: 'contract quota used up' },
    ja: {
      what: '契約書の登録上限に達したため、取り込みを停止しました。取り込み済みのデータはそのままで、途中で保存されたものはありません。',
      fix: '上限を引き上げると（PUT /v1/quota）、残りのファイルが自動的に取り込まれます。',
    },
    en: {
      what: 'The contract quota is used up, so importing stopped cleanly; nothing was half-saved.',
      fix: 'Raise the quota (PUT /v1/quota) and the remaining files are imported by themselves.',
    },
  },
  stalled: {
    subject: { ja: '同期が長時間完了していません', en: 'sync not finishing' },
    ja: {
      what: 'クラウドサインとの同期が長時間完了できていません（障害やメンテナンスの可能性があります）。',
      fix: '自動的に再試行を続けます。解消しない場合はクラウドサインの稼働状況と本サービスのネットワークを確認してください。',
    },
    en: {
      what: 'The sync with CloudSign has not been able to finish for a long time (an outage or maintenance, perhaps).',
      fix: "It keeps retrying by itself. If this lasts, check CloudSign's status and this service's network.",
    },
  },
};

const GENERAL: Guidance = {
  subject: { ja: '対応が必要です', en: 'needs attention' },
  ja: {
    what: 'クラウドサインとの連携で、対応が必要な問題が発生しました。',
    fix: '下記の詳細を確認し、接続の状態（GET /v1/connections/:id）と実行履歴（GET /v1/connections/:id/runs）を確認してください。',
  },
  en: {
    what: 'The CloudSign connection needs attention.',
    fix: "Read the details below, then check the connection's state (GET /v1/connections/:id) and its runs (GET /v1/connections/:id/runs).",
  },
};

/** The one e-mail of an incident of a connection. `message` is the technical detail, quoted as is. */
export function incidentMail(input: { kind: IncidentKind | (string & {}); managementId: string; connectionName: string; message: string }): MailContent {
  const guidance = (GUIDANCE as Record<string, Guidance>)[input.kind] ?? GENERAL;
  return {
    subject: `[cloudsign-sync] ${input.managementId}: ${guidance.subject.ja} / ${guidance.subject.en}`,
    text: [
      `管理ID: ${input.managementId}（${input.connectionName}）`,
      '',
      guidance.ja.what,
      `対処方法: ${guidance.ja.fix}`,
      '',
      '----',
      `Management ID: ${input.managementId} (${input.connectionName})`,
      '',
      guidance.en.what,
      `How to fix it: ${guidance.en.fix}`,
      '',
      '----',
      `詳細 / Details (${input.kind}): ${input.message}`,
    ].join('\n'),
  };
}

/** Reminds reviewers that documents of a review-mode connection are waiting for a decision. */
export function reviewReminderMail(input: { managementId: string; connectionName: string; pending: number }): MailContent {
  return {
    subject: `[cloudsign-sync] ${input.managementId}: ${input.pending}件の書類がレビュー待ちです / ${input.pending} document(s) wait for your review`,
    text: [
      `管理ID: ${input.managementId}（${input.connectionName}）`,
      `${input.pending}件の書類がレビュー（保存または破棄）を待っています。GET /v1/reviews?status=pending で確認できます。`,
      '',
      '----',
      `Management ID: ${input.managementId} (${input.connectionName})`,
      `${input.pending} document(s) wait for you to save or discard them: GET /v1/reviews?status=pending.`,
    ].join('\n'),
  };
}

/** A file of a run's digest of new failures. */
export interface FailedFileLine {
  documentId: string;
  fileId: string;
  title: string | null;
  message: string;
}

/** Documents listed in the digest; the rest are counted, and the API lists them all. */
const DIGEST_LINES = 50;

/**
 * The one e-mail of a run whose files began failing: a digest naming the management ID and the documents,
 * never one mail per file. Each is retried by ID at the next syncs by itself.
 */
export function fileFailuresMail(input: { managementId: string; connectionName: string; failures: readonly FailedFileLine[] }): MailContent {
  const n = input.failures.length;
  const documents = new Set(input.failures.map((f) => f.documentId)).size;
  const lines = input.failures.slice(0, DIGEST_LINES).map((f) => `- ${f.title ?? '(無題 / untitled)'} — document ${f.documentId}, file ${f.fileId}: ${f.message}`);
  if (n > DIGEST_LINES) lines.push(`- … ${n - DIGEST_LINES} more / ほか${n - DIGEST_LINES}件`);
  return {
    subject: `[cloudsign-sync] ${input.managementId}: ${n}件のファイルを取り込めませんでした / ${n} file(s) could not be imported`,
    text: [
      `管理ID: ${input.managementId}（${input.connectionName}）`,
      `${documents}件の書類の${n}件のファイルを取り込めませんでした。次回以降の同期で間隔を空けて自動的に再試行します。`,
      '一覧: GET /v1/connections/:id/file-errors、今すぐ再試行: POST /v1/connections/:id/file-errors/retry、不要なものは破棄（dismiss）できます。',
      '',
      '----',
      `Management ID: ${input.managementId} (${input.connectionName})`,
      `${n} file(s) of ${documents} document(s) could not be imported. Each is retried by itself at the next syncs, with growing waits.`,
      'List them: GET /v1/connections/:id/file-errors; retry now: POST /v1/connections/:id/file-errors/retry; or dismiss those you do not need.',
      '',
      '----',
      ...lines,
    ].join('\n'),
  };
}
