// Token counting behind a small interface, so a model's own tokenizer can replace the default.
// The default is OpenAI's cl100k_base BPE from js-tiktoken with its ranks bundled in the npm
// package (nothing is downloaded at run time).
import { Tiktoken } from 'js-tiktoken/lite';
import cl100kBase from 'js-tiktoken/ranks/cl100k_base';

export interface Tokenizer {
  /** A stable name, part of cache and index keys (chunks depend on the tokenizer). */
  readonly name: string;
  count(text: string): number;
  encode(text: string): number[];
  decode(tokens: number[]): string;
}

let cl100k: Tiktoken | undefined;

/** cl100k_base, built lazily once per process (building the rank table takes ~100 ms). */
export function cl100kTokenizer(): Tokenizer {
  cl100k ??= new Tiktoken(cl100kBase);
  const encoding = cl100k;
  return {
    name: 'cl100k_base',
    // Special-token text such as "<|endoftext|>" in a page is ordinary text here, never a control
    // token, so both lists are empty (the library would otherwise throw on it).
    encode: (text) => encoding.encode(text, [], []),
    count: (text) => encoding.encode(text, [], []).length,
    decode: (tokens) => encoding.decode(tokens),
  };
}
