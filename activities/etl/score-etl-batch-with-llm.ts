// The ETL's LLM stage: scores the documents the heuristic left undecided.
import { Context } from '@temporalio/activity';
import { SecondBrainError } from '../../domain/errors.js';
import type { EtlLlmBatchResult } from '../../domain/etl.js';
import {
  buildQualityScoringMessages,
  parseQualityScoreReply,
  qualityScoreReplySchema,
  QUALITY_SCORE_SCHEMA_NAME,
} from '../../domain/quality-scoring.js';
import type { ChatModel } from '../../integrations/llm/chat-model.js';
import type { ScoreUpdate } from '../../integrations/mongo/stores/raw-documents.js';
import type { EtlDependencies } from './dependencies.js';
import { readStoredEntries } from './stored-documents.js';

async function askForScore(
  llm: ChatModel,
  messages: ReturnType<typeof buildQualityScoringMessages>,
): Promise<{ valid: boolean; update: ScoreUpdate }> {
  try {
    const response = await llm.chat({
      messages,
      temperature: 0,
      maxTokens: 200,
      responseSchema: qualityScoreReplySchema,
      responseSchemaName: QUALITY_SCORE_SCHEMA_NAME,
    });
    const parsed = parseQualityScoreReply(response.output);
    if (parsed.ok)
      return {
        valid: true,
        update: {
          content_quality_score: parsed.reply.score,
          qualityScoreSource: 'llm',
          qualityReason: parsed.reply.reason,
        },
      };
    return { valid: false, update: { qualityReason: `invalid LLM reply: ${parsed.reason}` } };
  } catch (error) {
    // A schema violation is the model's answer, not an outage: record it, keep null.
    if (
      error instanceof SecondBrainError &&
      (error.kind === 'validation' || error.kind === 'invalidModelOutput')
    )
      return { valid: false, update: { qualityReason: `invalid LLM reply: ${error.message}` } };
    throw error;
  }
}

export function createScoreEtlBatchWithLlm(dependencies: EtlDependencies) {
  const { raw, llm } = dependencies;
  /**
   * Scores the run's undecided documents [offset, offset + limit) (from the run's stored lists
   * in S3), one model call per document with structured output {score, reason}. Invalid
   * replies keep null; a document an earlier attempt already scored is not asked again.
   */
  return async function scoreEtlBatchWithLlm({
    runId,
    batchCount,
    offset,
    limit,
  }: {
    runId: string;
    batchCount: number;
    offset: number;
    limit: number;
  }): Promise<EtlLlmBatchResult> {
    if (!llm) throw new SecondBrainError('validation', 'No chat model is configured');
    const undecided = (await readStoredEntries(dependencies, runId, batchCount))
      .filter((entry) => entry.content_quality_score === null)
      .sort((left, right) => (left.id < right.id ? -1 : 1));
    const slice = undecided.slice(offset, offset + limit);
    // Room for the rubric and the answer: three quarters of the context, ~3 characters a token.
    const maxContentCharacters = Math.max(2_000, Math.floor(llm.contextWindow * 0.75) * 3);
    let scoredCount = 0;
    let invalidReplies = 0;
    const context = Context.current();
    await Promise.all(
      slice.map(async (entry) => {
        const document = await raw.find(entry.id);
        if (!document || document.content_quality_score !== null) {
          if (document?.qualityScoreSource === 'llm') scoredCount++;
          return;
        }
        const messages = buildQualityScoringMessages(
          {
            id: document._id,
            title: document.metadata.title,
            url: document.metadata.url,
            content: document.content,
          },
          maxContentCharacters,
        );
        const { valid, update } = await askForScore(llm, messages);
        if (valid) scoredCount++;
        else invalidReplies++;
        await raw.setScore(document._id, document.contentHash, update);
        context.heartbeat();
      }),
    );
    return {
      scored: scoredCount,
      invalidReplies,
      remaining: Math.max(0, undecided.length - offset - slice.length),
    };
  };
}
