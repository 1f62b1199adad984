import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig, type LedgerConfig } from '@ledger/config';
import { dataSourceOptions, migrate } from '@ledger/database';
import type { CommandContext } from '@ledger/domain';
import { generateCheckpointKey, MemoryMerkleTree, signCheckpoint, toHex, verifierKey } from '@ledger/proof';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { runVerify } from '../../../apps/ledger-cli/src/commands/verify.command.js';
import { freshTestLedger, superuser } from '../../../test/support/test-ledger.js';
import type { CommandExecution, CommandResponse } from './event-store.port.js';
import { LedgerIdentity } from './ledger-identity.js';
import { LedgerSequencer } from './ledger-sequencer.js';
import { verifyLedger, type LedgerVerdict, type LedgerVerifyOptions } from './ledger-verifier.js';
import { PostgresEventStore } from './postgres-event-store.js';
import { RandomIds, SystemClock } from './system-clock.js';

const ADMIN_URL = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CLI = fileURLToPath(new URL('../../../dist/apps/ledger-cli/src/main.js', import.meta.url));
const STREAMS = 40;
/** As freshTestLedger names databases: two checkouts testing against one server keep their copies apart. */
const TEST_DB_SUFFIX = (process.env.LEDGER_TEST_DB_SUFFIX ?? '').replace(/[^a-z0-9]/gi, '_').toLowerCase();
const ROUNDS = 30;
/** Copying the ledger database and walking it takes a few seconds on a busy machine. */
const TEST_TIMEOUT = 60000;

interface LoggedEvent {
  seq: number;
  streamId: string;
  version: number;
  eventId: string;
  hash: string;
}

interface LedgerFacts {
  size: number;
  /** Index i holds seq i + 1. */
  log: LoggedEvent[];
  checkpoints: Array<{ size: number; note: string }>;
  key: string;
  privateKey: string;
  origin: string;
}

/**
 * One ledger is built with real appends and the real sequencer, then every test verifies its own
 * copy (CREATE DATABASE ... TEMPLATE), tampered with as a superuser: nothing one test does can
 * leak into another.
 */
describe('verifyLedger (real Postgres, tampered as a superuser)', () => {
  let base: LedgerConfig;
  let facts: LedgerFacts;
  const copies: string[] = [];

  beforeAll(async () => {
    base = await freshTestLedger('verifier');
    await migrate(base);
    const dataSource = await new DataSource(dataSourceOptions(base, 12)).initialize();
    try {
      await buildLedger(base, dataSource);
      facts = await readFacts(dataSource);
    } finally {
      await dataSource.destroy();
    }
  }, 120000);

  afterAll(async () => {
    await withAdmin(async (admin) => {
      for (const database of copies) await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    });
  }, TEST_TIMEOUT);

  /** A copy of the built ledger, tampered with by `tamper` on a superuser session whose triggers and foreign keys are off. */
  async function tamperedCopy(name: string, tamper: (db: pg.Client) => Promise<void> = async () => {}): Promise<LedgerConfig> {
    const database = `ledger_test_verifier_${name}${TEST_DB_SUFFIX}`;
    const baseDatabase = new URL(base.DATABASE_URL).pathname.slice(1);
    await withAdmin(async (admin) => {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${database} TEMPLATE ${baseDatabase} OWNER ledger_owner`);
    });
    copies.push(database);
    const config = loadConfig({
      DATABASE_URL: base.DATABASE_URL.replace(/\/[^/]*$/, `/${database}`),
      KAFKA_BROKERS: base.KAFKA_BROKERS,
      LEDGER_ORIGIN: base.LEDGER_ORIGIN,
      LEDGER_JWT_SECRET: base.LEDGER_JWT_SECRET,
      LOG_LEVEL: 'warn',
    });
    const db = await superuser(config);
    try {
      // replica: the append-only triggers (and the foreign keys) do not fire for this session.
      await db.query(`SET session_replication_role = replica`);
      await tamper(db);
    } finally {
      await db.end();
    }
    return config;
  }

  async function verifyCopy(config: LedgerConfig, options: LedgerVerifyOptions = {}): Promise<LedgerVerdict> {
    const dataSource = await new DataSource(dataSourceOptions(config, 2)).initialize();
    try {
      return await verifyLedger(dataSource, { batchSize: 500, ...options });
    } finally {
      await dataSource.destroy();
    }
  }

  const verifyTampered = async (name: string, tamper: (db: pg.Client) => Promise<void>, options?: LedgerVerifyOptions) =>
    verifyCopy(await tamperedCopy(name, tamper), options);

  const at = (seq: number): LoggedEvent => facts.log[seq - 1];
  /** The event after `seq` in the same stream. */
  const nextInStream = (seq: number): LoggedEvent => {
    const found = facts.log.slice(seq).find((e) => e.streamId === at(seq).streamId);
    if (!found) throw new Error(`seq ${seq} is the last of its stream`);
    return found;
  };
  const checkpointed = (size: number): boolean => facts.checkpoints.some((c) => c.size === size);
  /**
   * A seq past the first checkpoint, of a stream's second or later version, with no checkpoint at
   * it and the stream's next event before the next checkpoint: so the problem planted there is met
   * at that seq, not at a checkpoint.
   */
  const middleSeq = (): number => {
    const first = facts.checkpoints.map((c) => c.size).find((size) => size > 0) as number;
    for (let seq = first + 100; seq < facts.size; seq++) {
      const following = facts.checkpoints.find((c) => c.size >= seq)?.size ?? Infinity;
      const next = facts.log.slice(seq).find((e) => e.streamId === at(seq).streamId);
      if (at(seq).version > 1 && !checkpointed(seq) && next && next.seq < following) return seq;
    }
    throw new Error('the built ledger has no such seq');
  };
  /** The first event after `after` of another stream that has no event in between. */
  const laterOtherStream = (after: number, gap: number): LoggedEvent => {
    const skipped = new Set(facts.log.slice(after - 1, after + gap).map((e) => e.streamId));
    const found = facts.log.slice(after + gap).find((e) => !skipped.has(e.streamId));
    if (!found) throw new Error(`no stream untouched after seq ${after}`);
    return found;
  };
  const rootAt = (size: number, leaves = facts.log.map((e) => leafOf(e.hash))): string => {
    const tree = new MemoryMerkleTree();
    tree.appendLeafHashes(leaves.slice(0, size));
    return toHex(tree.root());
  };

  it('finds a clean ledger sound, with the counts and the root recomputed independently', async () => {
    const copy = await tamperedCopy('clean');
    const verdict = await verifyCopy(copy);
    const nodes = Array.from({ length: 20 }, (_, level) => Math.floor(facts.size / 2 ** level)).reduce((a, b) => a + b, 0);
    expect(verdict).toEqual({
      ok: true,
      events: facts.size,
      streams: STREAMS,
      checkpoints: facts.checkpoints.length,
      merkleNodes: nodes,
      size: facts.size,
      root: rootAt(facts.size),
    });
    expect(facts.checkpoints.at(-1)?.size).toBe(facts.size);
    expect(facts.checkpoints.length).toBeGreaterThanOrEqual(3);
    // Pinning the key and checking an earlier checkpoint kept elsewhere changes nothing for a sound ledger.
    const kept = facts.checkpoints[1];
    expect(await verifyCopy(copy, { trustedKey: facts.key, externalCheckpoint: kept.note, batchSize: 10_000 })).toMatchObject({
      ok: true,
      size: facts.size,
      externalCheckpoint: { size: kept.size, root: rootAt(kept.size) },
    });
  }, TEST_TIMEOUT);

  it('names the seq of an event whose payload was edited', async () => {
    const seq = middleSeq();
    let edited = '';
    const verdict = await verifyTampered('edit_payload', async (db) => {
      const result = await db.query(`UPDATE ledger_events SET canonical = replace(canonical, 'Zardana', 'Zardanah') WHERE event_id = $1 RETURNING canonical`, [
        at(seq).eventId,
      ]);
      edited = (result.rows as Array<{ canonical: string }>)[0].canonical;
    });
    expect(verdict).toEqual({
      ok: false,
      seq,
      streamId: at(seq).streamId,
      version: at(seq).version,
      problem: 'hash-mismatch',
      expected: sha256(edited),
      actual: at(seq).hash,
    });
  }, TEST_TIMEOUT);

  it('catches an edited payload whose hash column was recomputed: its leaf no longer matches', async () => {
    const seq = middleSeq();
    const verdict = await verifyTampered('edit_and_rehash', async (db) => {
      await rewriteEvent(db, at(seq).eventId);
    });
    expect(verdict).toMatchObject({ ok: false, seq, streamId: at(seq).streamId, problem: 'leaf-mismatch', actual: toHex(leafOf(at(seq).hash)) });
  }, TEST_TIMEOUT);

  it('catches a key holder who rewrites an event, its leaf, every Merkle node and re-signs every checkpoint: the next event in the stream still links to the old hash', async () => {
    const seq = middleSeq();
    const next = nextInStream(seq);
    let newHash = '';
    const verdict = await verifyTampered('rewrite_all', async (db) => {
      newHash = await rewriteEvent(db, at(seq).eventId, { leaf: true });
      await rebuildTreeAndCheckpoints(db, facts);
    });
    expect(verdict).toEqual({
      ok: false,
      seq: next.seq,
      streamId: next.streamId,
      version: next.version,
      problem: 'chain-broken',
      expected: `prevHash ${newHash}`,
      actual: `prevHash ${at(seq).hash}`,
    });
  }, TEST_TIMEOUT);

  it('needs a checkpoint kept outside the database to catch a key holder who rewrites the last event and everything above it', async () => {
    const last = facts.size;
    const kept = facts.checkpoints.at(-1) as { size: number; note: string };
    const copy = await tamperedCopy('rewrite_tail', async (db) => {
      await rewriteEvent(db, at(last).eventId, { leaf: true });
      await rebuildTreeAndCheckpoints(db, facts);
    });
    // The database alone is consistent again: that is what a key holder can do.
    expect(await verifyCopy(copy)).toMatchObject({ ok: true, size: facts.size });
    expect(await verifyCopy(copy, { trustedKey: facts.key, externalCheckpoint: kept.note })).toMatchObject({
      ok: false,
      seq: kept.size,
      problem: 'external-checkpoint-mismatch',
      actual: rootAt(kept.size),
    });
  }, TEST_TIMEOUT);

  it('names the missing seq when one ledger_log row is deleted', async () => {
    const seq = middleSeq();
    const verdict = await verifyTampered('delete_log_row', async (db) => {
      expect((await db.query(`DELETE FROM ledger_log WHERE seq = $1`, [seq])).rowCount).toBe(1);
    });
    expect(verdict).toEqual({ ok: false, seq, problem: 'seq-gap', expected: `seq ${seq}`, actual: `seq ${seq + 1} follows seq ${seq - 1}` });
  }, TEST_TIMEOUT);

  it('names the missing seq when an event is deleted with its log row', async () => {
    const seq = middleSeq();
    const verdict = await verifyTampered('delete_event', async (db) => {
      expect((await db.query(`DELETE FROM ledger_log WHERE seq = $1`, [seq])).rowCount).toBe(1);
      expect((await db.query(`DELETE FROM ledger_events WHERE event_id = $1`, [at(seq).eventId])).rowCount).toBe(1);
    });
    expect(verdict).toMatchObject({ ok: false, seq, problem: 'seq-gap' });
  }, TEST_TIMEOUT);

  it('names the seq whose event is gone when only the ledger_events row is deleted', async () => {
    const seq = middleSeq();
    const verdict = await verifyTampered('delete_event_only', async (db) => {
      expect((await db.query(`DELETE FROM ledger_events WHERE event_id = $1`, [at(seq).eventId])).rowCount).toBe(1);
    });
    expect(verdict).toEqual({
      ok: false,
      seq,
      streamId: at(seq).streamId,
      version: at(seq).version,
      problem: 'event-missing',
      expected: `event ${at(seq).eventId} in ledger_events`,
      actual: 'no such event',
    });
  }, TEST_TIMEOUT);

  it('names the first of two log rows of different streams whose seqs were swapped', async () => {
    const a = middleSeq();
    const b = laterOtherStream(a, 5).seq;
    const verdict = await verifyTampered('swap_log_rows', async (db) => {
      await swapSeqs(db, a, b);
    });
    expect(verdict).toEqual({
      ok: false,
      seq: a,
      streamId: at(b).streamId,
      version: at(b).version,
      problem: 'merkle-node-mismatch',
      expected: `node (0, ${a - 1}) ${toHex(leafOf(at(b).hash))}`,
      actual: `node (0, ${a - 1}) ${toHex(leafOf(at(a).hash))}`,
    });
  }, TEST_TIMEOUT);

  it('names a stream version sequenced before its predecessor when two log rows of one stream are swapped', async () => {
    const a = middleSeq();
    const b = nextInStream(a).seq;
    const verdict = await verifyTampered('swap_stream_rows', async (db) => {
      await swapSeqs(db, a, b);
    });
    expect(verdict).toMatchObject({
      ok: false,
      seq: a,
      streamId: at(a).streamId,
      version: at(a).version + 1,
      problem: 'version-order',
      expected: `version ${at(a).version}`,
      actual: `version ${at(a).version + 1}`,
    });
  }, TEST_TIMEOUT);

  it('names the first of two events whose content (canonical text and hash) was swapped', async () => {
    const a = middleSeq();
    const b = laterOtherStream(a, 0).seq;
    const verdict = await verifyTampered('swap_content', async (db) => {
      const rows = (await db.query(`SELECT event_id, canonical, hash FROM ledger_events WHERE event_id = ANY($1::uuid[])`, [[at(a).eventId, at(b).eventId]]))
        .rows as Array<{ event_id: string; canonical: string; hash: string }>;
      const [ra, rb] = [rows.find((r) => r.event_id === at(a).eventId), rows.find((r) => r.event_id === at(b).eventId)] as Array<(typeof rows)[number]>;
      // hash is unique: park one value first.
      await db.query(`UPDATE ledger_events SET hash = repeat('0', 64) WHERE event_id = $1`, [ra.event_id]);
      await db.query(`UPDATE ledger_events SET canonical = $2, hash = $3 WHERE event_id = $1`, [rb.event_id, ra.canonical, ra.hash]);
      await db.query(`UPDATE ledger_events SET canonical = $2, hash = $3 WHERE event_id = $1`, [ra.event_id, rb.canonical, rb.hash]);
    });
    expect(verdict).toEqual({
      ok: false,
      seq: a,
      streamId: at(a).streamId,
      version: at(a).version,
      problem: 'envelope-mismatch',
      expected: `stream_id ${JSON.stringify(at(b).streamId)} (the envelope's streamId)`,
      actual: `stream_id ${JSON.stringify(at(a).streamId)}`,
    });
  }, TEST_TIMEOUT);

  it('names the seq that completes a stored Merkle node that was deleted', async () => {
    const seq = middleSeq();
    // The level-1 node over leaves (seq - 1) and seq when seq is even: complete once seq is in.
    const completing = seq % 2 === 0 ? seq : seq + 1;
    const verdict = await verifyTampered('delete_node', async (db) => {
      expect((await db.query(`DELETE FROM merkle_nodes WHERE level = 1 AND index = $1`, [completing / 2 - 1])).rowCount).toBe(1);
    });
    expect(verdict).toMatchObject({
      ok: false,
      seq: completing,
      streamId: at(completing).streamId,
      problem: 'merkle-node-mismatch',
      actual: `node (1, ${completing / 2 - 1}) missing`,
    });
  }, TEST_TIMEOUT);

  it("catches a forged checkpoint signed with the ledger's own key (it is in the database) over a wrong root", async () => {
    const size = middleSeq();
    const wrong = createHash('sha256').update('not the root').digest();
    const verdict = await verifyTampered('forge_root', async (db) => {
      await db.query(`INSERT INTO ledger_checkpoints (size, root, note) VALUES ($1, $2, $3)`, [
        size,
        wrong,
        signCheckpoint(facts.origin, size, wrong, facts.privateKey),
      ]);
    });
    expect(verdict).toEqual({
      ok: false,
      seq: size,
      streamId: at(size).streamId,
      version: at(size).version,
      problem: 'root-mismatch',
      expected: rootAt(size),
      actual: toHex(wrong),
    });
  }, TEST_TIMEOUT);

  it('catches a checkpoint signed by another key, even over the right root', async () => {
    const size = middleSeq();
    const other = generateCheckpointKey();
    const verdict = await verifyTampered('forge_signature', async (db) => {
      const root = Buffer.from(rootAt(size), 'hex');
      await db.query(`INSERT INTO ledger_checkpoints (size, root, note) VALUES ($1, $2, $3)`, [
        size,
        root,
        signCheckpoint(facts.origin, size, root, other.privateKey),
      ]);
    });
    expect(verdict).toMatchObject({ ok: false, seq: size, problem: 'checkpoint-signature', actual: expect.stringMatching(/no signature by key/) });
  }, TEST_TIMEOUT);

  it('catches a checkpoint for a tree larger than the log', async () => {
    const size = facts.size + 10;
    const verdict = await verifyTampered('checkpoint_beyond', async (db) => {
      const root = createHash('sha256').update('future').digest();
      await db.query(`INSERT INTO ledger_checkpoints (size, root, note) VALUES ($1, $2, $3)`, [
        size,
        root,
        signCheckpoint(facts.origin, size, root, facts.privateKey),
      ]);
    });
    expect(verdict).toMatchObject({ ok: false, seq: size, problem: 'checkpoint-beyond-log' });
  }, TEST_TIMEOUT);

  it('catches a log cut short at its end', async () => {
    const verdict = await verifyTampered('truncate_log', async (db) => {
      expect((await db.query(`DELETE FROM ledger_log WHERE seq = $1`, [facts.size])).rowCount).toBe(1);
    });
    expect(verdict).toMatchObject({ ok: false, seq: facts.size, problem: 'log-length' });
  }, TEST_TIMEOUT);

  it('catches a log cut short whose sequencer state and checkpoint were wound back too: the event has no seq', async () => {
    const last = at(facts.size);
    const verdict = await verifyTampered('unsequence', async (db) => {
      await db.query(`DELETE FROM ledger_log WHERE seq = $1`, [facts.size]);
      await db.query(`DELETE FROM ledger_checkpoints WHERE size = $1`, [facts.size]);
      await db.query(`UPDATE sequencer_state SET last_seq = $1`, [facts.size - 1]);
    });
    expect(verdict).toMatchObject({ ok: false, seq: null, streamId: last.streamId, version: last.version, problem: 'event-unsequenced' });
  }, TEST_TIMEOUT);

  it('needs the verifier key pinned to catch a ledger re-signed under a key swapped into ledger_identity', async () => {
    const intruder = generateCheckpointKey();
    const copy = await tamperedCopy('swap_key', async (db) => {
      await db.query(`UPDATE ledger_identity SET public_key = $1, private_key = $2`, [verifierKey(facts.origin, intruder.privateKey), intruder.privateKeyPem]);
      for (const { size } of facts.checkpoints) {
        const root = Buffer.from(rootAt(size), 'hex');
        await db.query(`UPDATE ledger_checkpoints SET note = $2 WHERE size = $1`, [size, signCheckpoint(facts.origin, size, root, intruder.privateKey)]);
      }
    });
    expect(await verifyCopy(copy)).toMatchObject({ ok: true });
    expect(await verifyCopy(copy, { trustedKey: facts.key })).toMatchObject({
      ok: false,
      seq: null,
      problem: 'identity-mismatch',
      actual: `ledger_identity holds ${verifierKey(facts.origin, intruder.privateKey).split('+').slice(0, 2).join('+')}`,
    });
  }, TEST_TIMEOUT);

  it('verify command: exit 0 and a JSON verdict for a sound ledger, exit 1 naming seq, stream and version for a tampered one', async () => {
    const seq = middleSeq();
    const clean = await tamperedCopy('cli_clean');
    const tampered = await tamperedCopy('cli_tampered', async (db) => {
      await db.query(`UPDATE ledger_events SET canonical = replace(canonical, 'Zardana', 'Zardanah') WHERE event_id = $1`, [at(seq).eventId]);
    });
    const run = async (config: LedgerConfig, json: boolean) => {
      const written = { stdout: '', stderr: '' };
      const dataSource = await new DataSource(dataSourceOptions(config, 2)).initialize();
      try {
        const code = await runVerify(dataSource, { json }, {
          stdout: { write: (text: string) => (written.stdout += text) },
          stderr: { write: (text: string) => (written.stderr += text) },
        });
        return { code, ...written };
      } finally {
        await dataSource.destroy();
      }
    };
    const ok = await run(clean, true);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, events: facts.size, root: rootAt(facts.size), eventsPerSecond: expect.any(Number) });
    const failed = await run(tampered, false);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(
      new RegExp(`^FAIL seq ${seq} \\(stream ${at(seq).streamId}, version ${at(seq).version}\\): hash-mismatch: expected [0-9a-f]{64}, found ${at(seq).hash}\\n$`),
    );
  }, TEST_TIMEOUT);

  it('the built CLI (npm run build) exits 0 with the verdict, 1 naming the first bad seq, 2 for a bad call', async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
    const seq = middleSeq();
    const clean = await tamperedCopy('built_cli_clean');
    const tampered = await tamperedCopy('built_cli_tampered', async (db) => {
      await db.query(`UPDATE ledger_events SET canonical = replace(canonical, 'Zardana', 'Zardanah') WHERE event_id = $1`, [at(seq).eventId]);
    });
    const ok = await runCli(['verify', '--json'], clean.DATABASE_URL);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, events: facts.size, streams: STREAMS, root: rootAt(facts.size) });
    const failed = await runCli(['verify', '--key', facts.key], tampered.DATABASE_URL);
    expect({ code: failed.code, stdout: failed.stdout }).toEqual({
      code: 1,
      stdout: expect.stringMatching(new RegExp(`^FAIL seq ${seq} \\(stream ${at(seq).streamId}, version ${at(seq).version}\\): hash-mismatch: expected [0-9a-f]{64}, found ${at(seq).hash}\\n$`)),
    });
    const misused = await runCli(['verify', '--bogus'], clean.DATABASE_URL);
    expect(misused.code).toBe(2);
    expect(misused.stderr).toMatch(/--bogus/);
  }, TEST_TIMEOUT);
});

/** Runs the built CLI with nothing in its environment but the database. */
function runCli(args: string[], databaseUrl: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function withAdmin<T>(work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

/** Streams interleaved in the log, commands of one to three events, payloads with non-ASCII text and escapes. */
async function buildLedger(config: LedgerConfig, dataSource: DataSource): Promise<void> {
  const store = new PostgresEventStore(dataSource, new SystemClock(), new RandomIds());
  const identity = new LedgerIdentity(dataSource, config);
  await identity.load();
  const sequencer = new LedgerSequencer(dataSource, identity);
  const streams = Array.from({ length: STREAMS }, () => `claim-${randomUUID()}`);
  for (let round = 0; round < ROUNDS; round++) {
    await Promise.all(streams.map((streamId, i) => store.execute(appendCommand(streamId, 1 + ((i + round) % 3), round))));
    while ((await sequencer.sequenceOnce()) > 0);
  }
  // Make the sequencer sign the final size now rather than after its 5 s interval.
  await dataSource.query(`UPDATE sequencer_state SET last_checkpoint_at = now() - interval '1 minute'`);
  await sequencer.sequenceOnce();
}

function appendCommand(streamId: string, events: number, round: number): CommandExecution<CommandResponse> {
  const commandId = randomUUID();
  const context: CommandContext = {
    commandId,
    correlationId: commandId,
    causationId: commandId,
    actor: { id: 'u-7f3a', role: 'documenter' },
    issuedAt: new Date(),
  };
  return {
    context,
    requestHash: sha256(commandId),
    status: 200,
    streamIds: [streamId],
    decide: async (tx) => {
      const stream = await tx.readStream(streamId);
      const appended = tx.append(
        streamId,
        'claim',
        stream.version,
        Array.from({ length: events }, (_, i) => ({
          type: stream.version + i === 0 ? 'ClaimFiled' : 'SourceAttached',
          schemaVersion: 1,
          data: {
            round,
            victim: { name: { arabic: 'أحمد الحسين', latin: 'Ahmad al-Hussein' }, age: 34, sex: 'male' },
            place: { governorate: 'Idlib', locality: 'Zardana', lat: 35.9, lon: 36.7, precision: 'exact' },
            statement: `"Round ${round}"\n\ttab, emoji 😂, control \u0001`,
          },
        })),
      );
      return { id: streamId, version: appended.version, eventIds: appended.eventIds };
    },
  };
}

async function readFacts(dataSource: DataSource): Promise<LedgerFacts> {
  const log = (
    (await dataSource.query(
      `SELECT l.seq, l.stream_id, l.version, l.event_id, e.hash FROM ledger_log l JOIN ledger_events e USING (event_id) ORDER BY l.seq`,
    )) as Array<{ seq: string; stream_id: string; version: number; event_id: string; hash: string }>
  ).map((r) => ({ seq: Number(r.seq), streamId: r.stream_id, version: r.version, eventId: r.event_id, hash: r.hash }));
  const checkpoints = (
    (await dataSource.query(`SELECT size, note FROM ledger_checkpoints ORDER BY size`)) as Array<{ size: string; note: string }>
  ).map((r) => ({ size: Number(r.size), note: r.note }));
  const [identity] = (await dataSource.query(`SELECT origin, public_key, private_key FROM ledger_identity`)) as Array<{
    origin: string;
    public_key: string;
    private_key: string;
  }>;
  return { size: log.length, log, checkpoints, key: identity.public_key, privateKey: identity.private_key, origin: identity.origin };
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function leafOf(hash: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(Buffer.concat([Buffer.from([0]), Buffer.from(hash, 'hex')])).digest());
}

/** Edits the event's payload and stores a matching hash (and, with `leaf`, a matching leaf); returns the new hash. */
async function rewriteEvent(db: pg.Client, eventId: string, { leaf = false } = {}): Promise<string> {
  const [row] = (await db.query(`SELECT canonical FROM ledger_events WHERE event_id = $1`, [eventId])).rows as Array<{ canonical: string }>;
  const canonical = row.canonical.replace('Zardana', 'Zardanah');
  const hash = sha256(canonical);
  await db.query(`UPDATE ledger_events SET canonical = $2, hash = $3 WHERE event_id = $1`, [eventId, canonical, hash]);
  if (leaf) await db.query(`UPDATE ledger_log SET leaf_hash = $2 WHERE event_id = $1`, [eventId, Buffer.from(leafOf(hash))]);
  return hash;
}

/** What a key holder does after rewriting leaves: every Merkle node and every checkpoint made to agree. */
async function rebuildTreeAndCheckpoints(db: pg.Client, facts: LedgerFacts): Promise<void> {
  const leaves = ((await db.query(`SELECT leaf_hash FROM ledger_log ORDER BY seq`)).rows as Array<{ leaf_hash: Buffer }>).map(
    (r) => new Uint8Array(r.leaf_hash),
  );
  const tree = new MemoryMerkleTree();
  tree.appendLeafHashes(leaves);
  for (let level = 0; 2 ** level <= tree.size; level++) {
    const count = Math.floor(tree.size / 2 ** level);
    await db.query(
      `UPDATE merkle_nodes n SET hash = x.hash FROM unnest($2::bigint[], $3::bytea[]) AS x(index, hash)
       WHERE n.level = $1 AND n.index = x.index AND n.hash <> x.hash`,
      [level, Array.from({ length: count }, (_, i) => i), Array.from({ length: count }, (_, i) => Buffer.from(tree.node(level, i) as Uint8Array))],
    );
  }
  for (const { size } of facts.checkpoints) {
    const root = tree.root(size);
    await db.query(`UPDATE ledger_checkpoints SET root = $2, note = $3 WHERE size = $1`, [
      size,
      Buffer.from(root),
      signCheckpoint(facts.origin, size, root, facts.privateKey),
    ]);
  }
}

async function swapSeqs(db: pg.Client, a: number, b: number): Promise<void> {
  // seq is the primary key: move one row out of the way first.
  const parked = 1_000_000_000;
  expect((await db.query(`UPDATE ledger_log SET seq = $2 WHERE seq = $1`, [a, parked])).rowCount).toBe(1);
  expect((await db.query(`UPDATE ledger_log SET seq = $2 WHERE seq = $1`, [b, a])).rowCount).toBe(1);
  expect((await db.query(`UPDATE ledger_log SET seq = $2 WHERE seq = $1`, [parked, b])).rowCount).toBe(1);
}
