// The agent's HTTP API and the web chat UI, served by `second-brain serve`. Temporal and
// MongoDB connections open on first use, so `serve` still starts (for the codec endpoint) when
// they are away. Bodies are validated with zod; answers stream as server-sent events read from
// the `turn_events` collection the agent's activities write.
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { z } from 'zod';
import type { Config } from '../../config/environment.js';
import { MAX_QUESTION_LENGTH } from '../../domain/agent.js';
import { connectMongo, type MongoDatabase } from '../../integrations/mongo/mongo-database.js';
import {
  askQuestion,
  CONVERSATION_ID_PATTERN,
  getConversation,
  getTurnSource,
  listConversations,
  readLiveText,
  readTurnEvents,
  recordTurnError,
} from '../agent-client.js';
import { readTurnTrace } from '../../integrations/tracing/mongo-trace-store.js';
import { evaluationChart, getEvaluationReport, listEvaluations } from '../evaluation-client.js';
import { connectClient } from '../temporal-client.js';
import { HttpError, type Route } from './http-server.js';

export const WEB_DIRECTORY = fileURLToPath(new URL('../web/', import.meta.url));

const WEB_FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'api.js': 'text/javascript; charset=utf-8',
  'conversation-view.js': 'text/javascript; charset=utf-8',
  'evaluation-view.js': 'text/javascript; charset=utf-8',
  'markdown.js': 'text/javascript; charset=utf-8',
  'page-elements.js': 'text/javascript; charset=utf-8',
  'trace-view.js': 'text/javascript; charset=utf-8',
  'turn-events.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};

// No inline script, no third-party origin, no plugins: even HTML that slipped through the
// renderer could not run a script.
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

const idSchema = z.string().regex(CONVERSATION_ID_PATTERN, 'must be 8-64 letters, digits, - or _');
const runIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,200}$/, 'must be a workflow id (letters, digits, . _ : -)');

export const askRequestSchema = z
  .object({
    question: z.string().trim().min(1).max(MAX_QUESTION_LENGTH),
    conversationId: idSchema.optional(),
    turnId: idSchema.optional(),
  })
  .strict();

const POLL_MS = 200;

export interface AgentApi {
  routes: Route[];
  close(): Promise<void>;
}

/** The innermost cause's message: "Activity task failed" wraps the reason a user needs. */
function innermostMessage(error: Error): string {
  let current: unknown = error;
  let message = error.message;
  while (current instanceof Error && current.cause) {
    current = current.cause;
    if (current instanceof Error && current.message) message = current.message;
  }
  return message;
}

export function createAgentApi(config: Config, options: { taskQueue?: string } = {}): AgentApi {
  let client: Promise<Client> | undefined;
  let mongo: Promise<MongoDatabase> | undefined;
  // Each open stream polls MongoDB every POLL_MS: their number and lifetime are bounded.
  let openStreams = 0;
  const temporal = () => {
    client ??= connectClient(config).catch((error: unknown) => {
      client = undefined;
      throw error;
    });
    return client;
  };
  const database = async () => {
    mongo ??= connectMongo(config.mongodb).catch((error: unknown) => {
      mongo = undefined;
      throw error;
    });
    return (await mongo).db;
  };

  const staticFile = (routePath: string, file: string): Route => ({
    method: 'GET',
    path: routePath,
    public: true,
    async handle({ response }) {
      const body = await readFile(path.join(WEB_DIRECTORY, file));
      response.writeHead(200, {
        'content-type': WEB_FILES[file] ?? 'application/octet-stream',
        'content-security-policy': CONTENT_SECURITY_POLICY,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-cache',
      });
      response.end(body);
    },
  });

  const routes: Route[] = [
    staticFile('/', 'index.html'),
    ...Object.keys(WEB_FILES).map((file) => staticFile(`/web/${file}`, file)),
    {
      method: 'POST',
      path: '/api/ask',
      async handle({ json }) {
        const request = askRequestSchema.parse(await json());
        const turnId = request.turnId ?? crypto.randomUUID();
        try {
          return await askQuestion(await temporal(), config, {
            question: request.question,
            conversationId: request.conversationId,
            turnId,
            taskQueue: options.taskQueue,
            trigger: 'api',
          });
        } catch (error) {
          const message =
            error instanceof WorkflowUpdateFailedError
              ? `The agent could not answer: ${innermostMessage(error)}`
              : `The agent is unavailable: ${(error as Error).message}`;
          await recordTurnError(await database(), turnId, message).catch(() => undefined);
          throw new HttpError(error instanceof WorkflowUpdateFailedError ? 422 : 503, message);
        }
      },
    },
    {
      method: 'GET',
      path: '/api/conversations',
      handle: async () => ({ conversations: await listConversations(await database()) }),
    },
    {
      method: 'GET',
      path: '/api/conversations/:id',
      async handle({ params }) {
        const id = idSchema.parse(params.id);
        const conversation = await getConversation(await database(), id);
        if (!conversation) throw new HttpError(404, `No conversation ${id}`);
        return conversation;
      },
    },
    {
      method: 'GET',
      path: '/api/turns/:turnId/sources/:n',
      async handle({ params }) {
        const turnId = idSchema.parse(params.turnId);
        const n = z.coerce.number().int().min(1).max(1000).parse(params.n);
        const source = await getTurnSource(await database(), turnId, n);
        if (!source) throw new HttpError(404, `Turn ${turnId} has no source [${n}]`);
        return source;
      },
    },
    {
      // The turn's trace: every activity, LLM call, tool call and retrieval, with their timing.
      method: 'GET',
      path: '/api/turns/:turnId/trace',
      async handle({ params }) {
        const turnId = idSchema.parse(params.turnId);
        const trace = await readTurnTrace(await database(), turnId);
        if (!trace) throw new HttpError(404, `Turn ${turnId} has no trace`);
        return trace;
      },
    },
    {
      method: 'GET',
      path: '/api/evaluations',
      handle: async () => ({ runs: await listEvaluations(await database()) }),
    },
    {
      // A run compared with the previous one, and its chart (SVG text; the UI shows it as an
      // image, so no markup from here ever enters the page's DOM).
      method: 'GET',
      path: '/api/evaluations/:runId',
      async handle({ params }) {
        const runId = params.runId === 'latest' ? undefined : runIdSchema.parse(params.runId);
        const report = await getEvaluationReport(await database(), runId);
        if (!report)
          throw new HttpError(
            404,
            runId ? `No completed evaluation run ${runId}` : 'No evaluation run yet',
          );
        return { report, chartSvg: evaluationChart(report) };
      },
    },
    {
      // Server-sent events of one turn: steps as they finish, the answer in pieces, then done.
      method: 'GET',
      path: '/api/turns/:turnId/events',
      async handle({ params, request, response }) {
        const turnId = idSchema.parse(params.turnId);
        if (openStreams >= config.serve.maxEventStreams) {
          response.setHeader('retry-after', '5');
          throw new HttpError(429, `Too many open event streams (${openStreams})`);
        }
        openStreams++;
        try {
          await streamTurnEvents(turnId, request, response);
        } finally {
          openStreams--;
        }
      },
    },
  ];

  async function streamTurnEvents(
    turnId: string,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const db = await database();
    let lastSeq = Number(request.headers['last-event-id'] ?? -1);
    if (!Number.isFinite(lastSeq)) lastSeq = -1;
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    response.write(': stream open\n\n');
    let closed = false;
    request.once('close', () => (closed = true));
    const deadline = Date.now() + config.serve.eventStreamMs;
    // Tokens as they are generated (the side channel), until the final answer's pieces start.
    let liveText = '';
    let answerStarted = false;
    while (!closed && Date.now() < deadline) {
      const live = answerStarted ? undefined : await readLiveText(db, turnId);
      if (live && live.text !== liveText) {
        liveText = live.text;
        // No id: a reconnecting client resumes from the durable events, not from tokens.
        response.write(`event: answer_live\ndata: ${JSON.stringify(live)}\n\n`);
      }
      const events = await readTurnEvents(db, turnId, lastSeq);
      for (const event of events) {
        lastSeq = event.seq;
        if (event.type === 'answer_delta' || event.type === 'done') answerStarted = true;
        response.write(
          `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`,
        );
        if (event.type === 'done' || event.type === 'error') closed = true;
      }
      if (!closed) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    response.end();
  }

  return {
    routes,
    async close() {
      const [openClient, openMongo] = [client, mongo];
      client = undefined;
      mongo = undefined;
      await openClient?.then((value) => value.connection.close()).catch(() => undefined);
      await openMongo?.then((value) => value.close()).catch(() => undefined);
    },
  };
}
