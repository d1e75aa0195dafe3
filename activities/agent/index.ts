// The agent's activities, one module each: retrieval first (prepare-turn), the grounded answer,
// the tool loop's model and tool steps, the model-free quotes, finishing a turn and folding a
// long conversation into a summary. Each step's result is stored in MongoDB under (turnId, step)
// before it is returned, so an attempt retried after a worker crash returns the stored result
// instead of calling the model (or the tool) again; the workflow only sees ids, numbers and
// short outcomes.
import { createChatSummarizer } from '../../integrations/llm/summarizer.js';
import { agentCollections } from '../../integrations/mongo/stores/agent-turns.js';
import { createRagChunkReader } from '../../integrations/mongo/stores/rag-chunks.js';
import { rawDocumentStore } from '../../integrations/mongo/stores/raw-documents.js';
import type { AgentActivityDependencies, AgentContext } from './dependencies.js';
import { createExtractiveAnswer } from './extractive-answer.js';
import { createFinishTurn } from './finish-turn.js';
import { createGroundedAnswer } from './grounded-answer.js';
import { createModelStep } from './model-step.js';
import { createPrepareTurn } from './prepare-turn.js';
import { createSummarizeConversation } from './summarize-conversation.js';
import { createToolStep } from './tool-step.js';

export type { AgentActivityDependencies, AgentSettings } from './dependencies.js';
export { RECENT_TURNS_IN_PROMPT } from './dependencies.js';
export type { ExtractiveAnswerInput } from './extractive-answer.js';
export type { FinishTurnInput } from './finish-turn.js';
export type { GroundedAnswerInput } from './grounded-answer.js';
export type { ModelStepInput } from './model-step.js';
export type { PreparedTurn, PrepareTurnInput } from './prepare-turn.js';
export type { ToolStepInput } from './tool-step.js';

export function createAgentActivities(dependencies: AgentActivityDependencies) {
  const context: AgentContext = {
    mongo: dependencies.mongo,
    llm: dependencies.llm,
    retriever: dependencies.retriever,
    summarizer: dependencies.summarizer ?? createChatSummarizer(dependencies.llm),
    collections: agentCollections(dependencies.mongo),
    knowledgeBase: {
      chunks: createRagChunkReader(dependencies.mongo),
      raw: rawDocumentStore(dependencies.mongo),
    },
    settings: dependencies.settings,
  };
  return {
    agentPrepareTurn: createPrepareTurn(context),
    agentGroundedAnswer: createGroundedAnswer(context),
    agentModelStep: createModelStep(context),
    agentToolStep: createToolStep(context),
    agentExtractiveAnswer: createExtractiveAnswer(context),
    agentFinishTurn: createFinishTurn(context),
    agentSummarizeConversation: createSummarizeConversation(context),
  };
}

export type AgentActivities = ReturnType<typeof createAgentActivities>;
