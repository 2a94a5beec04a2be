// The workload identity webhook: a pure mutation and an AdmissionReview server (built out in src/webhook).
export {};
