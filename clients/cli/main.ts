// The `second-brain` command: a thin layer over the clients, workers and infrastructure modules.
import { existsSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../../config/environment.js';
import { InfrastructureError } from '../../infra/local-infrastructure.js';
import { ToolInstallError } from '../../infra/tool-installer.js';
import { ScheduleFileError } from '../schedules.js';
import { UnknownPipelineError } from '../temporal-client.js';
import { ModelPullError } from '../../integrations/local-models/model-store.js';
import { EvaluationCommandError, registerEvaluateCommand } from './evaluate-command.js';
import { registerImportCommand } from './import-command.js';
import { InvalidConversationIdError, registerAskCommand } from './ask-command.js';
import { registerInfraCommand } from './infra-command.js';
import { registerModelsCommand } from './models-command.js';
import { describeError, note } from './output.js';
import { InvalidInputJsonError, registerRunCommand } from './run-command.js';
import { InvalidSearchOptionError, registerSearchCommand } from './search-command.js';
import { registerScheduleCommand } from './schedule-command.js';
import { registerServeCommand } from './serve-command.js';
import { registerStartCommand } from './start-command.js';
import { registerWorkerCommand } from './worker-command.js';

/** Errors whose message says everything: printed without a stack trace. */
const EXPECTED_ERRORS = [
  ScheduleFileError,
  ConfigError,
  InfrastructureError,
  ToolInstallError,
  UnknownPipelineError,
  InvalidInputJsonError,
  InvalidSearchOptionError,
  ModelPullError,
  InvalidConversationIdError,
  EvaluationCommandError,
];

export function buildProgram(): Command {
  const program = new Command('second-brain')
    .description(
      'Second Brain: your Notion knowledge base and every page it links to, as an AI assistant',
    )
    .showHelpAfterError()
    .exitOverride();
  registerInfraCommand(program);
  registerWorkerCommand(program);
  registerRunCommand(program);
  registerStartCommand(program);
  registerSearchCommand(program);
  registerServeCommand(program);
  registerAskCommand(program);
  registerScheduleCommand(program);
  registerModelsCommand(program);
  registerImportCommand(program);
  registerEvaluateCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  // A local .env is a convenience for people; real deployments set the environment directly.
  if (existsSync('.env')) process.loadEnvFile('.env');
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (EXPECTED_ERRORS.some((type) => error instanceof type)) {
      note(`error: ${(error as Error).message}`);
      return 1;
    }
    note(`error: ${describeError(error)}`);
    if (process.env.LOG_LEVEL === 'debug' && error instanceof Error) note(error.stack ?? '');
    return 1;
  }
}
