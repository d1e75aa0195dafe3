// The agent's tool-calling loop, written against its activities' signatures only, so the
// conversation workflow runs it with proxied activities and the benchmark runs the very same
// function with the activities called directly.
import type { AgentStep, ModelStepResult, ToolStepResult, TurnResult } from '../domain/agent.js';
import type {
  FinishTurnInput,
  ModelStepInput,
  ToolStepInput,
} from '../activities/agent-activities.js';

export interface AgentLoopActivities {
  agentModelStep(input: ModelStepInput): Promise<ModelStepResult>;
  agentToolStep(input: ToolStepInput): Promise<ToolStepResult>;
  agentFinishTurn(input: FinishTurnInput): Promise<TurnResult>;
}

export interface AgentTurnInput {
  conversationId: string;
  turnId: string;
  turnIndex: number;
  question: string;
  summary: string;
  /** Model steps at most; the last one gets no tools and must answer. */
  maxSteps: number;
  /** Search the knowledge base with the question before the first model step. */
  searchFirst: boolean;
}

export async function runAgentTurn(
  activities: AgentLoopActivities,
  input: AgentTurnInput,
): Promise<TurnResult> {
  const { conversationId, turnId, question, summary } = input;
  const steps: AgentStep[] = [];
  let step = 0;
  const callTool = async (index: number, call: ToolStepInput['call']) => {
    const result = await activities.agentToolStep({ conversationId, turnId, step, index, call });
    steps.push({
      step,
      kind: 'tool',
      name: call.name,
      input: JSON.stringify(call.arguments ?? {}).slice(0, 300),
      durationMs: result.durationMs,
      ok: result.ok,
      outcome: result.outcome,
    });
  };
  if (input.searchFirst) {
    await callTool(0, {
      id: `search-${turnId.slice(0, 8)}`,
      name: 'search_knowledge_base',
      arguments: { query: question },
    });
    step++;
  }
  const lastStep = step + Math.max(1, input.maxSteps) - 1;
  for (; step <= lastStep; step++) {
    const finalOnly = step === lastStep;
    const model = await activities.agentModelStep({
      conversationId,
      turnId,
      step,
      question,
      summary,
      finalOnly,
    });
    steps.push({
      step,
      kind: 'model',
      name: 'model',
      input:
        model.kind === 'tool_calls'
          ? `calls ${model.calls.map((call) => call.name).join(', ')}`
          : 'final answer',
      durationMs: model.durationMs,
      ok: true,
      outcome: model.kind,
    });
    if (model.kind === 'final') {
      return activities.agentFinishTurn({
        conversationId,
        turnId,
        turnIndex: input.turnIndex,
        question,
        answer: model.answer,
        citations: model.citations,
        steps,
      });
    }
    for (const [index, call] of model.calls.entries()) await callTool(index, call);
  }
  // Unreachable: the last step offers no tools, so the model answers there.
  throw new Error(`agent turn ${turnId} ended without an answer`);
}
