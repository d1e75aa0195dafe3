// The tool loop's prompt pieces: the tools offered, the turn's earlier steps replayed as chat
// messages, and the salvage of a reply that failed its schema. Kept apart from the step itself so
// the step reads as what it does: fetch, prompt, call once, store.
import {
  TOOL_DESCRIPTIONS,
  TOOL_NAMES,
  searchArgumentsSchema,
  summarizeArgumentsSchema,
  whatCanIDoArgumentsSchema,
} from '../../domain/agent.js';
import { SecondBrainError } from '../../domain/errors.js';
import type {
  ChatMessage,
  ChatModel,
  ChatResponse,
  ToolDefinition,
} from '../../integrations/llm/chat-model.js';
import {
  sortSteps,
  type StepRecord,
  type ToolStepRecord,
} from '../../integrations/mongo/stores/agent-turns.js';

/** Tokens a model step may generate: a final answer, or a tool choice. */
export const MODEL_STEP_MAX_TOKENS = 512;
export const MAX_TOOL_CALLS_PER_STEP = 3;

export function toolDefinitions(): ToolDefinition[] {
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
export function stepMessages(records: StepRecord[]): ChatMessage[] {
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
export function salvagedReply(
  llm: ChatModel,
  error: unknown,
): ChatResponse<never> & { salvaged: string } {
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
