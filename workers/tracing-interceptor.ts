// Tracing, implemented once for every activity of every worker: the interceptor opens a trace
// scope around the activity (read by the chat model and retriever decorators) and records the
// activity's own span when it ends. An agent activity (its input names a turnId) belongs to
// that turn's trace; any other activity to its workflow's trace, so the LLM calls of quality
// scoring, contextual summaries, distillation and evaluation carry workflow and activity ids.
import type { Context } from '@temporalio/activity';
import type {
  ActivityExecuteInput,
  ActivityInboundCallsInterceptor,
  Next,
} from '@temporalio/worker';
import {
  boundForTrace,
  errorMessage,
  runTimestamp,
  stableUuidV7,
  type SpanKind,
  type TraceInfo,
} from '../domain/tracing.js';
import { runInTraceScope, type TraceScope } from '../integrations/tracing/trace-context.js';
import type { Tracer } from '../integrations/tracing/tracer.js';

const SETTLE_MS = 1_000;

interface ActivityArguments {
  turnId?: unknown;
  conversationId?: unknown;
  question?: unknown;
  call?: { name?: unknown };
}

function firstArgument(input: ActivityExecuteInput): ActivityArguments {
  const first = input.args[0];
  return typeof first === 'object' && first !== null ? first : {};
}

/** What the activity's own span is called and which kind it is. */
function describeActivity(
  activityType: string,
  args: ActivityArguments,
): { name: string; kind: SpanKind } {
  if (typeof args.call?.name === 'string') return { name: `tool ${args.call.name}`, kind: 'tool' };
  // Retrieval first is the turn's search, whether or not a model ever asks for one.
  if (activityType === 'agentPrepareTurn')
    return { name: 'tool search_knowledge_base', kind: 'tool' };
  return { name: activityType, kind: 'activity' };
}

/** The answer of a finished turn becomes the trace's output. */
function turnOutput(activityType: string, result: unknown): unknown {
  if (activityType !== 'agentFinishTurn' || typeof result !== 'object' || result === null)
    return undefined;
  const { answer, sources } = result as { answer?: unknown; sources?: unknown };
  return { answer, sources: Array.isArray(sources) ? sources.length : 0 };
}

export class TracingInterceptor implements ActivityInboundCallsInterceptor {
  constructor(
    private readonly context: Context,
    private readonly tracer: Tracer,
  ) {}

  async execute(
    input: ActivityExecuteInput,
    next: Next<ActivityInboundCallsInterceptor, 'execute'>,
  ): Promise<unknown> {
    let scope: TraceScope;
    try {
      scope = this.openScope(input);
    } catch {
      return next(input);
    }
    const startTime = new Date();
    try {
      const result = await runInTraceScope(scope, () => next(input));
      await this.finish(scope, input, startTime, result, undefined);
      return result;
    } catch (error) {
      await this.finish(scope, input, startTime, undefined, error);
      throw error;
    }
  }

  private openScope(input: ActivityExecuteInput): TraceScope {
    const info = this.context.info;
    const args = firstArgument(input);
    // Activities started outside a workflow (standalone) have no trace to join.
    if (!info.workflowExecution || !info.workflowType) throw new Error('not in a workflow');
    const { workflowId, runId } = info.workflowExecution;
    const workflowType = info.workflowType;
    const idTime = runTimestamp(runId);
    const turnId = typeof args.turnId === 'string' ? args.turnId : undefined;
    const key = turnId ? `turn:${turnId}` : `workflow:${workflowId}`;
    const trace: TraceInfo = {
      traceId: stableUuidV7(key, idTime),
      key,
      name: turnId ? 'agent turn' : workflowType,
      startTime: new Date(),
      tags: turnId ? ['agent'] : ['pipeline', workflowType],
      metadata: {
        workflowId,
        workflowType,
        ...(typeof args.conversationId === 'string' ? { conversationId: args.conversationId } : {}),
      },
      ...(turnId ? { turnId } : {}),
      ...(turnId && typeof args.question === 'string'
        ? { input: { question: args.question } }
        : {}),
    };
    // Activity ids are stable across attempts (and local activities number their calls).
    const spanKey = `${key}|${runId}|${info.activityId}|${info.activityType}`;
    return {
      trace,
      spanId: stableUuidV7(spanKey, idTime),
      spanKey,
      idTime,
      origin: {
        workflowId,
        workflowType,
        runId,
        activityId: info.activityId,
        activityType: info.activityType,
        attempt: info.attempt,
      },
      children: 0,
    };
  }

  private async finish(
    scope: TraceScope,
    input: ActivityExecuteInput,
    startTime: Date,
    result: unknown,
    error: unknown,
  ): Promise<void> {
    try {
      // Offline activities without an LLM call inside would only add noise: their timing is
      // in the Temporal UI already. Every step of an agent turn is part of its trace.
      if (!scope.trace.turnId && scope.children === 0) return;
      const endTime = new Date();
      const args = firstArgument(input);
      const { name, kind } = describeActivity(scope.origin.activityType, args);
      const output = turnOutput(scope.origin.activityType, result);
      this.tracer.record(
        {
          spanId: scope.spanId,
          traceId: scope.trace.traceId,
          parentSpanId: null,
          name,
          kind,
          startTime,
          endTime,
          durationMs: endTime.getTime() - startTime.getTime(),
          input: boundForTrace(input.args[0], 1_500),
          output: error === undefined ? boundForTrace(result, 1_500) : undefined,
          error: error === undefined ? undefined : errorMessage(error),
          origin: scope.origin,
        },
        output === undefined ? scope.trace : { ...scope.trace, output },
      );
      // Bounded: the turn's trace is readable when its answer is, and a dead store costs ≤ 1 s.
      await this.tracer.settle(SETTLE_MS);
    } catch {
      // Tracing never fails the activity it observes.
    }
  }
}
