/**
 * Node's test environment, which also closes the embedded databases a test file opened
 * (LEDGER_TEST_MODE=embedded) once all of the file's hooks have run: a file may stop and start
 * its app on the same ledger, so the app's close cannot be the database's.
 */
const { TestEnvironment } = require('jest-environment-node');

class LedgerTestEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    // The project's `testEnvironmentOptions.ledgerMode` ('embedded' or the default, 'postgres').
    this.global.__ledgerTestMode = config.projectConfig.testEnvironmentOptions.ledgerMode ?? process.env.LEDGER_TEST_MODE ?? 'postgres';
  }

  async teardown() {
    const open = this.global.__embeddedTestLedgers ?? new Map();
    for (const embedded of open.values()) await embedded.close().catch(() => undefined);
    open.clear();
    await super.teardown();
  }
}

module.exports = LedgerTestEnvironment;
