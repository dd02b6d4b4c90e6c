import { defineEntity, p } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ConnectionEntity, loadConnection } from './connections';
import { UserEntity } from './user';

/**
 * CloudSign documents a reviewer discarded: they never enter the ledger, from any connection, and use no
 * quota. Keyed by document, because one document may be seen by several connections.
 */
export const DiscardedDocumentEntity = defineEntity({
  name: 'DiscardedDocument',
  tableName: 'discarded_documents',
  properties: {
    documentId: p.string().length(100).primary(),
    connection: p.manyToOne(ConnectionEntity).mapToPk().joinColumn('connection_id').index(),
    decidedBy: p.manyToOne(UserEntity).mapToPk().joinColumn('decided_by').nullable().deleteRule('set null'),
    decidedAt: p.datetime(),
  },
});

/** Records a discard decision; the first decision stands, so a repeated call changes nothing. */
export async function discardDocument(
  em: EntityManager,
  input: { documentId: string; connectionId: string; decidedBy: string },
): Promise<void> {
  await loadConnection(em, input.connectionId);
  await em
    .createQueryBuilder(DiscardedDocumentEntity)
    .insert({ documentId: input.documentId, connection: input.connectionId, decidedBy: input.decidedBy, decidedAt: new Date() })
    .onConflict('documentId')
    .ignore()
    .execute();
}

export async function isDiscarded(em: EntityManager, documentId: string): Promise<boolean> {
  return (await em.count(DiscardedDocumentEntity, { documentId })) > 0;
}
