export { graphFace, graphHost, GRAPH_AUDIENCES, GRAPH_HOST, type GraphFaceDeps } from "./face.js";
export { GraphError, GraphErrors } from "./GraphError.js";
export { parseFilter, conjuncts, FilterSyntaxError, MAX_FILTER_LENGTH, MAX_DEPTH, type FilterExpr, type Literal, type ComparisonOp } from "./odataFilter.js";
export { compileFilter, type FilterSchema, type FilterProperty } from "./filters.js";
export { GRAPH_OPERATIONS } from "./ops/index.js";
export type { GraphOperation, GraphCall, GraphCaller, GraphResult, GraphVersion, GraphAccess } from "./types.js";
