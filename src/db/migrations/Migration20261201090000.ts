import { Migration } from '@mikro-orm/migrations';

export class Migration20261201090000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "cloudsign_request_slots" ("client_key" varchar(64) not null, "slot" int not null, "free_at" timestamptz not null, constraint "cloudsign_request_slots_pkey" primary key ("client_key", "slot"));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "cloudsign_request_slots" cascade;`);
  }

}
