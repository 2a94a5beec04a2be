export { SigningPool, sharedSigningPool, signJwtRs256, defaultPoolSize, type PoolKey } from "./SigningPool.js";
