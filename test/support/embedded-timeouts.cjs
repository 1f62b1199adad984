// The embedded project: each file's ledger starts its own PGlite, which takes seconds, so hooks
// and tests without a timeout of their own get a minute (a project's testTimeout is not honoured
// when several projects run together).
jest.setTimeout(60000);
