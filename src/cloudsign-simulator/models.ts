/**
 * JSON bodies in the shapes of the vendor spec's schemas (documentModel, participantModel, fileModel,
 * widgetModel, reporteeModel, attachmentModel, documentAttributeModel, userModel, errorModel), keys in the
 * spec's order. Where the spec leaves the wire format open, `Behaviour` picks one answer (README.md).
 */
import type { User } from './data';
import type { Attribute, DocumentDetails, FileDetails, Participant, Widget } from './details';
import { formatMicros, formatSeconds } from './time';
import type { Zone } from './time';
import { int64Value } from './quirks';

export interface Behaviour {
  /** `documents` of a page past the end: `[]` as the spec says, or `null` as a Go nil slice would be (Uncertain #1). */
  emptyListAs: 'array' | 'null';
  /** 書類情報 `amount`: int64 as the spec says, or a string as one production client models it (Uncertain #10). */
  amountAs: 'number' | 'string';
  /** Zone of every timestamp (Uncertain #3). */
  timezone: Zone;
  /** Whether GET /documents?status=-1 (全ての状態) lists imported documents, status 13 (Uncertain #4). */
  importedInAllStatuses: boolean;
}

export const DEFAULT_BEHAVIOUR: Behaviour = { emptyListAs: 'array', amountAs: 'number', timezone: 'Z', importedInAllStatuses: true };

export interface Include {
  files: boolean;
  participants: boolean;
  reportees: boolean;
  attachment: boolean;
}

export const INCLUDE_ALL: Include = { files: true, participants: true, reportees: true, attachment: true };

function participantModel(p: Participant, zone: Zone) {
  // access_code is omitted (only present when the API user set one); access_expires_at only for status 4;
  // processed_at only once the participant has agreed or declined. tel and recipient_id default to "".
  return {
    id: p.id,
    email: p.email,
    name: p.name,
    organization: p.organization,
    order: p.order,
    status: p.status,
    language_code: 'ja',
    advanced_authn_request: false,
    tel: '',
    recipient_id: '',
    callback: false,
    ...(p.processedAt !== undefined && { processed_at: formatMicros(p.processedAt, zone) }),
    ...(p.accessExpiresAt !== undefined && { access_expires_at: formatSeconds(p.accessExpiresAt, zone) }),
  };
}

function widgetModel(w: Widget, fileId: string) {
  // font_size only on free-text widgets, required only on checkboxes: the spec says they are omitted otherwise.
  return {
    id: w.id,
    widget_type: w.widgetType,
    participant_id: w.participantId,
    file_id: fileId,
    page: w.page,
    x: w.x,
    y: w.y,
    w: w.w,
    h: w.h,
    ...(w.fontSize !== undefined && { font_size: w.fontSize }),
    text: w.text,
    status: w.status,
    label: w.label,
    ...(w.required !== undefined && { required: w.required }),
  };
}

function fileModel(f: FileDetails) {
  return { id: f.id, name: f.name, order: f.order, total_pages: f.totalPages, widgets: f.widgets.map((w) => widgetModel(w, f.id)) };
}

/**
 * A documentModel. Lists leave out what their `with_*` flags did not ask for (the key is absent, the
 * spec's "not included"); a document without a 添付書類 request has no `attachment` key.
 */
export function documentModel(d: DocumentDetails, behaviour: Behaviour, include: Include) {
  const zone = behaviour.timezone;
  return {
    id: d.record.id,
    user_id: d.userId,
    title: d.title,
    note: d.note,
    message: d.message,
    status: d.record.status,
    can_transfer: d.canTransfer,
    private: d.record.private,
    sent_at: d.sentAt === null ? null : formatMicros(d.sentAt, zone),
    last_processed_at: formatMicros(d.record.lastProcessedAt, zone),
    created_at: formatSeconds(d.createdAt, zone),
    updated_at: formatSeconds(d.updatedAt, zone),
    ...(include.participants && { participants: d.participants.map((p) => participantModel(p, zone)) }),
    ...(include.files && { files: d.files.map(fileModel) }),
    ...(include.reportees && { reportees: d.reportees }),
    ...(include.attachment &&
      d.attachment && {
        attachment: {
          id: d.attachment.id,
          participant_id: d.attachment.participantId,
          description: d.attachment.description,
          required: d.attachment.required,
          attached_files: d.attachment.attachedFiles,
        },
      }),
    decline_comment: d.declineComment,
  };
}

export function attributeModel(documentId: string, a: Attribute, behaviour: Behaviour) {
  const zone = behaviour.timezone;
  return {
    document_id: documentId,
    title: a.title,
    counterparty: a.counterparty,
    contract_at: a.contractAt,
    validity_start_at: a.validityStartAt,
    validity_end_at: a.validityEndAt,
    validity_end_notice_at: a.validityEndNoticeAt,
    auto_update: a.autoUpdate,
    local_id: a.localId,
    amount: a.amount === null ? null : behaviour.amountAs === 'string' ? String(a.amount) : typeof a.amount === 'bigint' ? int64Value(a.amount) : a.amount,
    created_at: formatSeconds(a.createdAt, zone),
    updated_at: formatSeconds(a.updatedAt, zone),
    options: a.options,
  };
}

export function userModel(u: User) {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    organization: u.organization,
    team: { id: u.team.id, name: u.team.name },
    authorities: u.authorities,
  };
}
