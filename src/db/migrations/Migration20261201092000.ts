import { Migration } from '@mikro-orm/migrations';

export class Migration20261201092000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "connections" add column "workflow_started_at" timestamptz null;`);
    // Until now a connection existed only once its workflow had started.
    this.addSql(`update "connections" set "workflow_started_at" = "created_at";`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "connections" drop column "workflow_started_at";`);
  }

}
