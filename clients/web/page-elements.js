// The page's fixed elements (index.html), and the one way views build new ones from untrusted
// text: the DOM API with textContent, never HTML.

export const elements = {
  conversations: document.getElementById('conversations'),
  messages: document.getElementById('messages'),
  form: document.getElementById('ask-form'),
  question: document.getElementById('question'),
  askButton: document.getElementById('ask-button'),
  newConversation: document.getElementById('new-conversation'),
  steps: document.getElementById('steps'),
  sourcePanel: document.getElementById('source-panel'),
  sourceNumber: document.getElementById('source-number'),
  sourceLink: document.getElementById('source-link'),
  sourceText: document.getElementById('source-text'),
  showEvaluation: document.getElementById('show-evaluation'),
  evaluationPanel: document.getElementById('evaluation-panel'),
  evaluationSummary: document.getElementById('evaluation-summary'),
  evaluationTable: document.getElementById('evaluation-table'),
  evaluationChart: document.getElementById('evaluation-chart'),
};

export function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}
