/**
 * A debug timeline of the connect path (docs/performance.md, "Connect"): `trace(name)` leaves a
 * User Timing mark `opw:<name>` when tracing is on, nothing otherwise. `bench:connect` turns it
 * on in both pages and lines their marks up by `performance.timeOrigin`, so one run shows where
 * the milliseconds from invite to "connected" go. Off by default: a mark per candidate is cheap,
 * but a timeline that grows forever is not.
 */
let tracing = false

/** Turns the connect-path marks on or off (the app: `localStorage['opw:trace']`). */
export function setTracing(on: boolean): void {
  tracing = on
}

export function trace(name: string): void {
  if (tracing) performance.mark(`opw:${name}`)
}
