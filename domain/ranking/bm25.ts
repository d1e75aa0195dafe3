// Okapi BM25 over an in-memory inverted index. Postings are typed arrays, and a query touches
// only the postings of its own terms, so a query over 50,000 chunks costs a few milliseconds.
import { textTerms } from './text-terms.js';
import { topK, type Scored } from './top-k.js';

export interface Bm25Options {
  /** Term-frequency saturation. */
  k1?: number;
  /** Length normalization (0 = none, 1 = full). */
  b?: number;
  analyzer?: (text: string) => string[];
}

interface Postings {
  documents: Int32Array;
  frequencies: Float32Array;
}

export class Bm25Index {
  readonly size: number;
  private readonly postings = new Map<string, Postings>();
  private readonly lengths: Float32Array;
  private readonly averageLength: number;
  private readonly k1: number;
  private readonly b: number;
  private readonly analyzer: (text: string) => string[];

  constructor(texts: readonly string[], options: Bm25Options = {}) {
    this.k1 = options.k1 ?? 1.2;
    this.b = options.b ?? 0.75;
    this.analyzer = options.analyzer ?? textTerms;
    this.size = texts.length;
    this.lengths = new Float32Array(texts.length);
    const building = new Map<string, { documents: number[]; frequencies: number[] }>();
    let totalLength = 0;
    texts.forEach((text, document) => {
      const terms = this.analyzer(text);
      this.lengths[document] = terms.length;
      totalLength += terms.length;
      const counts = new Map<string, number>();
      for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
      for (const [term, count] of counts) {
        let list = building.get(term);
        if (!list) building.set(term, (list = { documents: [], frequencies: [] }));
        list.documents.push(document);
        list.frequencies.push(count);
      }
    });
    this.averageLength = texts.length === 0 ? 0 : totalLength / texts.length;
    for (const [term, list] of building) {
      this.postings.set(term, {
        documents: Int32Array.from(list.documents),
        frequencies: Float32Array.from(list.frequencies),
      });
    }
  }

  /** Inverse document frequency, the BM25+ variant that is never negative. */
  idf(term: string): number {
    const frequency = this.postings.get(term)?.documents.length ?? 0;
    return Math.log(1 + (this.size - frequency + 0.5) / (frequency + 0.5));
  }

  /** Every document's score for the query (0 for documents sharing no term). */
  scores(query: string): Float64Array {
    const scores = new Float64Array(this.size);
    const queryTerms = new Set(this.analyzer(query));
    for (const term of queryTerms) {
      const list = this.postings.get(term);
      if (!list) continue;
      const idf = this.idf(term);
      for (let position = 0; position < list.documents.length; position++) {
        const document = list.documents[position] as number;
        const frequency = list.frequencies[position] as number;
        const length = this.lengths[document] as number;
        const norm = this.k1 * (1 - this.b + (this.b * length) / (this.averageLength || 1));
        scores[document] =
          (scores[document] as number) + (idf * (frequency * (this.k1 + 1))) / (frequency + norm);
      }
    }
    return scores;
  }

  /** The k best documents with a positive score; `accept` filters by document index. */
  search(query: string, k: number, accept?: (index: number) => boolean): Scored[] {
    return topK(this.scores(query), k, accept, 0);
  }
}
