import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/environment.js';
import { applySchedules, listSchedules, loadScheduleFile } from '../schedules.js';
import { connectClient } from '../temporal-client.js';
import { note, printJson, printLine, table } from './output.js';

async function withClient<T>(
  action: (client: Awaited<ReturnType<typeof connectClient>>) => Promise<T>,
): Promise<T> {
  const client = await connectClient(loadConfig());
  try {
    return await action(client);
  } finally {
    await client.connection.close();
  }
}

export function registerScheduleCommand(program: Command): void {
  const schedule = program
    .command('schedule')
    .description('Manage Temporal Schedules (defined in schedules.json)');

  schedule
    .command('apply')
    .description('Create or update every schedule in the file (idempotent)')
    .option('--file <path>', 'schedules file', 'schedules.json')
    .option('--json', 'print the outcome as JSON')
    .action(async (options: { file: string; json?: boolean }) => {
      const definitions = loadScheduleFile(path.resolve(options.file));
      const results = await withClient((client) => applySchedules(client, definitions));
      if (options.json) printJson({ schedules: results });
      else
        printLine(
          table([['SCHEDULE', 'OUTCOME'], ...results.map((result) => [result.id, result.outcome])]),
        );
    });

  schedule
    .command('list')
    .description('List schedules with their next and recent runs')
    .option('--json', 'print as JSON')
    .action(async (options: { json?: boolean }) => {
      const schedules = await withClient((client) => listSchedules(client));
      if (options.json) {
        printJson({ schedules });
        return;
      }
      printLine(
        table([
          ['SCHEDULE', 'PIPELINE', 'STATE', 'NEXT RUN', 'LAST RUN'],
          ...schedules.map((entry) => [
            entry.id,
            entry.pipeline ?? entry.workflowType ?? '?',
            entry.paused ? 'paused' : 'active',
            entry.nextRuns[0] ?? '-',
            entry.recentRuns.at(-1)?.startedAt ?? '-',
          ]),
        ]),
      );
    });

  const byId = (
    verb: string,
    description: string,
    act: (id: string, client: Awaited<ReturnType<typeof connectClient>>) => Promise<void>,
  ) =>
    schedule
      .command(`${verb} <id>`)
      .description(description)
      .action(async (id: string) => {
        await withClient((client) => act(id, client));
        note(`${verb}: ${id}`);
      });

  byId('pause', 'Pause a schedule', (id, client) =>
    client.schedule.getHandle(id).pause('Paused from the CLI'),
  );
  byId('unpause', 'Resume a paused schedule', (id, client) =>
    client.schedule.getHandle(id).unpause('Resumed from the CLI'),
  );
  byId('trigger', 'Run a schedule now', (id, client) => client.schedule.getHandle(id).trigger());
  byId('delete', 'Delete a schedule', (id, client) => client.schedule.getHandle(id).delete());

  schedule
    .command('backfill <id>')
    .description('Take the actions a schedule would have taken in a past time range')
    .requiredOption('--from <time>', 'start (ISO 8601)')
    .requiredOption('--to <time>', 'end (ISO 8601)')
    .action(async (id: string, options: { from: string; to: string }) => {
      const start = new Date(options.from);
      const end = new Date(options.to);
      if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) || start >= end) {
        throw new Error('--from and --to must be ISO 8601 times with --from before --to');
      }
      await withClient((client) =>
        client.schedule.getHandle(id).backfill({ start, end, overlap: 'ALLOW_ALL' }),
      );
      note(`backfill: ${id} from ${start.toISOString()} to ${end.toISOString()}`);
    });
}
