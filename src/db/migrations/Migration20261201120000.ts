import { Migration } from '@mikro-orm/migrations';

export class Migration20261201120000 extends Migration {

  override async up(): Promise<void> {
    // CloudSign's webhook (src/ledger/hooks.ts): one Hook URL per CloudSign team, the hooks it received, and
    // per connection the documents a hook asked it to import.
    this.addSql(`create table "hook_endpoints" ("id" uuid not null, "team_key" varchar(200) not null, "token_hash" varchar(64) not null, "token_ciphertext" text not null, "created_at" timestamptz not null, constraint "hook_endpoints_pkey" primary key ("id"));`);
    this.addSql(`alter table "hook_endpoints" add constraint "hook_endpoints_team_key_unique" unique ("team_key");`);
    this.addSql(`alter table "hook_endpoints" add constraint "hook_endpoints_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create table "hooks" ("id" uuid not null, "endpoint_id" uuid not null, "document_id" varchar(100) not null, "status" int not null, "times" int not null default 1, "first_received_at" timestamptz not null, "last_received_at" timestamptz not null, constraint "hooks_pkey" primary key ("id"));`);
    this.addSql(`alter table "hooks" add constraint "hooks_endpoint_document_status_unique" unique ("endpoint_id", "document_id", "status");`);
    this.addSql(`alter table "hooks" add constraint "hooks_endpoint_id_foreign" foreign key ("endpoint_id") references "hook_endpoints" ("id") on update cascade;`);
    this.addSql(`create table "hook_imports" ("id" uuid not null, "connection_id" uuid not null, "document_id" varchar(100) not null, "requested_at" timestamptz not null, "signalled_at" timestamptz null, "finished_at" timestamptz null, "outcome" varchar(32) null, constraint "hook_imports_pkey" primary key ("id"));`);
    this.addSql(`alter table "hook_imports" add constraint "hook_imports_connection_document_unique" unique ("connection_id", "document_id");`);
    this.addSql(`create index "hook_imports_pending_index" on "hook_imports" ("connection_id", "requested_at") where "finished_at" is null;`);
    this.addSql(`alter table "hook_imports" add constraint "hook_imports_connection_id_foreign" foreign key ("connection_id") references "connections" ("id") on update cascade;`);
    this.addSql(`alter table "connections" add column "hook_endpoint_id" uuid null;`);
    this.addSql(`alter table "connections" add constraint "connections_hook_endpoint_id_foreign" foreign key ("hook_endpoint_id") references "hook_endpoints" ("id") on update cascade on delete set null;`);
    // A hook's import is a run of its own (kind `hook`).
    this.addSql(`alter table "sync_runs" drop constraint if exists "sync_runs_kind_check";`);
    this.addSql(`alter table "sync_runs" add constraint "sync_runs_kind_check" check("kind" in ('full', 'incremental', 'manual', 'reconcile', 'hook'));`);
  }

  override async down(): Promise<void> {
    this.addSql(`delete from "sync_runs" where "kind" = 'hook';`);
    this.addSql(`alter table "sync_runs" drop constraint if exists "sync_runs_kind_check";`);
    this.addSql(`alter table "sync_runs" add constraint "sync_runs_kind_check" check("kind" in ('full', 'incremental', 'manual', 'reconcile'));`);
    this.addSql(`alter table "connections" drop constraint "connections_hook_endpoint_id_foreign";`);
    this.addSql(`alter table "connections" drop column "hook_endpoint_id";`);
    this.addSql(`drop table "hook_imports";`);
    this.addSql(`drop table "hooks";`);
    this.addSql(`drop table "hook_endpoints";`);
  }

}
