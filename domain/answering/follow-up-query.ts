// The search query for a turn. A follow-up ("and how do I tune it?", "why?") names nothing the
// index can find, so it is searched together with the previous question; a question that
// stands on its own is searched as asked. Deterministic, so it costs no model call and works
// the same with every model.
import { answerTerms } from './answer-terms.js';

const REFERRING =
  /\b(it|its|it's|this|that|these|those|they|them|their|there|he|she|his|her|one|ones|same|above|previous|former|latter|more|else|also|again)\b/i;
const STARTS_AS_FOLLOW_UP =
  /^\s*(and|but|or|so|also|what about|how about|then|why|why not|how come|really|ok|okay)\b/i;

/**
 * A follow-up names at most one thing of its own and either refers back ("it", "those") or
 * opens like a continuation ("and", "why"); "And how do I water a bonsai?" stands alone.
 */
export function isFollowUp(question: string): boolean {
  const terms = answerTerms(question);
  if (terms.length === 0) return true;
  return terms.length <= 1 && (REFERRING.test(question) || STARTS_AS_FOLLOW_UP.test(question));
}

const CAPABILITY =
  /\b(what (topics|subjects|things)\b|what can you (do|help|answer|tell)|what do you know|help me with\b|what('s| is) in (my|the|your) (knowledge base|notes)|what (do|does) (my|the) (knowledge base|notes) (cover|contain|hold))/i;

/** "What can you help me with?": answered from the index's topics, not from passages. */
export function isCapabilityQuestion(question: string): boolean {
  return CAPABILITY.test(question);
}

/** The question, with the previous question's terms added when it reads as a follow-up. */
export function searchQuery(question: string, previousQuestions: string[]): string {
  const previous = previousQuestions.at(-1);
  if (!previous || !isFollowUp(question)) return question;
  const own = new Set(answerTerms(question));
  const carried = [...new Set(answerTerms(previous))].filter((term) => !own.has(term));
  return carried.length === 0 ? question : `${question} (${carried.join(' ')})`;
}
