/**
 * HTTP load with autocannon, in this (the parent) process: a fixed number of keep-alive
 * connections, each sending its next request as soon as the previous one is answered,
 * for a fixed time. Every request gets a fresh JSON-RPC id.
 */
import autocannon from "autocannon";

/**
 * @typedef {object} LoadWindow
 * @property {number} ok Requests answered with a 2xx.
 * @property {number} seconds How long the window really lasted.
 * @property {number[]} latencies Round-trip time of each 2xx answer, in milliseconds.
 * @property {number} failures Non-2xx answers, connection errors and timeouts together.
 * @property {string} failureDetail What the failures were, for an error message.
 */

/**
 * Load `url` for `seconds`. `body` carries `[<id>]` where each request's id goes.
 *
 * @param {{ url: string, headers: Record<string, string>, body: string, connections: number, seconds?: number, amount?: number, timeoutSeconds?: number }} options
 *   `amount`: send exactly this many requests instead of loading for `seconds`.
 * @returns {Promise<LoadWindow>}
 */
export function runLoad({ url, headers, body, connections, seconds, amount, timeoutSeconds = 10 }) {
  return new Promise((resolve, reject) => {
    // autocannon's own histogram keeps whole milliseconds; keep exact latencies instead.
    const latencies = [];
    const instance = autocannon(
      {
        url,
        method: "POST",
        headers,
        body,
        idReplacement: true,
        connections,
        ...(amount === undefined ? { duration: seconds } : { amount }),
        pipelining: 1,
        timeout: timeoutSeconds,
      },
      (error, result) => {
        if (error) {
          reject(error);
          return;
        }
        resolve({
          ok: result["2xx"],
          seconds: result.duration,
          latencies,
          failures: result.non2xx + result.errors + result.timeouts,
          failureDetail:
            `non-2xx ${result.non2xx} ${JSON.stringify(result.statusCodeStats)}, ` +
            `errors ${result.errors}, timeouts ${result.timeouts}`,
        });
      },
    );
    instance.on("response", (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
}
