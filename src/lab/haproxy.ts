/**
 * The HAProxy configuration docs/scale-out.md recommends in front of lab replicas: TCP mode (TLS ends at the
 * replicas, which share the CA and its leaves), round robin, a TCP health check every 250 ms (a replica is out after
 * 2 failed checks and back after 2 good ones), and a refused connection redispatched to another replica. The tests
 * and the scale-out benchmark start HAProxy with it.
 */
export interface HaproxyConfigOptions {
  /** The address and port the balancer listens on (`127.0.0.1:8443`, `0.0.0.0:443`). */
  bind: string;
  /** The replicas (`host:port`). */
  backends: string[];
  /** A stats socket (path) for `show stat`, if wanted. */
  statsSocket?: string;
}

export function haproxyConfig(o: HaproxyConfigOptions): string {
  return [
    "global",
    "  maxconn 2000",
    ...(o.statsSocket ? [`  stats socket ${o.statsSocket} mode 600 level user`] : []),
    "defaults",
    "  mode tcp",
    "  timeout connect 1s",
    "  timeout client 120s",
    "  timeout server 120s",
    "  retries 2",
    "  option redispatch",
    "frontend lab",
    `  bind ${o.bind}`,
    "  default_backend replicas",
    "backend replicas",
    "  balance roundrobin",
    "  default-server inter 250ms fall 2 rise 2",
    ...o.backends.map((b, i) => `  server r${i + 1} ${b} check`),
    "",
  ].join("\n");
}
