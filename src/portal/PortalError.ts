/**
 * The portal's error catalog: what its JSON API answers when it refuses or fails. The portal is the lab's own
 * UI (Azure's portal has no public API to mirror), so its envelope is ARM's: `{"error":{"code","message"}}`.
 */
import { FaceError } from "../platform/index.js";

export class PortalError extends FaceError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const PortalErrors = {
  notSignedIn: () => new PortalError(401, "NotSignedIn", "Sign in to the portal first: open /portal in a browser."),
  sessionExpired: () => new PortalError(401, "SessionExpired", "The portal session has expired. Sign in again."),
  csrf: () => new PortalError(403, "CsrfTokenMismatch", "The request lacks the portal's CSRF token (header x-csrf-token) or comes from another origin."),
  badRequest: (why: string) => new PortalError(400, "BadRequest", why),
  notFound: (what: string) => new PortalError(404, "NotFound", `${what} was not found.`),
  upstream: (status: number, code: string, message: string) => new PortalError(status, code, message),
  signInFailed: (why: string) => new PortalError(400, "SignInFailed", `The sign-in could not be completed: ${why}`),
};
