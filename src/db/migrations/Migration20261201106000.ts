import { Migration } from '@mikro-orm/migrations';

/**
 * Runs tell the truth and failed files are retried by ID (issue 9): a run may be a `reconcile` and may end
 * `failed`; a file error knows when it is tried next (its title: 20261201105000) and whether an admin dismissed it;
 * a connection keeps the figures of its last reconciliation.
 */
export class Migration20261201106000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "sync_runs" drop constraint if exists "sync_runs_kind_check";`);
    this.addSql(`alter table "sync_runs" add constraint "sync_runs_kind_check" check("kind" in ('full', 'incremental', 'manual', 'reconcile'));`);
    this.addSql(`alter table "sync_runs" drop constraint if exists "sync_runs_outcome_check";`);
    this.addSql(`alter table "sync_runs" add constraint "sync_runs_outcome_check" check("outcome" in ('running', 'succeeded', 'partial', 'failed', 'stopped'));`);

    this.addSql(`alter table "file_errors" add column "first_run_id" uuid null, add column "next_attempt_at" timestamptz null, add column "dismissed_at" timestamptz null;`);
    // Files failing before retries by ID existed are due at the next sync.
    this.addSql(`update "file_errors" set "next_attempt_at" = "last_failed_at" where "resolved_at" is null;`);

    this.addSql(`alter table "connections" add column "completeness" jsonb null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "connections" drop column "completeness";`);
    this.addSql(`alter table "file_errors" drop column "first_run_id", drop column "next_attempt_at", drop column "dismissed_at";`);
    this.addSql(`delete from "sync_runs" where "kind" = 'reconcile';`);
    this.addSql(`update "sync_runs" set "outcome" = 'stopped' where "outcome" = 'failed';`);
    this.addSql(`alter table "sync_runs" drop constraint if exists "sync_runs_outcome_check";`);
    this.addSql(`alter table "sync_runs" add constraint "sync_runs_outcome_check" check("outcome" in ('running', 'succeeded', 'partial', 'stopped'));`);
    this.addSql(`alter table "sync_runs" drop constraint if exists "sync_runs_kind_check";`);
    this.addSql(`alter table "sync_runs" add constraint "sync_runs_kind_check" check("kind" in ('full', 'incremental', 'manual'));`);
  }

}
