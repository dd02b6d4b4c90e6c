import { Migration } from '@mikro-orm/migrations';

/** Sign-ins to the web console (src/ledger/sessions.ts): the hash of each browser's secret, never the secret. */
export class Migration20261201110000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "console_sessions" ("id" uuid not null, "secret_hash" varchar(64) not null, "user_id" uuid not null, "api_token_hash" varchar(64) not null, "created_at" timestamptz not null, "expires_at" timestamptz not null, constraint "console_sessions_pkey" primary key ("id"));`);
    this.addSql(`alter table "console_sessions" add constraint "console_sessions_secret_hash_unique" unique ("secret_hash");`);
    this.addSql(`create index "console_sessions_expires_at_index" on "console_sessions" ("expires_at");`);

    this.addSql(`alter table "console_sessions" add constraint "console_sessions_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "console_sessions" cascade;`);
  }

}
