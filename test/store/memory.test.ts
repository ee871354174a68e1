import { MemoryAuthStore } from "../../src/store/index.js";
import { describeAuthStoreContract } from "./auth-store.contract.js";

describeAuthStoreContract("memory", async () => new MemoryAuthStore());
