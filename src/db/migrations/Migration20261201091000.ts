import { Migration } from '@mikro-orm/migrations';

export class Migration20261201091000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "users" add column "configured_token_hash" varchar(64) null, add column "disabled_at" timestamptz null;`);
    // The bootstrap admin's token came from the configuration until now.
    this.addSql(`update "users" set "configured_token_hash" = "api_token_hash" where "email" = 'admin@cloudsign-sync.invalid';`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "users" drop column "configured_token_hash", drop column "disabled_at";`);
  }

}
