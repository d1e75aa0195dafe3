// Speaks the wire format of a Hugging Face Inference Endpoint running TGI / TEI on loopback:
// OpenAI-style /v1/chat/completions and feature extraction ({"inputs": [...]} → vectors),
// with TGI's error bodies ({"error", "error_type"}), so the real InferenceClient runs against it.
import { ScriptedHttpServer, fakeVector, type ScriptedReply } from './scripted-http-server.js';

export const HUGGINGFACE_EMULATOR_TOKEN = 'hf_emulatorValidToken';

export function createHuggingFaceEmulator(options: { dimensions?: number } = {}) {
  const dimensions = options.dimensions ?? 384;
  return new ScriptedHttpServer(
    (request) =>
      request.method !== 'POST'
        ? undefined
        : request.path.endsWith('/v1/chat/completions')
          ? 'chat'
          : 'features',
    {
      chat: () => huggingFaceChatReply({ content: 'Hello from the Hugging Face emulator.' }),
      features: (request) => {
        const { inputs } = request.body as { inputs: string | string[] };
        const texts = Array.isArray(inputs) ? inputs : [inputs];
        return { body: texts.map((text) => fakeVector(text, dimensions)) };
      },
    },
    (request) =>
      request.headers.authorization === `Bearer ${HUGGINGFACE_EMULATOR_TOKEN}`
        ? undefined
        : {
            status: 401,
            body: { error: 'Authorization header is correct, but the token seems invalid' },
          },
  );
}

export function huggingFaceChatReply(options: {
  content?: string;
  toolCalls?: { name: string; arguments: unknown }[];
}): ScriptedReply {
  return {
    body: {
      object: 'chat.completion',
      id: '',
      created: Math.floor(Date.now() / 1000),
      model: 'tgi',
      system_fingerprint: '3.0.1-sha-bb9095a',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: options.content ?? null,
            ...(options.toolCalls
              ? {
                  tool_calls: options.toolCalls.map((call, index) => ({
                    id: String(index),
                    type: 'function',
                    function: { name: call.name, description: null, arguments: call.arguments },
                  })),
                }
              : {}),
          },
          logprobs: null,
          finish_reason: options.toolCalls ? 'tool_calls' : 'stop',
        },
      ],
      usage: { prompt_tokens: 18, completion_tokens: 10, total_tokens: 28 },
    },
  };
}

export function huggingFaceError(
  status: number,
  error: string,
  errorType: string,
  headers: Record<string, string> = {},
): ScriptedReply {
  return { status, headers, body: { error, error_type: errorType } };
}
