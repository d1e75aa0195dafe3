import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  benchmarkQuestionsSchema,
  htmlText,
  loadQuestions,
  QUESTIONS_FILE,
} from '../../bench/answers/questions.js';

// The manual the questions are written against (Debian's postgresql-doc-15); CI may not have it.
const MANUAL = '/usr/share/doc/postgresql-doc-15/html';

describe('answer benchmark questions', () => {
  it('parses with the runner schema: 30+ answerable, 8+ unanswerable, unique ids', () => {
    const questions = loadQuestions();
    const answerable = questions.filter((question) => question.answerPages.length > 0);
    const unanswerable = questions.filter((question) => question.answerPages.length === 0);
    assert.ok(answerable.length >= 30, `${answerable.length} answerable questions`);
    assert.ok(unanswerable.length >= 8, `${unanswerable.length} unanswerable questions`);
    assert.equal(new Set(questions.map((question) => question.id)).size, questions.length);
    for (const question of answerable)
      assert.ok(
        question.keyTerms.length >= 2 && question.keyTerms.length <= 5,
        `${question.id} has 2-5 key terms`,
      );
    for (const question of unanswerable) assert.deepEqual(question.keyTerms, [], question.id);
  });

  it('rejects a file with a duplicate id or an unanswerable question with key terms', () => {
    const file = JSON.parse(readFileSync(QUESTIONS_FILE, 'utf8')) as {
      corpus: string;
      questions: { id: string; keyTerms: string[]; answerPages: string[] }[];
    };
    const duplicate = { ...file, questions: [...file.questions, file.questions[0]!] };
    assert.equal(benchmarkQuestionsSchema.safeParse(duplicate).success, false);
    const unanswerable = file.questions.find((question) => question.answerPages.length === 0)!;
    const withTerms = {
      ...file,
      questions: [{ ...unanswerable, keyTerms: ['anything'] }],
    };
    assert.equal(benchmarkQuestionsSchema.safeParse(withTerms).success, false);
  });

  it('every key term appears in one of its labelled pages of the manual', (t) => {
    if (!existsSync(MANUAL)) {
      t.skip(`${MANUAL} is not installed (apt-get install postgresql-doc-15)`);
      return;
    }
    const pages = new Map<string, string>();
    const text = (file: string) => {
      let page = pages.get(file);
      if (page === undefined) {
        const location = path.join(MANUAL, file);
        assert.ok(existsSync(location), `${file} is in the manual`);
        page = htmlText(readFileSync(location, 'utf8')).toLowerCase();
        pages.set(file, page);
      }
      return page;
    };
    const missing: string[] = [];
    for (const question of loadQuestions()) {
      for (const term of question.keyTerms) {
        if (!question.answerPages.some((file) => text(file).includes(term.toLowerCase())))
          missing.push(`${question.id}: "${term}"`);
      }
    }
    assert.deepEqual(missing, []);
  });
});
