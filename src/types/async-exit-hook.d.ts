// The one function of async-exit-hook we use (see core/embedded-postgres.ts).
declare module 'async-exit-hook' {
  const exitHook: { unhookEvent(event: string): void };
  export default exitHook;
}
