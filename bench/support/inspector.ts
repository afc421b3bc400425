// Asks a Node process started with --inspect=127.0.0.1:<port> to collect garbage and report its
// memory, over the inspector protocol (Node's global WebSocket): what memory its live data holds,
// as opposed to what its resident set has grown to.

export interface MemoryUsage { rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number }

export async function inspect(inspectorPort: number): Promise<{ collectGarbage(): Promise<void>; memoryUsage(): Promise<MemoryUsage>; close(): void }> {
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json() as { webSocketDebuggerUrl: string }[];
  const ws = new WebSocket(targets[0]!.webSocketDebuggerUrl);
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true });
    ws.addEventListener('error', () => reject(new Error('inspector connection failed')), { once: true });
  });
  let nextId = 1;
  const pending = new Map<number, (result: unknown) => void>();
  ws.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) pending.get(message.id)?.(message.result);
  });
  const call = (method: string, params: object = {}) => new Promise<unknown>((resolve) => {
    const id = nextId++;
    pending.set(id, resolve);
    ws.send(JSON.stringify({ id, method, params }));
  });
  return {
    async collectGarbage() { await call('HeapProfiler.collectGarbage'); },
    async memoryUsage() {
      const result = await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true }) as { result: { value: string } };
      return JSON.parse(result.result.value) as MemoryUsage;
    },
    close: () => ws.close(),
  };
}
