// A starter evaluation dataset when there is none: LLM-written questions about sampled chunks
// of the serving index, each labelled with the document its chunk came from.
import { Context, log } from '@temporalio/activity';
import { SecondBrainError } from '../../domain/errors.js';
import {
  cleanQuestion,
  evaluationItemId,
  sampleChunks,
  STARTER_PROMPT_VERSION,
  starterQuestionMessages,
  starterQuestionSchema,
  type EvaluationItem,
} from '../../domain/evaluation.js';
import { errorMessage } from '../../domain/tracing.js';
import type { EvaluateInput } from '../../domain/workflow-inputs.js';
import {
  saveEvaluationDataset,
  type EvaluationDatasetRecord,
} from '../../integrations/evaluation/evaluation-store.js';
import { missingModel, type EvaluateDependencies } from './dependencies.js';
import { withHeartbeat } from '../with-heartbeat.js';

/** How many of the serving index's chunks the sample is drawn from, at most. */
const CHUNKS_TO_SAMPLE_FROM = 50_000;

export async function generateStarterDataset(
  dependencies: Pick<EvaluateDependencies, 'mongo' | 'ragChunks' | 'llm' | 'modelProblems'>,
  input: Pick<EvaluateInput, 'datasetName' | 'starterQuestions' | 'seed'>,
): Promise<EvaluationDatasetRecord> {
  const llm = dependencies.llm;
  if (!llm) throw missingModel(dependencies, 'chat model to write the starter questions');
  const chunks = await dependencies.ragChunks.servingChunkTexts(CHUNKS_TO_SAMPLE_FROM);
  if (chunks.length === 0)
    throw new SecondBrainError(
      'validation',
      'The knowledge base has no indexed chunks to write evaluation questions about: run `second-brain run refresh` (or `run rag`) first',
    );
  const sample = sampleChunks(chunks, input.starterQuestions, input.seed);
  const items: EvaluationItem[] = [];
  const context = Context.current();
  for (const [index, chunk] of sample.entries()) {
    context.heartbeat({ index });
    try {
      // The worker's model is behind the response cache: a retried attempt pays nothing twice.
      const response = await withHeartbeat(() =>
        llm.chat({
          messages: starterQuestionMessages(chunk.title, chunk.text),
          temperature: 0,
          maxTokens: 96,
          responseSchema: starterQuestionSchema,
          responseSchemaName: 'question',
        }),
      );
      const question = cleanQuestion(response.output?.question ?? '');
      if (!question) continue;
      const id = evaluationItemId(question);
      if (items.some((item) => item.id === id)) continue;
      items.push({ id, question, sourceDocumentIds: [chunk.documentId] });
    } catch (error) {
      if (error instanceof SecondBrainError && error.retryable) throw error;
      log.warn('No starter question for a chunk', {
        chunkId: chunk.chunkId,
        reason: errorMessage(error),
      });
    }
  }
  if (items.length === 0)
    throw new SecondBrainError(
      'permanent',
      `The chat model wrote no usable question for the ${sample.length} sampled chunk(s)`,
    );
  return saveEvaluationDataset(dependencies.mongo.db, input.datasetName, items, 'generated', {
    model: `${llm.provider}/${llm.modelId}`,
    promptVersion: STARTER_PROMPT_VERSION,
    seed: input.seed,
    chunks: sample.length,
  });
}
