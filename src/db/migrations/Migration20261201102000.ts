import { Migration } from '@mikro-orm/migrations';

export class Migration20261201102000 extends Migration {

  override async up(): Promise<void> {
    // A discard deletes a stored PDF only when no contract uses its bytes: that check must not scan the ledger.
    this.addSql(`create index "contracts_file_sha256_index" on "contracts" ("file_sha256");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "contracts_file_sha256_index";`);
  }

}
