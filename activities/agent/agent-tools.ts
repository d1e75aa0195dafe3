// The agent's tools as the tool loop runs them: search the knowledge base, summarize sources
// already found, describe what the knowledge base covers. Each returns the reply the model reads
// (retrieved text fenced as untrusted data) and the sources it adds to the turn.
import {
  formatSearchResults,
  stripMarkers,
  summarizeArgumentsSchema,
  searchArgumentsSchema,
  TOOL_NAMES,
  whatCanIDoArgumentsSchema,
  type ToolCallInput,
} from '../../domain/agent.js';
import { SecondBrainError } from '../../domain/errors.js';
import { fenceUntrusted } from '../../domain/untrusted-text.js';
import type { StoredSource } from '../../integrations/mongo/stores/agent-turns.js';
import type { AgentContext } from './dependencies.js';
import { describeKnowledgeBase } from './what-can-i-do.js';

export interface ToolRun {
  content: string;
  sources: StoredSource[];
  outcome: string;
}

export async function runTool(
  context: AgentContext,
  call: ToolCallInput,
  previous: StoredSource[],
): Promise<ToolRun> {
  const { retriever, summarizer, settings } = context;
  // Room for retrieved text in one tool reply: ~40% of the context window, ~4 chars a token.
  const searchBudgetChars = Math.max(2_000, Math.floor(context.llm.contextWindow * 4 * 0.4));
  switch (call.name) {
    case TOOL_NAMES.search: {
      const { query } = searchArgumentsSchema.parse(call.arguments);
      const found = await retriever.search(query, { k: settings.searchK });
      let next = previous.reduce((max, source) => Math.max(max, source.n), 0) + 1;
      const numbered = found.map((chunk) => {
        const known = previous.find((source) => source.chunkId === chunk.chunkId);
        return {
          n: known?.n ?? next++,
          chunkId: chunk.chunkId,
          documentId: chunk.documentId,
          url: chunk.url,
          title: chunk.title,
          text: chunk.text,
        };
      });
      return {
        content: formatSearchResults(query, numbered, searchBudgetChars),
        sources: numbered.filter(
          (source) => !previous.some((known) => known.chunkId === source.chunkId),
        ),
        outcome: `${numbered.length} chunk${numbered.length === 1 ? '' : 's'}`,
      };
    }
    case TOOL_NAMES.summarize: {
      const { sources } = summarizeArgumentsSchema.parse(call.arguments);
      const chosen = previous.filter((source) => sources.includes(source.n));
      if (chosen.length === 0)
        throw new SecondBrainError(
          'validation',
          `no retrieved source has the number(s) ${sources.join(', ')}; search first`,
        );
      const summary = await summarizer.summarize(
        chosen.map((source) => `${source.title}\n${source.text}`).join('\n\n'),
      );
      return {
        content: `Summary of ${chosen.map((source) => `[${source.n}]`).join('')} (untrusted data):\n${fenceUntrusted('SOURCE', stripMarkers(summary), { n: 'summary' })}`,
        sources: [],
        outcome: `${summary.length} characters`,
      };
    }
    case TOOL_NAMES.whatCanIDo: {
      whatCanIDoArgumentsSchema.parse(call.arguments ?? {});
      const content = await describeKnowledgeBase(context.knowledgeBase);
      return { content, sources: [], outcome: `${content.split('\n').length - 1} topics` };
    }
    default:
      throw new SecondBrainError(
        'validation',
        `unknown tool "${call.name}"; the tools are ${Object.values(TOOL_NAMES).join(', ')}`,
      );
  }
}
