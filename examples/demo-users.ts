/**
 * The two users of the demo host. Their passwords are public: they exist for trying Berth
 * on one machine, never for a server others can reach.
 */
import { hashPassword } from "berth";
import type { UserStore } from "berth/store";

/** The demo's users. Public passwords: never use these anywhere else. */
export const DEMO_USERS = [
  { username: "alice", displayName: "Alice (demo)", password: "alice-demo-password" },
  { username: "bob", displayName: "Bob (demo)", password: "bob-demo-password" },
] as const;

/** Add the demo users that are missing. */
export async function addDemoUsers(store: UserStore): Promise<void> {
  for (const user of DEMO_USERS) {
    if (await store.findUserByName(user.username)) continue;
    const now = Date.now();
    await store.createUser({
      id: `demo-${user.username}`,
      username: user.username,
      displayName: user.displayName,
      passwordHash: await hashPassword(user.password),
      disabled: false,
      createdAt: now,
      updatedAt: now,
    });
  }
}
