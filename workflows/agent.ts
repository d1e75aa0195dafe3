// Every workflow the agent worker serves. The conversation workflow (agent issue) lands here;
// until then the agent worker serves its task queue with no workflow types.
export {};
