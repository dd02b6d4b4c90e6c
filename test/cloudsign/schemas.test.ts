import { describe, expect, it } from 'vitest';
import {
  documentAttributeSchema,
  documentListSchema,
  normaliseTimestamp,
  userSchema,
} from '../../src/cloudsign/schemas';

describe('normaliseTimestamp', () => {
  it('reads Z and +09:00 alike, to UTC with microseconds', () => {
    expect(normaliseTimestamp('2024-04-01T09:30:00.123456+09:00')).toBe('2024-04-01T00:30:00.123456Z');
    expect(normaliseTimestamp('2024-04-01T00:30:00.123456Z')).toBe('2024-04-01T00:30:00.123456Z');
    expect(normaliseTimestamp('2024-04-01T00:30:00Z')).toBe('2024-04-01T00:30:00.000000Z');
    expect(normaliseTimestamp('2024-01-01T05:00:00+0900')).toBe('2023-12-31T20:00:00.000000Z');
    expect(normaliseTimestamp('2024-01-01T05:00:00.5-05:00')).toBe('2024-01-01T10:00:00.500000Z');
  });

  it('refuses a time without a zone or no time at all', () => {
    expect(normaliseTimestamp('2024-04-01T00:30:00')).toBeUndefined();
    expect(normaliseTimestamp('yesterday')).toBeUndefined();
    expect(normaliseTimestamp('2024-02-30T00:00:00Z')).toBeUndefined();
    expect(normaliseTimestamp('2024-01-01T24:00:00Z')).toBeUndefined();
  });
});

describe('documentListSchema', () => {
  const doc = {
    id: '01f90z639d89yygdhc7ea2m3hazn2evr',
    title: '業務委託契約書',
    status: 2,
    private: false,
    last_processed_at: '2024-04-01T09:30:00.000001+09:00',
    files: [{ id: 'f'.repeat(32), name: '契約書.pdf', order: 1, total_pages: 3, widgets: [{ id: 'w' }] }],
    a_member_added_later: { anything: true },
  };

  it('ignores unknown members and reads what is absent as null', () => {
    const list = documentListSchema.parse({ total: 1, page: 1, documents: [doc] });
    expect(list.documents[0]).toEqual({
      id: doc.id,
      userId: null,
      title: '業務委託契約書',
      note: null,
      status: 2,
      private: false,
      canTransfer: null,
      sentAt: null,
      lastProcessedAt: '2024-04-01T00:30:00.000001Z',
      createdAt: null,
      updatedAt: null,
      files: [{ id: 'f'.repeat(32), name: '契約書.pdf', order: 1, totalPages: 3 }],
    });
  });

  it('reads an empty page sent as null, [] or not at all, and files left out as none', () => {
    for (const documents of [null, [], undefined]) {
      expect(documentListSchema.parse({ total: 0, page: 3, documents }).documents).toEqual([]);
    }
    expect(documentListSchema.parse({ documents: [{ id: 'x', files: null }] }).documents[0]?.files).toEqual([]);
  });

  it('takes numeric IDs as opaque strings, and numbers sent as strings', () => {
    const list = documentListSchema.parse({ total: '101', page: '2', documents: [{ id: 42, status: '2' }] });
    expect(list).toMatchObject({ total: 101, page: 2, documents: [{ id: '42', status: 2 }] });
  });

  it('fails on a document without an ID or a time it cannot read, rather than guessing', () => {
    expect(documentListSchema.safeParse({ documents: [{ title: 'x' }] }).success).toBe(false);
    expect(documentListSchema.safeParse({ documents: [{ id: 'x', last_processed_at: '2024/04/01' }] }).success).toBe(false);
  });
});

describe('documentAttributeSchema', () => {
  const base = { document_id: 'd', contract_at: '2024-04-01', validity_end_at: null, auto_update: 1, amount: 1200000 };

  it('reads amount as a number or a numeric string, as its decimal digits', () => {
    expect(documentAttributeSchema.parse(base).amount).toBe('1200000');
    expect(documentAttributeSchema.parse({ ...base, amount: '1200000' }).amount).toBe('1200000');
    expect(documentAttributeSchema.parse({ ...base, amount: '1,200,000' }).amount).toBe('1200000');
    expect(documentAttributeSchema.parse({ ...base, amount: '9223372036854775807' }).amount).toBe('9223372036854775807');
    expect(documentAttributeSchema.parse({ ...base, amount: '1200000.00' }).amount).toBe('1200000');
    // A number past 2^53 has lost digits already: the client reads it from its source text instead.
    expect(documentAttributeSchema.safeParse({ ...base, amount: 2 ** 60 }).success).toBe(false);
    expect(documentAttributeSchema.safeParse({ ...base, amount: '12.5' }).success).toBe(false);
    expect(documentAttributeSchema.parse({ ...base, amount: '' }).amount).toBeNull();
    expect(documentAttributeSchema.parse({ ...base, amount: null }).amount).toBeNull();
    expect(documentAttributeSchema.safeParse({ ...base, amount: 'twelve' }).success).toBe(false);
  });

  it('reads auto_update 0/1/2 as not specified/yes/no', () => {
    expect([0, 1, 2, '1', null, 7].map((auto_update) => documentAttributeSchema.parse({ ...base, auto_update }).autoUpdate)).toEqual(
      [null, true, false, true, null, null],
    );
  });

  it('keeps dates as YYYY-MM-DD and reads "" as no date', () => {
    const a = documentAttributeSchema.parse({ ...base, validity_start_at: '', validity_end_notice_at: '2025-03-31' });
    expect(a).toMatchObject({ contractAt: '2024-04-01', validityStartAt: null, validityEndAt: null, validityEndNoticeAt: '2025-03-31' });
    expect(documentAttributeSchema.safeParse({ ...base, contract_at: '令和6年4月1日' }).success).toBe(false);
  });

  it('reads an attribute with nothing set', () => {
    expect(documentAttributeSchema.parse({})).toMatchObject({ autoUpdate: null, amount: null, contractAt: null, options: [] });
  });
});

describe('userSchema', () => {
  it('reads the authorities, absent ones as null', () => {
    const user = userSchema.parse({ id: 'u', team: { id: 't', name: 'T' }, authorities: { team_document_administrator: true } });
    expect(user.authorities).toEqual({
      teamAdministrator: null,
      teamDocumentAdministrator: true,
      documentApprover: null,
      privateDocumentAdministrator: null,
    });
    expect(userSchema.parse({}).team).toBeNull();
  });
});
