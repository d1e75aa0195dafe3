// The benchmark runs the agent's real activities outside a worker: this gives them the
// activity context (heartbeats, logger) they expect, with the SDK's warnings collected instead
// of printed over the progress lines.
import type { Logger } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { createAgentActivities } from '../../activities/agent/index.js';
import type { AgentLoopActivities } from '../../workflows/agent-loop.js';

export function quietLogger(warnings: string[]): Logger {
  const ignore = () => undefined;
  const collect = (message: string, meta?: Record<string, unknown>) =>
    warnings.push(`${message}${typeof meta?.reason === 'string' ? `: ${meta.reason}` : ''}`);
  return {
    log: (level, message, meta) => {
      if (level === 'WARN' || level === 'ERROR') collect(message, meta);
    },
    trace: ignore,
    debug: ignore,
    info: ignore,
    warn: collect,
    error: collect,
  };
}

/** Each activity run inside a mock activity context, as a worker would run it. */
export function inActivityContext(
  activities: ReturnType<typeof createAgentActivities>,
  warnings: string[],
): AgentLoopActivities {
  const environment = new MockActivityEnvironment(
    { attempt: 1 },
    { logger: quietLogger(warnings) },
  );
  const wrap =
    <I, O>(activity: (input: I) => Promise<O>) =>
    (input: I): Promise<O> =>
      environment.run<[I], O, (input: I) => Promise<O>>(activity, input);
  return {
    agentPrepareTurn: wrap(activities.agentPrepareTurn),
    agentGroundedAnswer: wrap(activities.agentGroundedAnswer),
    agentModelStep: wrap(activities.agentModelStep),
    agentToolStep: wrap(activities.agentToolStep),
    agentExtractiveAnswer: wrap(activities.agentExtractiveAnswer),
    agentFinishTurn: wrap(activities.agentFinishTurn),
  };
}
