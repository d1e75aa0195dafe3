// Humane CLI output: progress and notes go to stderr, results to stdout, so `--json` output
// stays machine-readable while people still see what is happening.

export function note(message: string): void {
  process.stderr.write(`${message}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

export function printLine(message = ''): void {
  process.stdout.write(`${message}\n`);
}

/** Renders rows as aligned columns. */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
  return rows
    .map((row) =>
      row
        .map((cell, index) => cell.padEnd(widths[index] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The messages of an error and its causes, outermost first, without stack traces. */
export function describeError(error: unknown): string {
  const messages: string[] = [];
  for (
    let current: unknown = error, depth = 0;
    current !== undefined && current !== null && depth < 6;
    depth++
  ) {
    if (current instanceof Error) {
      if (!messages.includes(current.message) && current.message) messages.push(current.message);
      current = current.cause;
    } else {
      messages.push(JSON.stringify(current));
      break;
    }
  }
  return messages.join('\n  caused by: ');
}
