// Resources a process opened, closed in reverse order: on a clean stop, and equally when start-up
// fails halfway (a port in use must not leave a pool or a listener open behind it).
export class ShutdownStack {
  private readonly steps: { name: string; close: () => Promise<unknown> | unknown }[] = [];
  private closing: Promise<void> | undefined;

  add(name: string, close: () => Promise<unknown> | unknown): void {
    this.steps.push({ name, close });
  }

  /** Closes everything once; later calls wait for the first. Errors are reported, not thrown, so every step runs. */
  close(onError: (name: string, err: unknown) => void = () => undefined): Promise<void> {
    this.closing ??= (async () => {
      for (const step of [...this.steps].reverse()) {
        try { await step.close(); } catch (err) { onError(step.name, err); }
      }
    })();
    return this.closing;
  }
}
