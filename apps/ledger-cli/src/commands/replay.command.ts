import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { loadConfig } from '@ledger/config';
import { dataSourceOptions } from '@ledger/database';
import { isRole } from '@ledger/domain';
import { PostgresEventStore, RandomIds, SystemClock } from '@ledger/event-store';
import { projectionsWith, ProjectionReplayer, ProjectionRunner, recordReplay } from '@ledger/read-models';
import { DataKeyVault } from '@ledger/protection';
import { DataSource } from 'typeorm';
import { UsageError } from '../usage-error.js';

export interface ReplayOutput {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/**
 * `npm run ledger -- replay <projection> --actor <id> [--role auditor|admin] [--swap] [--json]`:
 * rebuilds the projection from the start of the topic beside the live one, compares, swaps only
 * with --swap, and records the replay in the ledger. Exit 0 when the tables matched (or were
 * swapped), 1 when they differ.
 */
export async function replayCommand(args: string[], output: ReplayOutput): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      actor: { type: 'string' },
      role: { type: 'string', default: 'auditor' },
      swap: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: true,
  });
  const [name, ...extra] = positionals;
  if (!name || extra.length > 0) throw new UsageError('replay takes exactly one projection name');
  if (!values.actor || !/^[A-Za-z0-9._:@-]{1,128}$/.test(values.actor)) throw new UsageError('--actor <opaque user id> is required: the replay is recorded in the ledger');
  const role = values.role;
  if (role !== 'auditor' && role !== 'admin') throw new UsageError('--role must be auditor or admin');
  if (!isRole(role)) throw new UsageError(`unknown role ${role}`);

  const config = loadConfig();
  const dataSource = new DataSource(dataSourceOptions(config, 4));
  await dataSource.initialize();
  try {
    const replayer = new ProjectionReplayer(config, dataSource, new ProjectionRunner(dataSource), projectionsWith(new DataKeyVault(dataSource, config)));
    if (!replayer.names.includes(name)) throw new UsageError(`no projection is called "${name}"; there are ${replayer.names.join(', ')}`);
    let lastReport = 0;
    const report = await replayer.replay(name, {
      swap: values.swap,
      onProgress: ({ events, partitionsDone, partitions }) => {
        if (Date.now() - lastReport < 1000) return;
        lastReport = Date.now();
        output.stderr.write(`replaying ${name}: ${events} events read, ${partitionsDone}/${partitions} partitions done\n`);
      },
    });
    const clock = new SystemClock();
    const commandId = randomUUID();
    const store = new PostgresEventStore(dataSource, clock, new RandomIds());
    const recorded = await recordReplay(store, { commandId, correlationId: commandId, causationId: commandId, actor: { id: values.actor, role }, issuedAt: clock.now() }, report);
    if (values.json) output.stdout.write(`${JSON.stringify({ ...report, eventIds: recorded.response.eventIds }, null, 2)}\n`);
    else {
      output.stdout.write(`replay ${report.replayId} of ${name}: ${report.events} events applied (${report.eventsPerSecond} events/s), both at watermark seq ${report.watermark}\n`);
      for (const table of report.tables) {
        output.stdout.write(`  ${table.table}: live ${table.live.rows} rows ${table.live.sha256.slice(0, 16)}…, rebuilt ${table.rebuilt.rows} rows ${table.rebuilt.sha256.slice(0, 16)}… ${table.match ? 'MATCH' : 'DIFFERENT'}\n`);
      }
      output.stdout.write(`${report.matched ? 'the rebuilt tables match the live ones' : 'the rebuilt tables DIFFER from the live ones'}${report.swapped ? '; the rebuilt tables are now live' : ''}\n`);
      output.stdout.write(`recorded in the ledger as event ${recorded.response.eventIds.join(', ')}\n`);
    }
    return report.matched || report.swapped ? 0 : 1;
  } finally {
    await dataSource.destroy();
  }
}
