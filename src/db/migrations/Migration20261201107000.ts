import { Migration } from '@mikro-orm/migrations';

export class Migration20261201107000 extends Migration {

  override async up(): Promise<void> {
    // A disconnect closes its connection's pending reviews: `closed`, with the reason.
    this.addSql(`alter table "reviews" drop constraint if exists "reviews_status_check";`);
    this.addSql(`alter table "reviews" add constraint "reviews_status_check" check ("status" in ('pending', 'approved', 'discarded', 'closed'));`);
    this.addSql(`alter table "reviews" add column "closed_reason" jsonb null;`);
    // The bootstrap admin was found by its fixed address; its address may change now (BOOTSTRAP_ADMIN_EMAIL, PATCH).
    this.addSql(`alter table "users" add column "bootstrap" boolean not null default false;`);
    this.addSql(`alter table "users" add column "configured_email" varchar(320) null;`);
    this.addSql(`update "users" set "bootstrap" = true where "email" = 'admin@cloudsign-sync.invalid';`);
    this.addSql(`create unique index "users_bootstrap_unique" on "users" ("bootstrap") where "bootstrap";`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "users_bootstrap_unique";`);
    this.addSql(`alter table "users" drop column "configured_email";`);
    this.addSql(`alter table "users" drop column "bootstrap";`);
    this.addSql(`alter table "reviews" drop column "closed_reason";`);
    this.addSql(`update "reviews" set "status" = 'pending' where "status" = 'closed';`);
    this.addSql(`alter table "reviews" drop constraint if exists "reviews_status_check";`);
    this.addSql(`alter table "reviews" add constraint "reviews_status_check" check ("status" in ('pending', 'approved', 'discarded'));`);
  }

}
