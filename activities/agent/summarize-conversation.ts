// Folds a conversation's older turns into a summary before the workflow continues as new; the
// last RECENT_TURNS_IN_PROMPT turns keep reaching the model verbatim.
import { truncate } from '../../domain/agent.js';
import { RECENT_TURNS_IN_PROMPT, type AgentContext } from './dependencies.js';
import { withHeartbeat } from '../with-heartbeat.js';

export function createSummarizeConversation(context: AgentContext) {
  const { collections, summarizer } = context;
  return async function agentSummarizeConversation(input: {
    conversationId: string;
    previousSummary: string;
  }): Promise<string> {
    const turns = await collections.turns
      .find({ conversationId: input.conversationId })
      .sort({ index: 1 })
      .toArray();
    const older = turns.slice(0, Math.max(0, turns.length - RECENT_TURNS_IN_PROMPT));
    if (older.length === 0) return input.previousSummary;
    const transcript = [
      input.previousSummary && `Earlier summary: ${input.previousSummary}`,
      ...older.map((turn) => `Q: ${turn.question}\nA: ${truncate(turn.answer, 1_000)}`),
    ]
      .filter(Boolean)
      .join('\n\n');
    const summary = truncate(
      await withHeartbeat(() => summarizer.summarize(transcript, { maxWords: 150 })),
      2_000,
    );
    await collections.conversations.updateOne(
      { _id: input.conversationId },
      { $set: { summary, updatedAt: new Date() } },
    );
    return summary;
  };
}
