// What the evaluate activities are built from (the worker's composition root passes these), and
// the lookups several of them share: the run, one of its questions, a missing model's error.
import type { Opik } from 'opik';
import type { Config } from '../../config/environment.js';
import { SecondBrainError } from '../../domain/errors.js';
import type { EvaluationItem } from '../../domain/evaluation.js';
import type { RunAgentTurn } from '../../domain/evaluation-run.js';
import {
  evaluationCollections,
  findEvaluationDataset,
  type EvaluationRunRecord,
} from '../../integrations/evaluation/evaluation-store.js';
import type { ChatModel } from '../../integrations/llm/chat-model.js';
import type { MongoDatabase } from '../../integrations/mongo/mongo-database.js';
import type { AgentTurnSteps } from '../../integrations/mongo/stores/agent-turns.js';
import type { RagChunkReader } from '../../integrations/mongo/stores/rag-chunks.js';
import type { ObjectStorage } from '../../integrations/s3/object-storage.js';

export interface EvaluateDependencies {
  config: Pick<Config, 'opik'>;
  storage: ObjectStorage;
  mongo: MongoDatabase;
  /** The agent's stored tool steps: what each answer retrieved. */
  turnSteps: AgentTurnSteps;
  /** The id of an agent turn's trace, to link a result to it. */
  traceIdOfTurn(turnId: string): Promise<string | undefined>;
  /** The serving index's chunks, the starter questions' material. */
  ragChunks: RagChunkReader;
  /** Writes the starter questions: the worker's chat model. */
  llm?: ChatModel;
  judge?: ChatModel;
  modelProblems?: string[];
  opik?: Opik;
  /** Asks the agent one question; undefined on a worker that cannot reach Temporal. */
  runAgentTurn?: RunAgentTurn;
}

export function missingModel(
  dependencies: Pick<EvaluateDependencies, 'modelProblems'>,
  role: string,
): SecondBrainError {
  const problems = dependencies.modelProblems ?? [];
  return new SecondBrainError(
    'permanent',
    `No ${role} is available on this worker${problems.length > 0 ? ` (${problems.join('; ')})` : ''}: configure LLM_PROVIDER/LLM_MODEL (or EVAL_JUDGE_PROVIDER/EVAL_JUDGE_MODEL), or run \`second-brain models pull\`, and restart the worker`,
  );
}

export async function runRecord(mongo: MongoDatabase, runId: string): Promise<EvaluationRunRecord> {
  const run = await evaluationCollections(mongo.db).runs.findOne({ _id: runId });
  if (!run) throw new SecondBrainError('notFound', `No evaluation run ${runId}`);
  return run;
}

export async function datasetItem(
  mongo: MongoDatabase,
  run: EvaluationRunRecord,
  itemId: string,
): Promise<EvaluationItem> {
  const dataset = await findEvaluationDataset(mongo.db, run.datasetName, run.datasetVersion);
  const item = dataset?.items.find((candidate) => candidate.id === itemId);
  if (!item)
    throw new SecondBrainError(
      'notFound',
      `Question ${itemId} is not in ${run.datasetName}@${run.datasetVersion}`,
    );
  return item;
}
