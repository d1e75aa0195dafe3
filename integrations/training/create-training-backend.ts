// Wires the training backends from the configuration: the worker hands this factory to the
// training activities, which pick a backend per job (and the Jobs namespace it runs under).
import { readFileSync } from 'node:fs';
import type { Config } from '../../config/environment.js';
import { SecondBrainError } from '../../domain/errors.js';
import { createHuggingFaceJobsBackend } from './huggingface-jobs-backend.js';
import { createLocalProcessBackend } from './local-process-backend.js';
import type { TrainingBackend, TrainingBackendName } from './training-backend.js';

export function createTrainingBackendFactory(
  config: Pick<Config, 'training' | 'huggingFaceHub'>,
  options: { workingDirectory?: string } = {},
) {
  let program: string | undefined;
  return (
    name: TrainingBackendName,
    { namespace }: { namespace: string | null },
  ): TrainingBackend => {
    if (name === 'local') {
      return createLocalProcessBackend({
        jobsDirectory: config.training.jobsDirectory,
        command: config.training.localCommand,
        workingDirectory: options.workingDirectory ?? process.cwd(),
        environment: {
          HF_TOKEN: config.huggingFaceHub.token,
          HF_ENDPOINT: config.huggingFaceHub.url,
        },
      });
    }
    const token = config.huggingFaceHub.token;
    if (token === undefined) {
      throw new SecondBrainError(
        'auth',
        'The hf-jobs backend needs HF_TOKEN (a token that may run Jobs)',
      );
    }
    if (namespace === null) {
      throw new SecondBrainError(
        'validation',
        'Hugging Face Jobs need a namespace (HF_JOBS_NAMESPACE)',
      );
    }
    program ??= readFileSync(config.training.programPath, 'utf8');
    return createHuggingFaceJobsBackend({
      accessToken: token,
      hubUrl: config.huggingFaceHub.url,
      namespace,
      image: config.training.jobsImage,
      program,
    });
  };
}
