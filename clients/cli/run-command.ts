import { WorkflowFailedError } from '@temporalio/client';
import type { Command } from 'commander';
import { loadConfig } from '../../config/environment.js';
import {
  PIPELINE_ALIASES,
  PIPELINES,
  PIPELINE_NAMES,
  resolvePipelineName,
} from '../../domain/names.js';
import {
  connectClient,
  startPipeline,
  UnknownPipelineError,
  workflowUiUrl,
} from '../temporal-client.js';
import {
  isEnsureInput,
  startSummarizerEndpoint,
  waitForEndpointUrl,
} from '../summarizer-endpoint-client.js';
import { describeError, note, printJson, printLine } from './output.js';
import { showProgress } from './progress-display.js';

export class InvalidInputJsonError extends Error {}

function parseInputOption(raw: string | undefined): unknown {
  if (raw === undefined) return {};
  try {
    return JSON.parse(raw) as unknown;
  } catch (error) {
    throw new InvalidInputJsonError(`--input is not valid JSON: ${(error as Error).message}`);
  }
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description(
      `Start a pipeline as a Temporal workflow. Pipelines:\n${PIPELINE_NAMES.map((name) => `  ${name.padEnd(20)} ${PIPELINES[name].description}`).join('\n')}`,
    )
    .argument(
      '<pipeline>',
      `one of: ${PIPELINE_NAMES.join(', ')} (old names still accepted: ${Object.keys(PIPELINE_ALIASES).join(', ')})`,
    )
    .option('--input <json>', 'workflow input as JSON (defaults fill anything missing)', undefined)
    .option('--wait', 'wait for the result and print it')
    .option('--json', 'machine-readable output (with --wait, the result is the last line)')
    .option(
      '--workflow-id <id>',
      'use this workflow id (re-using an id of a running workflow fails)',
    )
    .action(
      async (
        name: string,
        options: { input?: string; wait?: boolean; json?: boolean; workflowId?: string },
      ) => {
        const pipeline = resolvePipelineName(name);
        if (pipeline === undefined) throw new UnknownPipelineError(name);
        const input = parseInputOption(options.input);
        const config = loadConfig();
        const client = await connectClient(config);
        try {
          const startOptions = { input, trigger: 'cli', workflowId: options.workflowId };
          // The endpoint's `ensure` is one workflow per endpoint: started, or touched if it runs.
          const { handle, runId } =
            pipeline === 'summarizer-endpoint'
              ? await startSummarizerEndpoint(client, config, startOptions)
              : await startPipeline(client, pipeline, startOptions).then((started) => ({
                  handle: started,
                  runId: started.firstExecutionRunId,
                }));
          const url = workflowUiUrl(config, handle.workflowId, runId);
          if (options.json && !options.wait) {
            printJson({ workflowId: handle.workflowId, runId, url });
            return;
          }
          const say = options.json ? note : printLine;
          say(`Started ${PIPELINES[pipeline].workflowType} as ${handle.workflowId}`);
          say(`Temporal UI: ${url}`);
          if (!options.wait) return;
          if (pipeline === 'summarizer-endpoint' && isEnsureInput(input)) {
            // The run lasts until the endpoint is paused when idle: wait for its URL only.
            try {
              const waited = await waitForEndpointUrl(handle);
              if (waited.outcome === 'running') {
                say(`Endpoint running: ${waited.view.url}`);
                say(
                  `It is paused after the idle window; the workflow ${handle.workflowId} watches it.`,
                );
                if (options.json) printJson({ workflowId: handle.workflowId, ...waited.view });
              } else if (options.json) printJson(waited.result);
              else printLine(JSON.stringify(waited.result, null, 2));
              return;
            } catch (error) {
              reportFailure(error, handle.workflowId, options.json);
              return;
            }
          }
          const progress = showProgress(
            handle,
            options.json ? 'silent' : config.interactive ? 'bars' : 'lines',
          );
          try {
            const result: unknown = await handle.result().finally(() => progress.stop());
            if (options.json) printJson(result);
            else printLine(JSON.stringify(result, null, 2));
          } catch (error) {
            reportFailure(error, handle.workflowId, options.json);
          }
        } finally {
          await client.connection.close();
        }
      },
    );
}

/** A failed run is the command's answer (its reason, exit code 1); anything else is a crash. */
function reportFailure(error: unknown, workflowId: string, json: boolean | undefined): void {
  if (!(error instanceof WorkflowFailedError)) throw error;
  const message = describeError(error.cause ?? error);
  if (json) printJson({ workflowId, status: 'failed', error: message });
  note(`Workflow ${workflowId} failed: ${message}`);
  process.exitCode = 1;
}
