import { TimeoutError } from "../errors.js";
import type { Cancellation } from "./cancellation.js";

/**
 * Run `work` with a time limit. When `ms` pass first, the request's signal (when given) fires with a
 * {@link TimeoutError} saying `what` timed out, and the returned promise rejects with it at
 * once, whether or not the handler heeds the signal. Without a limit it is `work()` itself.
 * `work` is an async function: it reports failure by rejecting, never by throwing.
 */
export function withDeadline<T>(
  work: () => Promise<T>,
  ms: number | undefined,
  cancellation: Cancellation | undefined,
  what: string,
): Promise<T> {
  if (ms === undefined) return work();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new TimeoutError(`${what} timed out after ${ms} ms`, ms);
      cancellation?.expire(error);
      reject(error);
    }, ms);
  });
  return Promise.race([work(), expired]).finally(() => clearTimeout(timer));
}
