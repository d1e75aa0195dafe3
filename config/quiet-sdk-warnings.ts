// Imported for its side effect by every entry point (CLI, tests, benchmarks).
// The AWS SDK warns at each start that releases after January 2027 need Node 22. That is
// upgrade advice, not a problem with this run, and it would bury the CLI's own output.
const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
process.emitWarning = (warning: string | Error, ...rest: unknown[]) => {
  const text = typeof warning === 'string' ? warning : warning.message;
  if (text.startsWith('NodeVersionSupportWarning')) return;
  emitWarning(warning, ...rest);
};

export {};
