import { Migration } from '@mikro-orm/migrations';

export class Migration20261201091000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "users" add column "token_configured" boolean not null default false, add column "disabled_at" timestamptz null;`);
    // The bootstrap admin's token came from the configuration until now.
    this.addSql(`update "users" set "token_configured" = true where "email" = 'admin@cloudsign-sync.invalid';`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "users" drop column "token_configured", drop column "disabled_at";`);
  }

}
