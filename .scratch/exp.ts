import { readFileSync } from 'node:fs';
import { getLlama, LlamaChatSession, LlamaLogLevel } from 'node-llama-cpp';
const [modelPath, file, question, threads] = process.argv.slice(2);
const results = JSON.parse(readFileSync(file!, 'utf8')).results.slice(0, 4);
const passages = results.map((r: any, i: number) => `<<<SOURCE n="${i + 1}" title="${r.title.slice(0,80)}">>>\n${r.text.slice(0, 900)}\n<<<END SOURCE>>>`).join('\n\n');
const nums = results.map((_: any, i: number) => `"${i + 1}"`).join(' | ');
const grammar = `root ::= sentence (" " sentence){0,2}
sentence ::= [A-Z] [^\\[\\]\\n<>]{10,300} " [" num "]" "."
num ::= ${nums}`;
const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath: modelPath! });
const context = await model.createContext({ contextSize: 4096, threads: Number(threads ?? 1) });
const session = new LlamaChatSession({ contextSequence: context.getSequence(), systemPrompt: 'You answer questions using only the numbered passages. Write one to three short sentences, each ending with the passage number in brackets like [1].' });
const g = await llama.createGrammar({ grammar });
const prompt = `Passages:\n${passages}\n\nQuestion: ${question}\nAnswer using only the passages and cite them like [1].`;
console.log('prompt tokens', model.tokenize(prompt).length);
for (const useGrammar of [true, false]) {
  session.resetChatHistory();
  const t0 = Date.now(); let first = 0;
  const out = await session.prompt(prompt, { grammar: useGrammar ? g : undefined, maxTokens: 160, temperature: 0, onTextChunk: () => { first ||= Date.now() - t0; } });
  console.log(`grammar=${useGrammar} first=${first}ms total=${Date.now() - t0}ms\n${out}\n`);
}
