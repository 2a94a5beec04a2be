export { LabClock, parseDuration, dotnetRoundTrip, entraTimestamp } from "./clock.js";
export { Random, GUID_RE } from "./random.js";
export { LabCa, type CaMaterial } from "./tls.js";
export { FaceError, HINT_HEADER, headerSafe } from "./errors.js";
export { installBodyParsers, MalformedBodyError, frameworkErrorKind, queryOf, pathOf, hostOf, sendJson, type FastifyLikeError } from "./http.js";
export { KeyRing, type SigningKey } from "./keyring.js";
export { EtcHosts } from "./etcHosts.js";
export { loadJose } from "./jose.js";
