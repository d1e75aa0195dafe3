// Token counting for remote models. OpenAI models use their own BPE through js-tiktoken (the
// ranks ship in the npm package, nothing is downloaded). Other remote models (Hugging Face
// endpoints, arbitrary OpenAI-compatible servers) have no tokenizer here, so cl100k_base serves
// as a documented estimate; budgets keep a safety margin for that reason. The encodings come
// from the one tiktoken loader (domain/chunking/tokenizer.ts).
import { tiktokenTokenizer, type TiktokenEncodingName } from '../../domain/chunking/tokenizer.js';

export function encodingForModel(model: string): TiktokenEncodingName {
  const name = model.toLowerCase().split('/').at(-1) ?? '';
  if (/^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o1|o3|o4|chatgpt-4o)/.test(name)) return 'o200k_base';
  return 'cl100k_base';
}

export function tiktokenCounter(model: string): (text: string) => number {
  const tokenizer = tiktokenTokenizer(encodingForModel(model));
  return (text) => tokenizer.count(text);
}

/** Known context windows of common OpenAI models; others use LLM_CONTEXT_SIZE. */
export function knownContextWindow(model: string): number | undefined {
  const name = model.toLowerCase();
  if (/^gpt-4\.1/.test(name)) return 1_047_576;
  if (/^(gpt-4o|o1|o3|o4|gpt-4-turbo)/.test(name)) return 128_000;
  if (/^gpt-5/.test(name)) return 400_000;
  if (/^gpt-3\.5-turbo/.test(name)) return 16_385;
  return undefined;
}
