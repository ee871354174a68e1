import type { Server as NodeServer } from "node:http";
import { HttpError, UnavailableError } from "../errors.js";
import { refuseUpgrade } from "../transport/websocket/refuse.js";
import type { Mount } from "./mounts.js";

/**
 * Route WebSocket upgrades to the mounts that offer WebSocket, by path. Other upgrades are
 * refused with 404, and every upgrade with 503 while the host drains. When no mount offers
 * WebSocket, upgrades are not taken over at all.
 */
export function handleUpgrades(
  http: NodeServer,
  mounts: readonly Mount[],
  draining: () => boolean,
): void {
  const byPath = new Map<string, NonNullable<Mount["websocket"]>["endpoint"]>();
  for (const mount of mounts)
    if (mount.websocket) byPath.set(mount.websocket.path, mount.websocket.endpoint);
  // Without a listener Node serves `Upgrade:` requests (h2c, say) as ordinary requests.
  if (byPath.size === 0) return;
  http.on("upgrade", (req, socket, head) => {
    const target = req.url ?? "/";
    const query = target.indexOf("?");
    const pathname = query < 0 ? target : target.slice(0, query);
    const endpoint = byPath.get(pathname);
    if (draining()) {
      refuseUpgrade(socket, new UnavailableError("The server is shutting down; retry in a moment"));
    } else if (endpoint) endpoint.handleUpgrade(req, socket, head);
    else
      refuseUpgrade(
        socket,
        new HttpError("ERR_NOT_FOUND", 404, -32600, `No WebSocket endpoint at ${pathname}`),
      );
  });
}
