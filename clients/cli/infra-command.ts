import type { Command } from 'commander';
import { loadConfig } from '../../config/environment.js';
import {
  connectionsFor,
  infrastructureDown,
  infrastructureStatus,
  infrastructureUp,
  type ServiceStatus,
} from '../../infra/local-infrastructure.js';
import { note, printJson, printLine, table } from './output.js';

function statusRows(statuses: ServiceStatus[]): string[][] {
  return [
    ['SERVICE', 'STATE', 'ENDPOINT', 'DETAIL'],
    ...statuses.map((status) => [
      status.name,
      status.state,
      status.endpoint,
      [
        status.pid ? `pid ${status.pid}` : '',
        status.detail ?? '',
        status.logFile ? `log ${status.logFile}` : '',
      ]
        .filter(Boolean)
        .join(', '),
    ]),
  ];
}

export function registerInfraCommand(program: Command): void {
  const infra = program
    .command('infra')
    .description('Manage the embedded local infrastructure (Temporal, MongoDB wire, S3)');

  infra
    .command('up')
    .description(
      'Start Temporal, FerretDB and an S3 server under .data/ (reuses what already runs)',
    )
    .option('--json', 'print connection details as JSON')
    .action(async (options: { json?: boolean }) => {
      const config = loadConfig();
      const statuses = await infrastructureUp(config, note);
      if (options.json) {
        printJson(connectionsFor(config));
        return;
      }
      printLine(table(statusRows(statuses)));
      printLine();
      printLine(`Temporal UI: ${config.temporal.uiUrl}`);
    });

  infra
    .command('down')
    .description('Stop the servers that `infra up` started (external ones are left alone)')
    .option('--json', 'print the result as JSON')
    .action(async (options: { json?: boolean }) => {
      const statuses = await infrastructureDown(loadConfig());
      if (options.json) printJson({ services: statuses });
      else printLine(table(statusRows(statuses)));
    });

  infra
    .command('status')
    .description('Health-check each server')
    .option('--json', 'print the result as JSON')
    .action(async (options: { json?: boolean }) => {
      const config = loadConfig();
      const statuses = await infrastructureStatus(config);
      if (options.json) printJson({ services: statuses, connections: connectionsFor(config) });
      else printLine(table(statusRows(statuses)));
      if (statuses.some((status) => status.state === 'failed' || status.state === 'stopped'))
        process.exitCode = 1;
    });
}
