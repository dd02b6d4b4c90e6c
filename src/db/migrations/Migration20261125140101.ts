import { Migration } from '@mikro-orm/migrations';

export class Migration20261125140101 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "review_reminders" ("connection_id" uuid not null, "sent_at" timestamptz not null, "pending" int not null, constraint "review_reminders_pkey" primary key ("connection_id"));`);

    this.addSql(`create table "reviews" ("id" uuid not null, "connection_id" uuid not null, "document_id" varchar(100) not null, "title" varchar(1000) null, "files" jsonb not null, "status" text check ("status" in ('pending', 'approved', 'discarded')) not null, "run_id" uuid null, "created_at" timestamptz not null, "decision" text check ("decision" in ('approve', 'discard')) null, "decided_by" uuid null, "decided_at" timestamptz null, "decision_options" jsonb null, "blocked_by" jsonb null, "completed_at" timestamptz null, constraint "reviews_pkey" primary key ("id"));`);
    this.addSql(`create index "reviews_created_at_id_index" on "reviews" ("created_at", "id");`);
    this.addSql(`create index "reviews_connection_status_index" on "reviews" ("connection_id", "status");`);
    this.addSql(`alter table "reviews" add constraint "reviews_connection_document_unique" unique ("connection_id", "document_id");`);

    this.addSql(`alter table "review_reminders" add constraint "review_reminders_connection_id_foreign" foreign key ("connection_id") references "connections" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "reviews" add constraint "reviews_connection_id_foreign" foreign key ("connection_id") references "connections" ("id") on update cascade;`);
    this.addSql(`alter table "reviews" add constraint "reviews_run_id_foreign" foreign key ("run_id") references "sync_runs" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "reviews" add constraint "reviews_decided_by_foreign" foreign key ("decided_by") references "users" ("id") on update cascade on delete set null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "review_reminders" cascade;`);

    this.addSql(`drop table if exists "reviews" cascade;`);
  }

}
