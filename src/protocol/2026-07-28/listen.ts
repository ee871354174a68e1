import type { ServerChange } from "../../engine/registrations.js";
import type { Server } from "../../engine/server.js";
import type { JsonObject } from "../../engine/types.js";
import { InvalidParamsError } from "../../errors.js";
import type { JsonRpcRequest } from "../jsonrpc.js";
import { META } from "../versions.js";
import { readModernMeta } from "./codec.js";

/** An open `subscriptions/listen` stream. */
export interface Subscription {
  /** Stop sending; the client went away. */
  close(): void;
  /** End gracefully: send the listen result, then stop. */
  end(): void;
}

/**
 * Start a `subscriptions/listen` subscription: validate it, acknowledge the subset the
 * server honours, then forward matching changes until closed.
 */
export function listen(
  server: Server,
  request: JsonRpcRequest,
  send: (message: JsonObject) => void,
): Subscription {
  readModernMeta(request.params);
  const filter = request.params["notifications"];
  if (typeof filter !== "object" || filter === null || Array.isArray(filter)) {
    throw new InvalidParamsError("Missing required parameter 'notifications'");
  }
  const f = filter as JsonObject;
  const uris = f["resourceSubscriptions"];
  if (uris !== undefined && (!Array.isArray(uris) || uris.some((u) => typeof u !== "string"))) {
    throw new InvalidParamsError(
      "Parameter 'notifications.resourceSubscriptions' must be an array of URIs",
    );
  }
  const honoured: JsonObject = {};
  for (const key of ["toolsListChanged", "promptsListChanged", "resourcesListChanged"]) {
    if (f[key] === true) honoured[key] = true;
  }
  const watched = new Set<string>((uris as string[] | undefined) ?? []);
  if (watched.size > 0) honoured["resourceSubscriptions"] = [...watched];

  const tag = { [META.subscriptionId]: request.id };
  send({
    jsonrpc: "2.0",
    method: "notifications/subscriptions/acknowledged",
    params: { _meta: tag, notifications: honoured },
  });

  const forward = (change: ServerChange) => {
    if (change.kind === "resource") {
      if (
        [...watched].some(
          (uri) => change.uri === uri || change.uri.startsWith(uri.endsWith("/") ? uri : `${uri}/`),
        )
      ) {
        send({
          jsonrpc: "2.0",
          method: "notifications/resources/updated",
          params: { _meta: tag, uri: change.uri },
        });
      }
      return;
    }
    if (honoured[`${change.kind}ListChanged`]) {
      send({
        jsonrpc: "2.0",
        method: `notifications/${change.kind}/list_changed`,
        params: { _meta: tag },
      });
    }
  };
  const unsubscribe = server.onChange(forward);
  return {
    close: unsubscribe,
    end() {
      unsubscribe();
      send({
        jsonrpc: "2.0",
        id: request.id,
        result: { resultType: "complete", _meta: { ...tag, [META.serverInfo]: server.info } },
      });
    },
  };
}
