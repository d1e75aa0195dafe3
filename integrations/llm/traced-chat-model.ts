// A tracing decorator around any ChatModel (the same kind of wrapper as the response cache):
// each call inside an activity becomes an `llm` span with the prompt, the completion, model,
// token counts, latency and a cost estimate, under the activity's span. Outside an activity
// (no trace scope) calls pass through untraced. Recording never throws.
import { boundForTrace, errorMessage, estimateCostUsd } from '../../domain/tracing.js';
import { currentTraceScope, nextChildSpan } from '../tracing/trace-context.js';
import type { Tracer } from '../tracing/tracer.js';
import { withChat, type ChatModel, type ChatRequest, type ChatResponse } from './chat-model.js';

function promptForTrace(request: ChatRequest<unknown>): unknown {
  return {
    messages: request.messages.map((message) => ({
      role: message.role,
      content: boundForTrace(message.content, 3_000),
      ...(message.toolCalls ? { toolCalls: boundForTrace(message.toolCalls, 1_000) } : {}),
    })),
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...(request.maxTokens === undefined ? {} : { maxTokens: request.maxTokens }),
    ...(request.responseSchemaName ? { responseSchema: request.responseSchemaName } : {}),
    ...(request.tools ? { tools: request.tools.map((tool) => tool.name) } : {}),
  };
}

function completionForTrace(response: ChatResponse<unknown>): unknown {
  return {
    text: boundForTrace(response.text, 4_000),
    ...(response.output === undefined ? {} : { output: boundForTrace(response.output, 4_000) }),
    ...(response.toolCalls.length > 0
      ? { toolCalls: boundForTrace(response.toolCalls, 2_000) }
      : {}),
    finishReason: response.finishReason,
  };
}

export function withTracing(model: ChatModel, tracer: Tracer, spanName = 'chat'): ChatModel {
  return withChat(model, async function chat<T>(request: ChatRequest<T>): Promise<ChatResponse<T>> {
    const scope = currentTraceScope();
    if (!scope) return model.chat(request);
    const identity = nextChildSpan(scope, 'llm');
    const startTime = new Date();
    const record = (response: ChatResponse<T> | undefined, error: unknown) => {
      try {
        const endTime = new Date();
        const usage = response && {
          promptTokens: response.usage.promptTokens,
          completionTokens: response.usage.completionTokens,
          totalTokens: response.usage.promptTokens + response.usage.completionTokens,
        };
        tracer.record(
          {
            ...identity,
            name: `${spanName} ${model.modelId}`,
            kind: 'llm',
            startTime,
            endTime,
            durationMs: endTime.getTime() - startTime.getTime(),
            input: promptForTrace(request),
            output: response && completionForTrace(response),
            model: model.modelId,
            provider: model.provider,
            usage,
            // A cached reply cost nothing this time.
            costUsd:
              usage &&
              (response.cached ? 0 : estimateCostUsd(model.provider, model.modelId, usage)),
            cached: response?.cached,
            error: error === undefined ? undefined : errorMessage(error),
            origin: scope.origin,
          },
          scope.trace,
        );
      } catch {
        // Tracing never fails the call it observes.
      }
    };
    try {
      const response = await model.chat(request);
      record(response, undefined);
      return response;
    } catch (error) {
      record(undefined, error);
      throw error;
    }
  });
}
