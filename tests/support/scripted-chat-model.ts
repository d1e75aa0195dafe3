// A scripted ChatModel for the agent's plumbing tests (workflow, activities, API, UI): it
// follows fixed rules so the tests can assert on the workflow, storage, streaming and browser
// behaviour around the model. It is not a model under test: the agent's answers from a real
// model are tested with the local model (agent-local-model.test.ts).
import { SecondBrainError } from '../../domain/errors.js';
import type {
  ChatModel,
  ChatRequest,
  ChatResponse,
  ToolCall,
} from '../../integrations/llm/chat-model.js';

export interface ScriptedChatModel extends ChatModel {
  calls: ChatRequest[];
}

function response<T>(partial: Partial<ChatResponse<T>>): ChatResponse<T> {
  return {
    text: '',
    output: undefined,
    toolCalls: [],
    finishReason: 'stop',
    usage: { promptTokens: 10, completionTokens: 5 },
    provider: 'scripted',
    model: 'scripted-agent-rules',
    cached: false,
    ...partial,
  };
}

/**
 * Rules: a question containing "crash" fails every call (a model that died mid-turn), "repeat"
 * calls the same search again and again while tools are offered, "topics" calls what_can_i_do, "summarize" calls summarize on [1],
 * "broken tool" calls a tool that does not exist, "garbled" fails the final answer's schema as a
 * small model running out of tokens does; then it answers from the first source it was
 * shown, citing it as [n], or says the knowledge base has no answer.
 */
export function createScriptedChatModel(options: { delayMs?: number } = {}): ScriptedChatModel {
  const calls: ChatRequest[] = [];
  return {
    provider: 'scripted',
    modelId: 'scripted-agent-rules',
    contextWindow: 8192,
    calls,
    countTokens: (text) => Math.ceil(text.length / 4),
    async chat<T>(request: ChatRequest<T>): Promise<ChatResponse<T>> {
      calls.push(request);
      if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      const question = [...request.messages].reverse().find((message) => message.role === 'user');
      const toolReplies = request.messages.filter((message) => message.role === 'tool');
      const askedFor = (word: string) => question?.content.toLowerCase().includes(word) ?? false;
      const called = (name: string) =>
        request.messages.some((message) => message.toolCalls?.some((call) => call.name === name));
      const call = (name: string, args: unknown): ChatResponse<T> =>
        response<T>({
          toolCalls: [{ id: `call-${calls.length}`, name, arguments: args } satisfies ToolCall],
          finishReason: 'tool_calls',
        });
      if (askedFor('crash'))
        throw new SecondBrainError('permanent', 'scripted: the model process crashed');
      if (request.tools) {
        if (askedFor('repeat'))
          return call('search_knowledge_base', { query: 'sourdough starter' });
        if (askedFor('topics') && !called('what_can_i_do')) return call('what_can_i_do', {});
        if (askedFor('summarize') && !called('summarize'))
          return call('summarize', { sources: [1] });
        if (askedFor('broken tool') && !called('delete_everything'))
          return call('delete_everything', { really: true });
      }
      if (request.responseSchema && askedFor('garbled'))
        throw new SecondBrainError('invalidModelOutput', 'scripted: invalid final answer twice', {
          details: { replyText: '{"answer": "A partly written answer about \\"starters\\' },
        });
      if (!request.responseSchema)
        return response<T>({ text: `Summary: ${question?.content.slice(0, 80) ?? ''}` });
      const source = toolReplies
        .map((message) => /<<<SOURCE n="(\d+)" title="([^"]*)"/.exec(message.content))
        .find(Boolean);
      const topics = toolReplies.find((message) =>
        message.content.includes('I can answer questions about'),
      );
      const output = source
        ? {
            answer: `It is explained in ${source[2]} [${source[1]}].`,
            citations: [Number(source[1])],
          }
        : topics
          ? { answer: topics.content, citations: [] }
          : { answer: 'The knowledge base has no answer to this.', citations: [] };
      const parsed = request.responseSchema.parse(output);
      const text = JSON.stringify(output);
      // Streams its reply in pieces, as a real model does; "slowly" spreads them over ~1 s.
      for (const piece of text.match(/.{1,6}/gs) ?? []) {
        request.onText?.(piece);
        if (askedFor('slowly')) await new Promise((resolve) => setTimeout(resolve, 1000 / 16));
      }
      return response<T>({ text, output: parsed });
    },
  };
}
