// Locates workflow code for each worker. Workers bundle workflows with webpack at start-up
// unless a prebuilt bundle directory is configured (tests build one bundle for all files).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkerOptions } from '@temporalio/worker';
import type { Config } from '../config/environment.js';

export const WORKFLOW_MODULES = {
  offline: fileURLToPath(new URL('../workflows/offline.ts', import.meta.url)),
  agent: fileURLToPath(new URL('../workflows/agent.ts', import.meta.url)),
} as const;

export type WorkflowModule = keyof typeof WORKFLOW_MODULES;

export function workflowSource(
  config: Config,
  module: WorkflowModule,
): Pick<WorkerOptions, 'workflowsPath' | 'workflowBundle'> {
  const prebuilt =
    config.workflowBundleDirectory && path.join(config.workflowBundleDirectory, `${module}.js`);
  if (prebuilt && existsSync(prebuilt)) return { workflowBundle: { codePath: prebuilt } };
  return { workflowsPath: WORKFLOW_MODULES[module] };
}

/** Builds every workflow bundle into a directory, for SECOND_BRAIN_WORKFLOW_BUNDLES. */
export async function buildWorkflowBundles(directory: string): Promise<void> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  await mkdir(directory, { recursive: true });
  for (const [module, workflowsPath] of Object.entries(WORKFLOW_MODULES)) {
    const { code } = await bundleWorkflowCode({ workflowsPath, logger: undefined });
    await writeFile(path.join(directory, `${module}.js`), code);
  }
}
