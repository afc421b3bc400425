// The log lines a test's engine writes: every chunk written to stderr (pino writes through
// process.stderr), still passed on to the real stderr.
export interface StderrCapture { readonly lines: string[]; restore(): void }

export function captureStderr(): StderrCapture {
  const lines: string[] = [];
  const originalWrite = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    lines.push(String(chunk));
    return (originalWrite as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  return { lines, restore: () => { process.stderr.write = originalWrite; } };
}
