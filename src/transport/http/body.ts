import type { IncomingMessage } from "node:http";
import { HttpError, ParseError } from "../../errors.js";

/**
 * Read a request body up to `limit` bytes; 413 past it. When a framework's body parser
 * (`express.json()`, `express.raw()`, …) has read the stream already, its `req.body` is used.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  if (req.readableEnded) return parsedBody(req, limit);
  const declared = Number(req.headers["content-length"]);
  if (declared > limit) return Promise.reject(bodyTooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners("data");
        req.resume();
        reject(bodyTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** The body a framework already read: a Buffer, a string, or parsed JSON (serialized again). */
function parsedBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const body = (req as IncomingMessage & { body?: unknown }).body;
  if (body === undefined) {
    return Promise.reject(
      new HttpError(
        "ERR_BODY_ALREADY_READ",
        500,
        -32603,
        "The request body was read before it reached the MCP endpoint and no parsed body was left: mount the endpoint before body-reading middleware",
      ),
    );
  }
  const buffer = Buffer.isBuffer(body)
    ? body
    : Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
  return buffer.length > limit ? Promise.reject(bodyTooLarge(limit)) : Promise.resolve(buffer);
}

/** The 413 refusal of a body past `limit` bytes. */
export function bodyTooLarge(limit: number): HttpError {
  return new HttpError(
    "ERR_BODY_TOO_LARGE",
    413,
    -32600,
    `Request body is larger than the limit of ${limit} bytes`,
  );
}

/** 415 unless the request declares a JSON body. */
export function assertJsonContentType(req: Pick<IncomingMessage, "headers">): void {
  const type = req.headers["content-type"];
  if (!type || !/^application\/json\s*(;|$)/i.test(type)) {
    throw new HttpError(
      "ERR_UNSUPPORTED_MEDIA_TYPE",
      415,
      -32600,
      "Unsupported media type: send the JSON-RPC message with Content-Type: application/json",
    );
  }
}

/** Parse a body as JSON; -32700 on failure. */
export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (error) {
    throw new ParseError("Parse error: the body is not valid JSON", { cause: error });
  }
}
