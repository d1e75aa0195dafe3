// One step of the tool loop (models that drive tools well): a tool choice or the final answer,
// stored by (turnId, step) before it returns, so a retried attempt never calls the model again.
import { log } from '@temporalio/activity';
import {
  finalAnswerSchema,
  fitMessagesToBudget,
  NO_ANSWER,
  salvageAnswer,
  systemPrompt,
  type AgentStep,
  type ModelStepResult,
} from '../../domain/agent.js';
import type { ChatMessage } from '../../integrations/llm/chat-model.js';
import { toJsonSchema } from '../../integrations/llm/completion-backend.js';
import {
  beginModelStep,
  earlierTurns,
  finishModelStep,
  recordModelCall,
  turnRecords,
  turnSources,
} from '../../integrations/mongo/stores/agent-turns.js';
import { RECENT_TURNS_IN_PROMPT, type AgentContext } from './dependencies.js';
import { withHeartbeat } from '../with-heartbeat.js';
import { liveTextWriter } from './live-text.js';
import {
  MAX_TOOL_CALLS_PER_STEP,
  MODEL_STEP_MAX_TOKENS,
  salvagedReply,
  stepMessages,
  toolDefinitions,
} from './tool-loop-messages.js';

export interface ModelStepInput {
  conversationId: string;
  turnId: string;
  step: number;
  question: string;
  summary: string;
  /** The last step: no tools offered, the model must answer. */
  finalOnly: boolean;
}

export function createModelStep(context: AgentContext) {
  const { collections, llm } = context;
  return async function agentModelStep(input: ModelStepInput): Promise<ModelStepResult> {
    const finished = await beginModelStep(collections, input.turnId, input.step);
    if (finished) return finished;
    const records = await turnRecords(collections, input.turnId);
    const sources = turnSources(records);
    const earlier = await earlierTurns(
      collections,
      input.conversationId,
      input.turnId,
      RECENT_TURNS_IN_PROMPT,
    );
    const tools = input.finalOnly ? undefined : toolDefinitions();
    const responseSchema = finalAnswerSchema(sources.map((source) => source.n));
    const unfitted: ChatMessage[] = [
      {
        role: 'system',
        content: systemPrompt({ summary: input.summary, finalOnly: input.finalOnly }),
      },
      ...earlier.flatMap((turn): ChatMessage[] => [
        { role: 'user', content: turn.question },
        { role: 'assistant', content: turn.answer },
      ]),
      { role: 'user', content: input.question },
      ...stepMessages(records),
    ];
    // Several searches in one turn can outgrow a small model's window: the tool replies shrink
    // (and older turns drop) to leave room for the answer, the tool list and the schema.
    const overheadTokens =
      llm.countTokens(
        JSON.stringify({
          tools: tools?.map((tool) => [tool.name, tool.description, toJsonSchema(tool.parameters)]),
          schema: toJsonSchema(responseSchema),
        }),
      ) + 64;
    const messages = fitMessagesToBudget(
      unfitted,
      llm.contextWindow - MODEL_STEP_MAX_TOKENS - overheadTokens,
      (text) => llm.countTokens(text),
    );
    await recordModelCall(collections, input.turnId, input.step, llm);
    const started = Date.now();
    const live = liveTextWriter(collections.liveText, input.turnId, input.step, salvageAnswer);
    const response = await withHeartbeat(() =>
      llm
        .chat({
          onText: (piece) => live.push(piece),
          messages,
          temperature: 0,
          maxTokens: MODEL_STEP_MAX_TOKENS,
          tools,
          responseSchema,
          responseSchemaName: 'final_answer',
          cache: false,
        })
        .catch((error: unknown) => salvagedReply(llm, error)),
    );
    await live.flush();
    const durationMs = Date.now() - started;
    let result: ModelStepResult;
    if ('salvaged' in response) {
      // The model could not produce a valid final answer even after a corrective retry (out of
      // tokens mid-JSON). Its own words, as far as they got, are checked like any answer.
      log.warn('Final answer failed its schema; using the salvaged text', {
        turnId: input.turnId,
        step: input.step,
        reason: response.salvaged,
      });
      result = {
        kind: 'final',
        answer: salvageAnswer(response.text) || NO_ANSWER,
        citations: [],
        durationMs,
      };
    } else if (response.toolCalls.length > 0) {
      result = {
        kind: 'tool_calls',
        calls: response.toolCalls.slice(0, MAX_TOOL_CALLS_PER_STEP).map((call, index) => ({
          id: call.id || `call-${input.step}-${index}`,
          name: call.name,
          arguments: call.arguments,
        })),
        durationMs,
      };
    } else {
      const output = response.output;
      result = {
        kind: 'final',
        answer: output?.answer ?? response.text,
        citations: output?.citations ?? [],
        durationMs,
      };
    }
    const step: AgentStep = {
      step: input.step,
      kind: 'model',
      name: 'model',
      input:
        result.kind === 'tool_calls'
          ? `calls ${result.calls.map((call) => call.name).join(', ')}`
          : 'final answer',
      durationMs,
      ok: true,
      outcome: `${response.usage.promptTokens}+${response.usage.completionTokens} tokens`,
    };
    await finishModelStep(collections, input, result, response.usage, step);
    return result;
  };
}
