import { Migration } from '@mikro-orm/migrations';

/**
 * One name per concept, no dead state: a review's `blocked_by` is its `pending_reason` (as in the API);
 * `connections.sync_position` (written, never read: the workflow keeps the position) and `incidents.key`
 * (always the kind) go; a run's outcomes are those of API.md. Nothing ever wrote `failed` or `paused`.
 */
export class Migration20261201072720 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "sync_runs" drop constraint if exists "sync_runs_outcome_check";`);

    this.addSql(`alter table "connections" drop column "sync_position";`);

    // Dropping the column drops the index of open incidents built on it; written by hand (MikroORM does not
    // diff expression indexes): at most one open incident per connection and kind.
    this.addSql(`alter table "incidents" drop column "key";`);
    this.addSql(`create unique index "incidents_open_unique" on "incidents" ("connection_id", "kind") where "resolved_at" is null;`);

    this.addSql(`alter table "sync_runs" add constraint "sync_runs_outcome_check" check("outcome" in ('running', 'succeeded', 'partial', 'stopped'));`);

    this.addSql(`alter table "reviews" rename column "blocked_by" to "pending_reason";`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "sync_runs" drop constraint if exists "sync_runs_outcome_check";`);

    this.addSql(`alter table "connections" add column "sync_position" varchar(32) null;`);

    this.addSql(`drop index if exists "incidents_open_unique";`);
    this.addSql(`alter table "incidents" add column "key" varchar(200) null;`);
    this.addSql(`update "incidents" set "key" = "kind";`);
    this.addSql(`alter table "incidents" alter column "key" set not null;`);
    this.addSql(`create unique index "incidents_open_unique" on "incidents" ("connection_id", "key") where "resolved_at" is null;`);

    this.addSql(`alter table "reviews" rename column "pending_reason" to "blocked_by";`);

    // `partial` and `stopped` runs have no outcome before this migration; they become `succeeded` / `paused`.
    this.addSql(`update "sync_runs" set "outcome" = case "outcome" when 'partial' then 'succeeded' when 'stopped' then 'paused' else "outcome" end;`);
    this.addSql(`alter table "sync_runs" add constraint "sync_runs_outcome_check" check("outcome" in ('running', 'succeeded', 'failed', 'paused'));`);
  }

}
