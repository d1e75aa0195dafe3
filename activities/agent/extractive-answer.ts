// The answer that needs no model, as an activity: the workflow falls back to it when a model
// step fails for good (a crashed model, a provider down), so a turn still completes with the
// passages' own words instead of "Activity task failed".
import { extractiveAnswer } from '../../domain/answering/extractive-answer.js';
import { NO_ANSWER, truncate, type ModelStepResult } from '../../domain/agent.js';
import { turnRecords, turnSources } from '../../integrations/mongo/stores/agent-turns.js';
import type { AgentContext } from './dependencies.js';

export interface ExtractiveAnswerInput {
  turnId: string;
  question: string;
  /** Why the model's words are not used; shown in the steps panel. */
  reason: string;
}

/** Quotes of the passages as a final step result; NO_ANSWER when no sentence matches. */
export function quotedAnswer(
  question: string,
  sources: { n: number; title: string; url: string; text: string }[],
  reason: string,
  durationMs = 0,
): ModelStepResult {
  const answer = extractiveAnswer(question, sources);
  return {
    kind: 'final',
    answer: answer || NO_ANSWER,
    citations: [],
    durationMs,
    origin: 'extractive',
    note: truncate(reason, 300),
  };
}

export function createExtractiveAnswer({ collections }: AgentContext) {
  return async function agentExtractiveAnswer(
    input: ExtractiveAnswerInput,
  ): Promise<ModelStepResult> {
    const started = Date.now();
    const sources = turnSources(await turnRecords(collections, input.turnId));
    const result = quotedAnswer(input.question, sources, input.reason);
    return { ...result, durationMs: Date.now() - started };
  };
}
