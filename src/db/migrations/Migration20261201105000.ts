import { Migration } from '@mikro-orm/migrations';

export class Migration20261201105000 extends Migration {

  override async up(): Promise<void> {
    // CloudSign's 管理番号 (local_id) may have 500 characters: the ledger holds it whole, never cut.
    this.addSql(`alter table "contracts" alter column "approval_number" type varchar(500);`);
    // A failed file names its document's title, so a person can tell which contract it is.
    this.addSql(`alter table "file_errors" add column "title" text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "file_errors" drop column "title";`);
    this.addSql(`alter table "contracts" alter column "approval_number" type varchar(200);`);
  }

}
