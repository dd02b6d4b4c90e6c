import { Migration } from '@mikro-orm/migrations';

export class Migration20261201094000 extends Migration {

  override async up(): Promise<void> {
    // Which configured token was applied last, instead of whether the current one is it: a token rotated since
    // then must survive a restart with the same configuration.
    this.addSql(`alter table "users" add column "configured_token_hash" varchar(64) null;`);
    this.addSql(`update "users" set "configured_token_hash" = "api_token_hash" where "token_configured";`);
    this.addSql(`alter table "users" drop column "token_configured";`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "users" add column "token_configured" boolean not null default false;`);
    this.addSql(`update "users" set "token_configured" = ("api_token_hash" = "configured_token_hash");`);
    this.addSql(`alter table "users" drop column "configured_token_hash";`);
  }

}
