// Speaks the OpenAI REST wire format (chat completions and embeddings) on loopback, with
// bodies shaped like recorded api.openai.com responses, so the real `openai` SDK runs against it.
import { randomUUID } from 'node:crypto';
import {
  ScriptedHttpServer,
  fakeVector,
  type RouteHandler,
  type ScriptedReply,
} from './scripted-http-server.js';

export const OPENAI_EMULATOR_KEY = 'sk-emulator-valid-key';

/**
 * `apiKey` is the key it accepts (tests with canary secrets pass their own); `chat` answers
 * chat completions instead of the fixed greeting (e.g. a reply chosen by the prompt's content).
 */
export function createOpenAIEmulator(
  options: { apiKey?: string; chat?: RouteHandler } = {},
): ScriptedHttpServer {
  const apiKey = options.apiKey ?? OPENAI_EMULATOR_KEY;
  return new ScriptedHttpServer(
    (request) =>
      request.method === 'POST' && request.path === '/v1/chat/completions'
        ? 'chat'
        : request.method === 'POST' && request.path === '/v1/embeddings'
          ? 'embeddings'
          : undefined,
    {
      chat:
        options.chat ??
        ((request) => {
          const { model } = request.body as { model: string };
          return openAIChatReply({ model, content: 'Hello from the OpenAI emulator.' });
        }),
      embeddings: (request) => {
        const { model, input, dimensions } = request.body as {
          model: string;
          input: string[];
          dimensions?: number;
        };
        return {
          body: {
            object: 'list',
            data: input.map((text, index) => ({
              object: 'embedding',
              index,
              embedding: fakeVector(text, dimensions ?? 1536),
            })),
            model,
            usage: { prompt_tokens: input.length * 4, total_tokens: input.length * 4 },
          },
        };
      },
    },
    (request) =>
      request.headers.authorization === `Bearer ${apiKey}`
        ? undefined
        : {
            status: 401,
            body: {
              error: {
                message:
                  'Incorrect API key provided: sk-wrong***. You can find your API key at https://platform.openai.com/account/api-keys.',
                type: 'invalid_request_error',
                param: null,
                code: 'invalid_api_key',
              },
            },
          },
    (request, reply) =>
      (request.body as { stream?: boolean } | undefined)?.stream === true
        ? asChatCompletionStream(reply)
        : reply,
  );
}

interface ChatCompletionBody {
  id: string;
  created: number;
  model: string;
  system_fingerprint?: string;
  choices: {
    message: {
      content: string | null;
      tool_calls?: { id: string; type: string; function: { name: string; arguments: string } }[];
    };
    finish_reason: string;
  }[];
  usage: unknown;
}

/**
 * A chat completion as the `chat.completion.chunk` server-sent events api.openai.com sends for
 * `stream: true` with `stream_options.include_usage`: a role chunk, content in small pieces,
 * tool calls (name first, arguments in pieces), the finish reason, the usage, then [DONE].
 * Errors (non-200 replies) are not streamed, as with the real API.
 */
export function asChatCompletionStream(reply: ScriptedReply): ScriptedReply {
  if ((reply.status ?? 200) !== 200) return reply;
  const completion = reply.body as ChatCompletionBody;
  const choice = completion.choices[0]!;
  const chunk = (delta: unknown, finishReason: string | null = null, usage?: unknown) => ({
    id: completion.id,
    object: 'chat.completion.chunk',
    created: completion.created,
    model: completion.model,
    system_fingerprint: completion.system_fingerprint,
    choices: usage ? [] : [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...(usage ? { usage } : { usage: null }),
  });
  const chunks: unknown[] = [chunk({ role: 'assistant', content: '', refusal: null })];
  for (const piece of choice.message.content?.match(/.{1,12}/gs) ?? [])
    chunks.push(chunk({ content: piece }));
  (choice.message.tool_calls ?? []).forEach((call, index) => {
    chunks.push(
      chunk({
        tool_calls: [
          {
            index,
            id: call.id,
            type: 'function',
            function: { name: call.function.name, arguments: '' },
          },
        ],
      }),
    );
    for (const piece of call.function.arguments.match(/.{1,16}/gs) ?? [])
      chunks.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
  });
  chunks.push(chunk({}, choice.finish_reason));
  chunks.push(chunk(undefined, null, completion.usage));
  return {
    ...reply,
    headers: { ...reply.headers, 'content-type': 'text/event-stream; charset=utf-8' },
    rawBody: `${chunks.map((value) => `data: ${JSON.stringify(value)}\n\n`).join('')}data: [DONE]\n\n`,
  };
}

export function openAIChatReply(options: {
  model?: string;
  content?: string | null;
  toolCalls?: { name: string; arguments: string }[];
  finishReason?: string;
}): ScriptedReply {
  const toolCalls = options.toolCalls?.map((call) => ({
    id: `call_${randomUUID().replaceAll('-', '').slice(0, 24)}`,
    type: 'function',
    function: call,
  }));
  return {
    headers: { 'x-request-id': `req_${randomUUID().replaceAll('-', '')}` },
    body: {
      id: `chatcmpl-${randomUUID().replaceAll('-', '').slice(0, 29)}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: options.model ?? 'gpt-4o-mini-2024-07-18',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: options.content ?? null,
            ...(toolCalls ? { tool_calls: toolCalls } : {}),
            refusal: null,
            annotations: [],
          },
          logprobs: null,
          finish_reason: options.finishReason ?? (toolCalls ? 'tool_calls' : 'stop'),
        },
      ],
      usage: {
        prompt_tokens: 21,
        completion_tokens: 9,
        total_tokens: 30,
        prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
        completion_tokens_details: {
          reasoning_tokens: 0,
          audio_tokens: 0,
          accepted_prediction_tokens: 0,
          rejected_prediction_tokens: 0,
        },
      },
      service_tier: 'default',
      system_fingerprint: 'fp_560af6e559',
    },
  };
}

export function openAIError(
  status: number,
  error: { message: string; type: string; code: string | null },
  headers: Record<string, string> = {},
): ScriptedReply {
  return { status, headers, body: { error: { ...error, param: null } } };
}

export const OPENAI_RATE_LIMITED = (retryAfterSeconds: number) =>
  openAIError(
    429,
    {
      message:
        'Rate limit reached for gpt-4o-mini in organization org-emulator on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.',
      type: 'requests',
      code: 'rate_limit_exceeded',
    },
    {
      'retry-after': String(retryAfterSeconds),
      'x-ratelimit-limit-requests': '3',
      'x-ratelimit-remaining-requests': '0',
    },
  );

export const OPENAI_SERVER_ERROR = openAIError(500, {
  message: 'The server had an error while processing your request. Sorry about that!',
  type: 'server_error',
  code: null,
});

export const OPENAI_CONTEXT_TOO_LONG = openAIError(400, {
  message:
    "This model's maximum context length is 128000 tokens. However, your messages resulted in 130412 tokens. Please reduce the length of the messages.",
  type: 'invalid_request_error',
  code: 'context_length_exceeded',
});
