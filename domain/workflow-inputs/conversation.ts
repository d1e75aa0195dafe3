// The agent's conversation workflow input: carried over by continue-as-new between runs.
import { z } from 'zod';

export const conversationInputSchema = z
  .object({
    /** Defaults to the workflow id (the conversation id). */
    conversationId: z.string().max(64).default(''),
    /** Summary of the turns before this run (carried over by continue-as-new). */
    summary: z.string().max(4_000).default(''),
    /** Turns answered in earlier runs of this conversation. */
    turnCount: z.number().int().min(0).default(0),
    /** Model steps per turn at most (AGENT_MAX_STEPS); the last one must answer. */
    maxSteps: z.number().int().min(1).max(20).default(4),
    /** Turns per run before continue-as-new with a summary of the older ones. */
    turnsPerRun: z.number().int().min(1).max(500).default(20),
    /** A conversation idle this long completes (a new question starts a new run). */
    idleTimeoutMinutes: z
      .number()
      .int()
      .min(1)
      .default(24 * 60),
  })
  .strict();

export type ConversationInput = z.infer<typeof conversationInputSchema>;
