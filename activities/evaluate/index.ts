// Activities of the evaluate pipeline (workflow evaluate): make sure a dataset version exists
// (a starter dataset of LLM-written questions about sampled chunks when there is none), ask the
// agent each question through the injected agent-turn port, score each answer, and finish the
// run with aggregates, a comparison with the previous run (S3 report + chart) and an Opik
// experiment. Every result is stored in MongoDB before it is returned, keyed by (run,
// question), so retries resume.
import { answerEvaluationQuestion } from './answer-evaluation-question.js';
import type { EvaluateDependencies } from './dependencies.js';
import { finishEvaluationRun } from './finish-evaluation-run.js';
import { prepareEvaluationDataset } from './prepare-evaluation-dataset.js';
import { scoreEvaluationItem } from './score-evaluation-item.js';
import { startEvaluationRun } from './start-evaluation-run.js';

export type { EvaluateDependencies } from './dependencies.js';

export function createEvaluateActivities(dependencies: EvaluateDependencies) {
  return {
    prepareEvaluationDataset: prepareEvaluationDataset(dependencies),
    startEvaluationRun: startEvaluationRun(dependencies),
    answerEvaluationQuestion: answerEvaluationQuestion(dependencies),
    scoreEvaluationItem: scoreEvaluationItem(dependencies),
    finishEvaluationRun: finishEvaluationRun(dependencies),
  };
}
