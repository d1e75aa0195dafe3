// One step of the tool loop (models that drive tools well): a tool choice or the final answer,
// stored by (turnId, step) before it returns, so a retried attempt never calls the model again.
import { log } from '@temporalio/activity';
import {
  finalAnswerSchema,
  fitMessagesToBudget,
  NO_ANSWER,
  salvageAnswer,
  systemPrompt,
  TOOL_DESCRIPTIONS,
  TOOL_NAMES,
  searchArgumentsSchema,
  summarizeArgumentsSchema,
  whatCanIDoArgumentsSchema,
  type AgentStep,
  type ModelStepResult,
} from '../../domain/agent.js';
import { SecondBrainError } from '../../domain/errors.js';
import type {
  ChatMessage,
  ChatModel,
  ChatResponse,
  ToolDefinition,
} from '../../integrations/llm/chat-model.js';
import { toJsonSchema } from '../../integrations/llm/completion-backend.js';
import {
  beginModelStep,
  earlierTurns,
  sortSteps,
  finishModelStep,
  turnRecords,
  turnSources,
  type StepRecord,
  type ToolStepRecord,
} from '../../integrations/mongo/stores/agent-turns.js';
import { RECENT_TURNS_IN_PROMPT, type AgentContext } from './dependencies.js';
import { withHeartbeat } from './heartbeat.js';
import { liveTextWriter } from './live-text.js';

export interface ModelStepInput {
  conversationId: string;
  turnId: string;
  step: number;
  question: string;
  summary: string;
  /** The last step: no tools offered, the model must answer. */
  finalOnly: boolean;
}

/** Tokens a model step may generate: a final answer, or a tool choice. */
const MODEL_STEP_MAX_TOKENS = 512;
const MAX_TOOL_CALLS_PER_STEP = 3;

function toolDefinitions(): ToolDefinition[] {
  return [
    {
      name: TOOL_NAMES.search,
      description: TOOL_DESCRIPTIONS[TOOL_NAMES.search],
      parameters: searchArgumentsSchema,
    },
    {
      name: TOOL_NAMES.summarize,
      description: TOOL_DESCRIPTIONS[TOOL_NAMES.summarize],
      parameters: summarizeArgumentsSchema,
    },
    {
      name: TOOL_NAMES.whatCanIDo,
      description: TOOL_DESCRIPTIONS[TOOL_NAMES.whatCanIDo],
      parameters: whatCanIDoArgumentsSchema,
    },
  ];
}

/** This turn's steps so far as chat messages: assistant tool calls, then each tool's reply. */
function stepMessages(records: StepRecord[]): ChatMessage[] {
  const messages: ChatMessage[] = [];
  const byStep = new Map<number, StepRecord[]>();
  for (const record of sortSteps(records)) {
    byStep.set(record.step, [...(byStep.get(record.step) ?? []), record]);
  }
  for (const stepRecords of byStep.values()) {
    const tools = stepRecords.filter((record): record is ToolStepRecord => record.kind === 'tool');
    if (tools.length === 0) continue;
    messages.push({
      role: 'assistant',
      content: '',
      toolCalls: tools.map((tool) => ({
        id: tool.call.id,
        name: tool.call.name,
        arguments: tool.call.arguments,
      })),
    });
    for (const tool of tools)
      messages.push({ role: 'tool', toolCallId: tool.call.id, content: tool.content });
  }
  return messages;
}

/** A reply that failed the final-answer schema twice, kept as text for `salvageAnswer`. */
function salvagedReply(llm: ChatModel, error: unknown): ChatResponse<never> & { salvaged: string } {
  if (!(error instanceof SecondBrainError) || error.kind !== 'invalidModelOutput') throw error;
  const replyText = error.details?.replyText;
  return {
    text: typeof replyText === 'string' ? replyText : '',
    output: undefined,
    toolCalls: [],
    finishReason: 'other',
    usage: { promptTokens: 0, completionTokens: 0 },
    provider: llm.provider,
    model: llm.modelId,
    cached: false,
    salvaged: error.message,
  };
}

export function createModelStep(context: AgentContext) {
  const { collections, llm } = context;
  return async function agentModelStep(input: ModelStepInput): Promise<ModelStepResult> {
    const id = `${input.turnId}:${input.step}:model`;
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
    // An audit of every real model invocation: the crash tests count them per step.
    await collections.modelCalls.insertOne({
      turnId: input.turnId,
      step: input.step,
      provider: llm.provider,
      model: llm.modelId,
      at: new Date(),
    });
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
    await finishModelStep(
      collections,
      {
        _id: id,
        turnId: input.turnId,
        conversationId: input.conversationId,
        step: input.step,
        kind: 'model',
        result,
        usage: response.usage,
      },
      step,
    );
    return result;
  };
}
