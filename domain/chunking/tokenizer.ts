// Token counting behind a small interface, so a model's own tokenizer can replace the default.
// The one tiktoken loader of the project: OpenAI's BPEs from js-tiktoken with their ranks
// bundled in the npm package (nothing is downloaded at run time), each built once per process.
// Chunking uses cl100k_base; the remote chat models count with their own encoding
// (integrations/llm/token-counter.ts picks which).
import { Tiktoken } from 'js-tiktoken/lite';
import cl100kBase from 'js-tiktoken/ranks/cl100k_base';
import o200kBase from 'js-tiktoken/ranks/o200k_base';

export interface Tokenizer {
  /** A stable name, part of cache and index keys (chunks depend on the tokenizer). */
  readonly name: string;
  count(text: string): number;
  encode(text: string): number[];
  decode(tokens: number[]): string;
}

export type TiktokenEncodingName = 'cl100k_base' | 'o200k_base';

const RANKS = { cl100k_base: cl100kBase, o200k_base: o200kBase } as const;
const encodings = new Map<TiktokenEncodingName, Tiktoken>();

/** A tiktoken encoding, built lazily once per process (building a rank table takes ~100 ms). */
export function tiktokenTokenizer(name: TiktokenEncodingName): Tokenizer {
  let encoding = encodings.get(name);
  if (!encoding) {
    encoding = new Tiktoken(RANKS[name]);
    encodings.set(name, encoding);
  }
  const loaded = encoding;
  return {
    name,
    // Special-token text such as "<|endoftext|>" in a page is ordinary text here, never a control
    // token, so both lists are empty (the library would otherwise throw on it).
    encode: (text) => loaded.encode(text, [], []),
    count: (text) => loaded.encode(text, [], []).length,
    decode: (tokens) => loaded.decode(tokens),
  };
}

/** cl100k_base: what chunk sizes are measured in. */
export function cl100kTokenizer(): Tokenizer {
  return tiktokenTokenizer('cl100k_base');
}
