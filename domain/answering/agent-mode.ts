// Which answer path a model gets. `grounded`: retrieval, then one generation call whose
// sentences are checked against the passages. `tools`: retrieval, then the tool loop (search
// again, summarize, list topics) for models that drive tools well. `auto` picks by provider:
// the embedded local models (a few hundred million parameters) cannot plan tool calls, remote
// OpenAI-compatible and Hugging Face models can.
export const AGENT_MODES = ['auto', 'grounded', 'tools'] as const;
export type AgentMode = (typeof AGENT_MODES)[number];
export type ResolvedAgentMode = Exclude<AgentMode, 'auto'>;

export function resolveAgentMode(mode: AgentMode, provider: string): ResolvedAgentMode {
  if (mode !== 'auto') return mode;
  return provider === 'local' || provider === 'unavailable' ? 'grounded' : 'tools';
}
