// The workflow module the fast tier's workers bundle: the real workflows under test, and
// stand-ins for the child workflows the refresh starts (the real children have tests of their
// own against real servers). A stand-in returns the input it got, so a test can check what the
// parent passed on; `{"fail": true}` fails it and `{"hang": true}` keeps it running.
import { ApplicationFailure, condition } from '@temporalio/workflow';

export { refreshKnowledgeBase } from '../../workflows/refresh-knowledge-base.js';
export { summarizerEndpoint } from '../../workflows/summarizer-endpoint.js';

interface StandInInput {
  fail?: boolean;
  hang?: boolean;
  [field: string]: unknown;
}

async function standIn(stage: string, input: StandInInput = {}) {
  if (input.hang) await condition(() => false);
  if (input.fail) {
    throw ApplicationFailure.create({
      message: `${stage} stand-in failed as asked`,
      type: 'PermanentError',
      nonRetryable: true,
    });
  }
  return { stage, input, runId: `${stage}-run`, stored: 7 };
}

export async function collectNotionData(input?: StandInInput) {
  return standIn('collect', input);
}
export async function etl(input?: StandInInput) {
  return standIn('etl', input);
}
export async function ragIndex(input?: StandInInput) {
  return standIn('rag', input);
}
