// One turn of the agent, written against its activities' signatures only, so the conversation
// workflow runs it with proxied activities and the benchmark runs the very same function with
// the activities called directly.
//
// Every turn retrieves first. A question the knowledge base has nothing on is declined without
// a model call. Then either the grounded path (one generation, checked sentence by sentence) or
// the tool loop for models that drive tools well. Whatever fails in a model step, the turn
// still completes: with quotes of the passages, never with "Activity task failed".
import type {
  AgentStep,
  AnswerKind,
  ModelStepResult,
  ToolStepResult,
  TurnResult,
} from '../domain/agent.js';
import type {
  ExtractiveAnswerInput,
  FinishTurnInput,
  GroundedAnswerInput,
  ModelStepInput,
  PreparedTurn,
  PrepareTurnInput,
  ToolStepInput,
} from '../activities/agent/index.js';

export interface AgentLoopActivities {
  agentPrepareTurn(input: PrepareTurnInput): Promise<PreparedTurn>;
  agentGroundedAnswer(input: GroundedAnswerInput): Promise<ModelStepResult>;
  agentModelStep(input: ModelStepInput): Promise<ModelStepResult>;
  agentToolStep(input: ToolStepInput): Promise<ToolStepResult>;
  agentExtractiveAnswer(input: ExtractiveAnswerInput): Promise<ModelStepResult>;
  agentFinishTurn(input: FinishTurnInput): Promise<TurnResult>;
}

export interface AgentTurnInput {
  conversationId: string;
  turnId: string;
  turnIndex: number;
  question: string;
  summary: string;
  /** Model steps of the tool loop at most; the last one gets no tools and must answer. */
  maxSteps: number;
}

/** A failure's own words, for the steps panel (an ActivityFailure wraps the real cause). */
function failureReason(error: unknown): string {
  let current: unknown = error;
  let message = error instanceof Error ? error.message : String(error);
  while (current instanceof Error && current.cause) {
    current = current.cause;
    if (current instanceof Error && current.message) message = current.message;
  }
  return message.slice(0, 300);
}

export async function runAgentTurn(
  activities: AgentLoopActivities,
  input: AgentTurnInput,
): Promise<TurnResult> {
  const { conversationId, turnId, question, summary } = input;
  const steps: AgentStep[] = [];
  const finish = (
    model: Extract<ModelStepResult, { kind: 'final' }> | undefined,
    answerKind: AnswerKind,
    check = false,
  ) =>
    activities.agentFinishTurn({
      conversationId,
      turnId,
      turnIndex: input.turnIndex,
      question,
      answer: model?.answer ?? '',
      citations: model?.citations ?? [],
      steps,
      answerKind,
      check,
    });
  const recordModel = (step: number, model: ModelStepResult, name = 'model') =>
    steps.push({
      step,
      kind: 'model',
      name,
      input:
        model.kind === 'tool_calls'
          ? `calls ${model.calls.map((call) => call.name).join(', ')}`
          : model.origin === 'extractive'
            ? 'quotes of the passages'
            : 'final answer',
      durationMs: model.durationMs,
      ok: true,
      outcome: model.kind === 'final' && model.note ? model.note : model.kind,
    });
  const quotes = async (step: number, error: unknown) => {
    const model = await activities.agentExtractiveAnswer({
      turnId,
      question,
      reason: failureReason(error),
    });
    steps.push({
      step,
      kind: 'model',
      name: 'model',
      input: 'model step failed',
      durationMs: 0,
      ok: false,
      outcome: failureReason(error),
    });
    recordModel(step, model, 'quotes');
    return model;
  };
  const kindOf = (model: Extract<ModelStepResult, { kind: 'final' }>): AnswerKind =>
    model.origin === 'extractive' ? 'extractive' : 'model';

  const prepared = await activities.agentPrepareTurn({ conversationId, turnId, question });
  steps.push({
    step: 0,
    kind: 'tool',
    name: 'search_knowledge_base',
    input: prepared.query.slice(0, 300),
    durationMs: prepared.durationMs,
    ok: true,
    outcome: `${prepared.sourceCount} relevant passage${prepared.sourceCount === 1 ? '' : 's'}`,
  });
  if (!prepared.relevant) return finish(undefined, 'declined');

  if (prepared.mode === 'grounded') {
    if (prepared.overview !== undefined)
      return finish(
        { kind: 'final', answer: prepared.overview, citations: [], durationMs: 0 },
        'model',
      );
    let model: ModelStepResult;
    try {
      model = await activities.agentGroundedAnswer({
        conversationId,
        turnId,
        step: 1,
        question,
        summary,
      });
      recordModel(1, model);
    } catch (error) {
      model = await quotes(1, error);
    }
    if (model.kind !== 'final')
      throw new Error(`grounded step of turn ${turnId} returned tool calls`);
    return finish(model, kindOf(model));
  }

  // The tool loop. An identical call repeated in one turn is not run again (the tool step
  // tells the model it has that result); a step whose every call was a repeat leaves the
  // model only one move: the final answer.
  const lastStep = Math.max(1, input.maxSteps);
  let forceFinal = false;
  for (let step = 1; step <= lastStep; step++) {
    const finalOnly = step === lastStep || forceFinal;
    let model: ModelStepResult;
    try {
      model = await activities.agentModelStep({
        conversationId,
        turnId,
        step,
        question,
        summary,
        finalOnly,
      });
      recordModel(step, model);
    } catch (error) {
      model = await quotes(step, error);
    }
    if (model.kind === 'final') return finish(model, kindOf(model), model.origin !== 'extractive');
    let repeats = 0;
    for (const [index, call] of model.calls.entries()) {
      const result = await activities.agentToolStep({ conversationId, turnId, step, index, call });
      if (result.repeated) repeats++;
      steps.push({
        step,
        kind: 'tool',
        name: call.name,
        input: JSON.stringify(call.arguments ?? {}).slice(0, 300),
        durationMs: result.durationMs,
        ok: result.ok,
        outcome: result.outcome,
      });
    }
    forceFinal = repeats === model.calls.length;
  }
  // Unreachable: the last step offers no tools, so the model answers there.
  throw new Error(`agent turn ${turnId} ended without an answer`);
}
