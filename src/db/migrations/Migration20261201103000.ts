import { Migration } from '@mikro-orm/migrations';

/**
 * The audit trail (更新履歴): one table of events, written with each change and never changed. Contracts
 * imported before it existed get their import event from their import record, so that no history is empty;
 * what they held then is not known, so those events list no changes.
 */
export class Migration20261201103000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "audit_events" ("id" uuid not null, "at" timestamptz not null, "actor_id" uuid null, "actor_name" varchar(200) not null, "subject_kind" text check ("subject_kind" in ('contract', 'review', 'connection', 'user', 'group', 'quota')) not null, "subject_id" varchar(100) not null, "action" varchar(50) not null, "changes" jsonb not null, "details" jsonb null, constraint "audit_events_pkey" primary key ("id"));`);
    this.addSql(`create index "audit_events_at_id_index" on "audit_events" ("at", "id");`);
    this.addSql(`create index "audit_events_subject_index" on "audit_events" ("subject_kind", "subject_id", "at");`);
    this.addSql(`create index "audit_events_actor_id_index" on "audit_events" ("actor_id", "at");`);

    this.addSql(`insert into "audit_events" ("id", "at", "actor_id", "actor_name", "subject_kind", "subject_id", "action", "changes", "details")
      select gen_random_uuid(), date_trunc('milliseconds', r."imported_at"), null, 'cloudsign-sync', 'contract', c."id"::text, 'imported', '{}'::jsonb,
        jsonb_build_object('connectionId', c."connection_id", 'managementId', c."management_id", 'documentId', c."document_id", 'fileId', c."file_id",
          'note', 'imported before the audit trail existed: the values it brought are not recorded')
      from "contracts" c join "import_records" r on r."contract_id" = c."id";`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "audit_events" cascade;`);
  }

}
