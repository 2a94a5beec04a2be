// The portal's calls to its own backend: same origin, the session cookie, and the CSRF token on writes.
const csrf = (): string => document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? "";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function answer<T>(r: Response): Promise<T> {
  const body = (await r.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
  if (r.status === 401) {
    window.location.assign("/portal");
    throw new ApiError(401, "NotSignedIn", "signing in again");
  }
  if (!r.ok) throw new ApiError(r.status, body.error?.code ?? "Error", body.error?.message ?? r.statusText);
  return body as T;
}

export async function get<T>(path: string): Promise<T> {
  return answer<T>(await fetch(path, { credentials: "same-origin", headers: { accept: "application/json" } }));
}

export async function post<T>(path: string, body: unknown): Promise<T> {
  return answer<T>(
    await fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", accept: "application/json", "x-csrf-token": csrf() },
      body: JSON.stringify(body),
    }),
  );
}
