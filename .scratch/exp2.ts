import { getLlama, LlamaChatSession, LlamaLogLevel } from 'node-llama-cpp';
const [modelPath, threads] = process.argv.slice(2);
const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath: modelPath! });
const context = await model.createContext({ contextSize: 2048, threads: Number(threads ?? 1) });
const cases = [
 ['What is continuous batching?', `[1] Continuous batching is a technique where the inference server adds new requests to the running batch as soon as earlier sequences finish, instead of waiting for the whole batch to complete.\n[2] Dynamic batching waits until a batch is full or a time limit passes, then runs all requests together.`],
 ['How often should I feed my sourdough starter?', `[1] Feed your sourdough starter twice a day, in the morning and in the evening, with equal weights of flour and water.`],
 ['What does VACUUM do in PostgreSQL?', `[1] VACUUM reclaims storage occupied by dead tuples. In normal PostgreSQL operation, tuples that are deleted or obsoleted by an update are not physically removed from their table; they remain present until a VACUUM is done.\n[2] VACUUM ANALYZE performs a VACUUM and then an ANALYZE for each selected table.`],
];
const grammar = await llama.createGrammar({ grammar: `root ::= [A-Z] [^\\[\\]\\n<>]{10,300} " [" [1-2] "]."` });
for (const [q, p] of cases) {
  const session = new LlamaChatSession({ contextSequence: context.getSequence(), systemPrompt: 'Answer the question in one sentence using only the given sources. End with the source number, like [1].' });
  const prompt = `Sources:\n${p}\n\nQuestion: ${q}`;
  for (const g of [grammar, undefined]) {
    session.resetChatHistory();
    const t0 = Date.now(); let first = 0;
    const out = await session.prompt(prompt, { grammar: g, maxTokens: 80, temperature: 0, onTextChunk: () => { first ||= Date.now() - t0; } });
    console.log(`[${g ? 'G' : '-'}] tokens=${model.tokenize(prompt).length} first=${first} total=${Date.now() - t0}: ${out.replace(/\n/g, ' ')}`);
  }
  session.dispose({disposeSequence: true});
}
