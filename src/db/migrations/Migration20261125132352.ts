import { Migration } from '@mikro-orm/migrations';

export class Migration20261125132352 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "connections" ("id" uuid not null, "management_id" varchar(16) not null, "name" varchar(200) not null, "client_id_ciphertext" text not null, "client_id_fingerprint" varchar(64) not null, "client_id_last4" varchar(4) not null, "visibility_scope" text check ("visibility_scope" in ('company', 'private', 'groups')) not null, "visibility_group_ids" uuid[] not null, "owner_ids" uuid[] not null, "save_mode" text check ("save_mode" in ('direct', 'review')) not null, "reviewer_group_ids" uuid[] not null, "reviewer_user_ids" uuid[] not null, "status" text check ("status" in ('importing', 'idle', 'syncing', 'paused', 'error', 'quota_exhausted', 'disconnected')) not null, "sync_position" varchar(32) null, "last_sync_at" timestamptz null, "next_sync_at" timestamptz null, "last_error" jsonb null, "files_done" int not null default 0, "files_total" int not null default 0, "created_at" timestamptz not null, "disconnected_at" timestamptz null, constraint "connections_pkey" primary key ("id"));`);
    // Numbers the management IDs (CS-0001…). Written by hand: MikroORM does not manage sequences. A sequence
    // never hands out a number twice, even when the transaction that took it rolls back.
    this.addSql(`create sequence "connection_management_number" owned by "connections"."management_id";`);
    this.addSql(`alter table "connections" add constraint "connections_management_id_unique" unique ("management_id");`);
    this.addSql(`create unique index "connections_client_id_fingerprint_unique" on "connections" ("client_id_fingerprint") where "status" <> 'disconnected';`);

    this.addSql(`create table "contracts" ("id" uuid not null, "title" varchar(1000) null, "conclusion_date" date null, "start_date" date null, "end_date" date null, "amount" bigint null, "auto_renewal" boolean null, "cancellation_notice_date" date null, "file_name" varchar(1000) null, "approval_number" varchar(200) null, "counterparty" varchar(500) null, "field_sources" jsonb not null, "visibility_scope" text check ("visibility_scope" in ('company', 'private', 'groups')) not null, "visibility_group_ids" uuid[] not null, "owner_ids" uuid[] not null, "file_sha256" varchar(64) not null, "file_size" bigint not null, "connection_id" uuid not null, "management_id" varchar(16) not null, "document_id" varchar(100) not null, "file_id" varchar(100) not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "contracts_pkey" primary key ("id"));`);
    this.addSql(`create index "contracts_connection_id_index" on "contracts" ("connection_id");`);
    this.addSql(`create index "contracts_created_at_id_index" on "contracts" ("created_at", "id");`);
    this.addSql(`create index "contracts_conclusion_date_index" on "contracts" ("conclusion_date");`);
    this.addSql(`create index "contracts_owner_ids_index" on "contracts" using gin ("owner_ids");`);
    this.addSql(`create index "contracts_visibility_group_ids_index" on "contracts" using gin ("visibility_group_ids");`);

    this.addSql(`create table "groups" ("id" uuid not null, "name" varchar(200) not null, "created_at" timestamptz not null, constraint "groups_pkey" primary key ("id"));`);
    this.addSql(`alter table "groups" add constraint "groups_name_unique" unique ("name");`);

    this.addSql(`create table "import_records" ("document_id" varchar(100) not null, "file_id" varchar(100) not null, "contract_id" uuid null, "connection_id" uuid not null, "imported_at" timestamptz not null, constraint "import_records_pkey" primary key ("document_id", "file_id"));`);
    this.addSql(`alter table "import_records" add constraint "import_records_contract_id_unique" unique ("contract_id");`);
    this.addSql(`create index "import_records_connection_id_index" on "import_records" ("connection_id");`);

    this.addSql(`create table "incidents" ("id" uuid not null, "connection_id" uuid not null, "key" varchar(200) not null, "kind" varchar(100) not null, "message" text not null, "opened_at" timestamptz not null, "resolved_at" timestamptz null, constraint "incidents_pkey" primary key ("id"));`);
    this.addSql(`create unique index "incidents_open_unique" on "incidents" ("connection_id", "key") where "resolved_at" is null;`);

    this.addSql(`create table "quota" ("id" smallint not null, "contract_limit" int not null, "used" int not null, constraint "quota_pkey" primary key ("id"), constraint quota_single_row check (id = 1), constraint quota_used_within_limit check (used >= 0 and used <= contract_limit));`);

    this.addSql(`create table "sync_runs" ("id" uuid not null, "connection_id" uuid not null, "run_key" varchar(200) not null, "kind" text check ("kind" in ('full', 'incremental', 'manual')) not null, "window_from" varchar(32) null, "window_to" varchar(32) not null, "started_at" timestamptz not null, "finished_at" timestamptz null, "listed" int not null default 0, "imported" int not null default 0, "sent_to_review" int not null default 0, "skipped_duplicate" int not null default 0, "skipped_discarded" int not null default 0, "failed" int not null default 0, "outcome" text check ("outcome" in ('running', 'succeeded', 'failed', 'paused')) not null, "error" jsonb null, constraint "sync_runs_pkey" primary key ("id"));`);
    this.addSql(`alter table "sync_runs" add constraint "sync_runs_run_key_unique" unique ("run_key");`);
    this.addSql(`create index "sync_runs_connection_started_index" on "sync_runs" ("connection_id", "started_at", "id");`);

    this.addSql(`create table "run_files" ("run_id" uuid not null, "document_id" varchar(100) not null, "file_id" varchar(100) not null, "outcome" text check ("outcome" in ('imported', 'duplicate', 'discarded')) not null, "contract_id" uuid null, constraint "run_files_pkey" primary key ("run_id", "document_id", "file_id"));`);

    this.addSql(`create table "file_errors" ("id" uuid not null, "connection_id" uuid not null, "run_id" uuid null, "document_id" varchar(100) not null, "file_id" varchar(100) not null, "code" varchar(100) null, "message" text not null, "attempts" int not null, "first_failed_at" timestamptz not null, "last_failed_at" timestamptz not null, "resolved_at" timestamptz null, constraint "file_errors_pkey" primary key ("id"));`);
    this.addSql(`create index "file_errors_file_index" on "file_errors" ("document_id", "file_id");`);
    this.addSql(`alter table "file_errors" add constraint "file_errors_connection_file_unique" unique ("connection_id", "document_id", "file_id");`);

    this.addSql(`create table "users" ("id" uuid not null, "name" varchar(200) not null, "email" varchar(320) not null, "role" text check ("role" in ('admin', 'member')) not null, "api_token_hash" varchar(64) not null, "created_at" timestamptz not null, constraint "users_pkey" primary key ("id"));`);
    this.addSql(`alter table "users" add constraint "users_email_unique" unique ("email");`);
    this.addSql(`alter table "users" add constraint "users_api_token_hash_unique" unique ("api_token_hash");`);

    this.addSql(`create table "group_members" ("group_id" uuid not null, "user_id" uuid not null, constraint "group_members_pkey" primary key ("group_id", "user_id"));`);

    this.addSql(`create table "discarded_documents" ("document_id" varchar(100) not null, "connection_id" uuid not null, "decided_by" uuid null, "decided_at" timestamptz not null, constraint "discarded_documents_pkey" primary key ("document_id"));`);
    this.addSql(`create index "discarded_documents_connection_id_index" on "discarded_documents" ("connection_id");`);

    this.addSql(`alter table "contracts" add constraint "contracts_connection_id_foreign" foreign key ("connection_id") references "connections" ("id") on update cascade;`);

    this.addSql(`alter table "import_records" add constraint "import_records_contract_id_foreign" foreign key ("contract_id") references "contracts" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "import_records" add constraint "import_records_connection_id_foreign" foreign key ("connection_id") references "connections" ("id") on update cascade;`);

    this.addSql(`alter table "incidents" add constraint "incidents_connection_id_foreign" foreign key ("connection_id") references "connections" ("id") on update cascade;`);

    this.addSql(`alter table "sync_runs" add constraint "sync_runs_connection_id_foreign" foreign key ("connection_id") references "connections" ("id") on update cascade;`);

    this.addSql(`alter table "run_files" add constraint "run_files_run_id_foreign" foreign key ("run_id") references "sync_runs" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "run_files" add constraint "run_files_contract_id_foreign" foreign key ("contract_id") references "contracts" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "file_errors" add constraint "file_errors_connection_id_foreign" foreign key ("connection_id") references "connections" ("id") on update cascade;`);
    this.addSql(`alter table "file_errors" add constraint "file_errors_run_id_foreign" foreign key ("run_id") references "sync_runs" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "group_members" add constraint "group_members_group_id_foreign" foreign key ("group_id") references "groups" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "group_members" add constraint "group_members_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "discarded_documents" add constraint "discarded_documents_connection_id_foreign" foreign key ("connection_id") references "connections" ("id") on update cascade;`);
    this.addSql(`alter table "discarded_documents" add constraint "discarded_documents_decided_by_foreign" foreign key ("decided_by") references "users" ("id") on update cascade on delete set null;`);
  }

}
