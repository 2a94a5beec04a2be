/**
 * A dynamically imported CommonJS package's exports: Node's ESM loader exposes them as named exports, a bundler
 * (esbuild, for the fast-start bundle) may expose them only under `default`. `probe` is an export that must exist.
 */
export function cjsExports<T extends object>(ns: T & { default?: T }, probe: keyof T): T {
  return ns[probe] !== undefined ? ns : (ns.default ?? ns);
}
