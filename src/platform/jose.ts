import { cjsExports } from "./interop.js";

type Jose = typeof import("jose");
let joseModule: Promise<Jose> | undefined;

/** jose costs ~70 ms to import: the lab loads it after it listens (warm-up) or on first use. */
export function loadJose(): Promise<Jose> {
  joseModule ??= import("jose").then((m) => cjsExports(m as Jose & { default?: Jose }, "SignJWT"));
  return joseModule;
}
